// close()'s and netpoll's wake order, sysmon's back-off and network poll,
// exitsyscall's idle-P fast path and retake's syscall rules, each checked
// against the Go 1.19 rule it models (the expected values are derived from
// that rule in the test, not read off the model's output).
#include <doctest/doctest.h>

#include <vector>

#include "sim_support.h"

using namespace gosim;
using namespace gosim::test;
using trace::EventKind;
using trace::Why;

namespace {
// proc.go:sysmon's sleep schedule while every round is idle (retake returns
// 0 and no P set is all idle): 20 us (`idle == 0`... `idle <= 50`), then
// doubling each round once idle > 50, capped at 10 ms. The first sleep
// starts with the program. Returns the tick times up to `until`.
std::vector<Nanos> idle_sysmon_ticks(const scenario::GoConstants& k, Nanos until) {
  std::vector<Nanos> ticks;
  Nanos t = 0, delay = k.sysmon_min_delay;
  for (std::int64_t idle = 0; t + delay <= until; ++idle) {
    t += delay;
    ticks.push_back(t);
    // After the round: idle+1 idle rounds; the next sleep doubles past 50.
    if (idle + 1 > k.sysmon_idle_rounds) delay *= 2;
    if (delay > k.sysmon_max_delay) delay = k.sysmon_max_delay;
  }
  return ticks;
}

Nanos first_tick_at_or_after(const std::vector<Nanos>& ticks, Nanos t) {
  for (Nanos x : ticks) {
    if (x >= t) return x;
  }
  return -1;
}

// main lets the Gs it just created run (and park) on its one P. Gosched puts
// it on the global queue; the first one comes straight back, as in Go: main
// started from runnext (inheriting its time slice), so schedtick is still 0
// and findRunnable's 1-in-61 fairness check takes the global queue first.
std::vector<Op> let_them_run() { return {yield(), yield()}; }

std::vector<Op> cat(std::vector<Op> a, const std::vector<Op>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::int64_t> goids(const std::vector<trace::Event>& evs) {
  std::vector<std::int64_t> out;
  for (const auto& e : evs) out.push_back(e.g);
  return out;
}
}  // namespace

TEST_SUITE("sim") {
  // chan.go:closechan pushes every receiver, then every sender, on a gList
  // (LIFO) and goreadies them as they pop, each into runnext: readied last
  // sender first ... first receiver last, which ends in runnext and runs
  // first; the others follow from the local queue, last parked first. Real
  // go1.19 at GOMAXPROCS=1: receivers parked [5 1 2 3 4] run [5 4 3 2 1].
  TEST_CASE("close: receivers are readied last-parked first and the first parked runs first") {
    Builder b;
    int main_fn = b.fn("main");
    int rx = b.fn("rx");
    int c = b.chan("c");
    int wg = b.wg("wg");
    b.define(rx, {recv(c), wg_done(wg)});
    b.define(main_fn, cat(cat({wg_add(wg, 3), go(rx), go(rx), go(rx)}, let_them_run()), {close_chan(c), wg_wait(wg)}));
    b.config().gomaxprocs = 1;
    RunResult r = run(b);
    REQUIRE(r.ok());
    std::vector<trace::Event> parked, readied;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::GoBlock && e.reason == static_cast<std::uint8_t>(trace::BlockReason::ChanRecv)) parked.push_back(e);
      if (e.kind == EventKind::GoUnblock && e.why == Why::WakeChanClose) readied.push_back(e);
    }
    REQUIRE(parked.size() == 3);
    REQUIRE(readied.size() == 3);
    const auto p = goids(parked);
    CHECK(goids(readied) == std::vector<std::int64_t>{p[2], p[1], p[0]});
    // Run order after the close: the first parked (runnext), then the rest
    // last-parked first.
    std::vector<std::int64_t> ran;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::GoStart && e.t >= readied[0].t && e.g != 1) ran.push_back(e.g);
    }
    CHECK(ran == std::vector<std::int64_t>{p[0], p[2], p[1]});
  }

  // A select waiting to send and to receive on the same channel: closechan
  // dequeues recvq first and that dequeue's selectDone CAS makes the G's
  // sendq sudog stale, so close wakes it as a receiver (zero value, no
  // panic), although senders are readied first.
  TEST_CASE("close: a select on both directions of the channel is woken as a receiver") {
    Builder b;
    int main_fn = b.fn("main");
    int sel = b.fn("sel");
    int c = b.chan("c");
    int wg = b.wg("wg");
    b.define(sel, {select({select_case(true, c), select_case(false, c)}), wg_done(wg)});
    b.define(main_fn, cat(cat({wg_add(wg, 1), go(sel)}, let_them_run()), {close_chan(c), wg_wait(wg)}));
    b.config().gomaxprocs = 1;
    RunResult r = run(b);
    REQUIRE(r.count(EventKind::GoUnblock) == 2);  // sel by close, main by wg.Done
    CHECK(r.ok());
    CHECK(r.count(EventKind::GoEnd) == 2);
  }

  // netpoll_epoll.go:netpoll calls netpollready for each ready descriptor in
  // epoll's (readiness) order and netpollready pushes the G on toRun, a gList
  // (LIFO): the list starts with the last-ready G. findRunnable runs its head
  // and injectglist queues the rest in list order.
  TEST_CASE("netpoll: one poll's Gs run last-ready first") {
    Builder b;
    int main_fn = b.fn("main");
    int wg = b.wg("wg");
    int n1 = b.fn("n1", {netwait(1 * kMs), wg_done(wg)});
    int n2 = b.fn("n2", {netwait(2 * kMs), wg_done(wg)});
    int n3 = b.fn("n3", {netwait(3 * kMs), wg_done(wg)});
    // n1..n3 become goids 2..4 and ready in that order while main computes;
    // nobody polls until main blocks (sysmon only after 10 ms).
    b.define(main_fn, cat(cat({wg_add(wg, 3), go(n1), go(n2), go(n3)}, let_them_run()), {compute(5 * kMs), wg_wait(wg)}));
    b.config().gomaxprocs = 1;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto ready = r.of(EventKind::NetpollReady);
    REQUIRE(ready.size() == 3);
    CHECK(ready[0].t == ready[2].t);  // one poll
    CHECK(ready[0].a0 == 3);
    CHECK(goids(ready) == std::vector<std::int64_t>{4, 3, 2});
    std::vector<std::int64_t> ran;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::GoStart && e.t >= ready[0].t && e.g != 1) ran.push_back(e.g);
    }
    CHECK(ran == std::vector<std::int64_t>{4, 3, 2});
  }

  // proc.go:sysmon polls the network itself when lastpoll is more than 10 ms
  // old; here nobody else polls (the only P is always busy), so the three
  // Gs ready at 1-3 ms wait for the first sysmon round past 10 ms and are all
  // injected by that one poll (global queue, list order: last-ready first).
  TEST_CASE("sysmon: polls the network when nobody has for 10 ms") {
    Builder b;
    int main_fn = b.fn("main");
    int n1 = b.fn("n1", {netwait(1 * kMs)});
    int n2 = b.fn("n2", {netwait(2 * kMs)});
    int n3 = b.fn("n3", {netwait(3 * kMs)});
    b.define(main_fn, cat(cat({go(n1), go(n2), go(n3)}, let_them_run()), {compute(30 * kMs)}));
    b.config().gomaxprocs = 1;
    const auto& k = b.config().constants;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto ready = r.of(EventKind::NetpollReady);
    REQUIRE(ready.size() == 3);
    // lastpoll starts at the program's start: the first idle sysmon round
    // strictly after 10 ms.
    const Nanos want = first_tick_at_or_after(idle_sysmon_ticks(k, 40 * kMs), k.sysmon_netpoll + 1);
    for (const auto& e : ready) {
      CHECK(e.m == -1);
      CHECK(e.why == Why::NetpollSysmon);
      CHECK(e.t == want);
      CHECK(e.a0 == 3);
    }
    CHECK(goids(ready) == std::vector<std::int64_t>{4, 3, 2});
  }

  // proc.go:sysmon sleeps 20 us per round; after 50 consecutive rounds in
  // which retake took no P (`idle > 50`) the sleep doubles each round, up to
  // 10 ms. Preemptions do not count as work (retake counts only Ps taken from
  // syscalls). SysmonWake is emitted when the delay changes: a0 = the next
  // sleep, a1 = idle rounds so far.
  TEST_CASE("sysmon: 20 us rounds that double after 50 idle rounds up to 10 ms") {
    Builder b;
    int main_fn = b.fn("main");
    b.define(main_fn, {compute(30 * kMs)});
    b.config().gomaxprocs = 1;
    const auto& k = b.config().constants;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto ticks = idle_sysmon_ticks(k, 30 * kMs);
    // Expected events: rounds 51.. until the delay reaches the cap.
    std::vector<trace::Event> want;
    Nanos delay = k.sysmon_min_delay;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      const auto idle = static_cast<std::int64_t>(i) + 1;
      Nanos next = delay;
      if (idle > k.sysmon_idle_rounds) next = std::min(delay * 2, k.sysmon_max_delay);
      if (next != delay) {
        trace::Event e;
        e.t = ticks[i];
        e.a0 = next;
        e.a1 = idle;
        want.push_back(e);
      }
      delay = next;
    }
    REQUIRE(want.size() == 9);  // 40 us ... 5120 us, then 10 ms (capped from 10240 us)
    CHECK(want.front().t == 51 * 20 * kUs);
    CHECK(want.back().a0 == 10 * kMs);
    const auto wakes = r.of(EventKind::SysmonWake);
    REQUIRE(wakes.size() >= want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      CAPTURE(i);
      CHECK(wakes[i].t == want[i].t);
      CHECK(wakes[i].a0 == want[i].a0);
      CHECK(wakes[i].a1 == want[i].a1);
    }
  }

  // proc.go:sysmon: when every P is idle it sleeps on sched.sysmonnote; an
  // entersyscall (entersyscall_sysmon's notewakeup) ends that sleep early and
  // `syscallWake` resets idle to 0 and the delay to 20 us.
  TEST_CASE("sysmon: an early wake from its deep sleep resets the back-off") {
    Builder b;
    int main_fn = b.fn("main");
    // The syscall is on P0 and so not the P's first (os init's came before
    // main): the wake's round only notes it, so only the reset sets idle to 0.
    b.define(main_fn, {compute(1500 * kUs), netwait(5 * kMs), sys_call(1 * kMs)});
    b.config().gomaxprocs = 1;
    const auto& k = b.config().constants;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto calls = r.of(EventKind::GoSysCall);
    REQUIRE(calls.size() == 1);
    // Before the netwait, sysmon had backed off past 20 us.
    const auto ticks = idle_sysmon_ticks(k, 1500 * kUs);
    REQUIRE(ticks.size() > static_cast<std::size_t>(k.sysmon_idle_rounds) + 1);
    bool backed_off = false, reset = false;
    for (const auto& e : r.of(EventKind::SysmonWake)) {
      if (e.t < calls[0].t) backed_off = backed_off || e.a0 > k.sysmon_min_delay;
      if (e.t == calls[0].t) {
        // The round run on the wake: idle reset to 0, then this round found
        // nothing to take (the syscall is seen for the first time): 1.
        reset = true;
        CHECK(e.a0 == k.sysmon_min_delay);
        CHECK(e.a1 == 1);
      }
    }
    CHECK(backed_off);
    CHECK(reset);
  }

  // proc.go:exitsyscallfast: the old P is gone (retaken and now running
  // another G), so exitsyscallfast_pidle takes an idle P: a different one.
  TEST_CASE("exitsyscall: fast path through an idle P when the old P is busy") {
    Builder b;
    int main_fn = b.fn("main");
    int sys = b.fn("sys");
    int w = b.fn("w");
    int wg = b.wg("wg");
    b.define(sys, {sys_call(5 * kMs), wg_done(wg)});
    b.define(w, {compute(10 * kMs), wg_done(wg)});
    // sys is stolen by the second P and enters its syscall; retake takes that
    // P (its first syscall: at sysmon's first look), which idles until w is
    // created: wakep starts an M on it that steals w from main's runnext.
    // main then blocks, leaving P0 idle when the syscall returns.
    b.define(main_fn, {wg_add(wg, 2), go(sys), compute(200 * kUs), go(w), compute(1 * kMs), wg_wait(wg)});
    b.config().gomaxprocs = 2;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto enter = r.of(EventKind::GoSysCall);
    const auto exit = r.of(EventKind::GoSysExit);
    REQUIRE(enter.size() == 1);
    REQUIRE(exit.size() == 1);
    bool retaken = false;
    for (const auto& e : r.of(EventKind::GoSysBlock)) retaken = retaken || (e.why == Why::HandoffRetake && e.p == enter[0].p);
    CHECK(retaken);
    CHECK(exit[0].reason == static_cast<std::uint8_t>(trace::SysExitPath::FastIdleP));
    CHECK(exit[0].p >= 0);
    CHECK(exit[0].p != enter[0].p);
    // w runs on the old P across the syscall's return.
    bool w_on_old = false;
    for (const auto& e : r.of(EventKind::GoStart)) w_on_old = w_on_old || (e.g == 3 && e.p == enter[0].p && e.t < exit[0].t);
    CHECK(w_on_old);
  }

  // proc.go:retake: a P in a syscall whose run queue is empty is left alone
  // while Ms spin or Ps idle, until 10 ms after sysmon first saw that syscall
  // (pd.syscallwhen); then it is taken anyway.
  TEST_CASE("retake: a syscall P with no work is taken 10 ms after sysmon first saw it even with idle Ps") {
    Builder b;
    int main_fn = b.fn("main");
    // main's syscall on P0 (not P0's first: os init's came before main).
    b.define(main_fn, {sys_call(30 * kMs)});
    b.config().gomaxprocs = 2;
    const auto& k = b.config().constants;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto calls = r.of(EventKind::GoSysCall);
    REQUIRE(calls.size() == 1);
    const auto ticks = idle_sysmon_ticks(k, 40 * kMs);
    const Nanos first_look = first_tick_at_or_after(ticks, calls[0].t);
    const Nanos want = first_tick_at_or_after(ticks, first_look + k.syscall_retake);
    const auto blocks = r.of(EventKind::GoSysBlock);
    REQUIRE(blocks.size() == 1);
    CHECK(blocks[0].why == Why::HandoffRetake);
    CHECK(blocks[0].p == calls[0].p);
    CHECK(blocks[0].t == want);
    CHECK(blocks[0].t - calls[0].t > k.syscall_retake);
  }

  // A P's first syscall: Go zeroes p.sysmontick and p.syscalltick moves only
  // when a syscall ends or its P is taken, so retake finds the ticks equal at
  // its first look and goes on; pd.syscallwhen is 0 (nanotime's epoch, long
  // before now), so the 10 ms grace is over and the P is taken at once, even
  // with an idle P and an empty run queue.
  TEST_CASE("retake: a P's first syscall is taken at sysmon's first look") {
    Builder b;
    int main_fn = b.fn("main");
    int sys = b.fn("sys");
    int wg = b.wg("wg");
    b.define(sys, {sys_call(1 * kMs), wg_done(wg)});
    // sys is stolen by the M that wakep starts on another P; a third P
    // stays idle (npidle > 0), which would protect a syscall seen before.
    b.define(main_fn, {wg_add(wg, 1), go(sys), compute(3 * kMs), wg_wait(wg)});
    b.config().gomaxprocs = 3;
    const auto& k = b.config().constants;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto calls = r.of(EventKind::GoSysCall);
    REQUIRE(calls.size() == 1);
    REQUIRE(calls[0].p != 0);
    const auto blocks = r.of(EventKind::GoSysBlock);
    REQUIRE(blocks.size() == 1);
    CHECK(blocks[0].why == Why::HandoffRetake);
    CHECK(blocks[0].p == calls[0].p);
    CHECK(blocks[0].t == first_tick_at_or_after(idle_sysmon_ticks(k, 1 * kMs), calls[0].t));
  }

  // ... but not on P0, where os init made three syscalls before main.main
  // (os.NewFile's fcntl for stdin, stdout and stderr): main's first syscall is
  // new to sysmon, and with an idle P and no work the 10 ms grace keeps it.
  TEST_CASE("retake: main's first syscall on P0 is not new to Go (os init) and the grace applies") {
    Builder b;
    int main_fn = b.fn("main");
    b.define(main_fn, {sys_call(1 * kMs), sys_call(1 * kMs)});
    b.config().gomaxprocs = 2;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto calls = r.of(EventKind::GoSysCall);
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].p == 0);
    CHECK(r.count(EventKind::GoSysBlock) == 0);
  }
}
