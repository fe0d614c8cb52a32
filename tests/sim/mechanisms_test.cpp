// Mechanism tests: small scenarios built in C++, each asserting the trace
// signature Go 1.19 would leave (go-runtime-model.md sections cited).
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "sim_support.h"

using namespace gosim;
using namespace gosim::test;
using trace::EventKind;
using trace::Why;
using Status = trace::RunOutcome::Status;

namespace {
// main: wg.Add(n); go worker x n; wg.Wait(). worker: `body`, wg.Done().
Builder fan_out(std::int64_t n, std::vector<Op> body, std::int64_t procs = 4) {
  Builder b;
  int main_fn = b.fn("main");
  int worker = b.fn("worker");
  int wg = b.wg("wg");
  b.define(main_fn, {wg_add(wg, n), go(worker, n), wg_wait(wg)});
  body.push_back(wg_done(wg));
  b.define(worker, body);
  b.config().gomaxprocs = procs;
  return b;
}

// A scenario touching every mechanism.
Builder everything() {
  Builder b;
  int main_fn = b.fn("main");
  int worker = b.fn("worker");
  int wg = b.wg("wg");
  int mu = b.mutex("mu");
  int ch = b.chan("ch", 2);
  b.define(main_fn, {wg_add(wg, 8), go(worker, 8), repeat(8, {recv(ch)}), wg_wait(wg), gc()});
  b.define(worker, {compute(200 * kUs), sys_call(300 * kUs), netwait(400 * kUs), sleep_for(500 * kUs),
                    lock(mu), compute(50 * kUs), unlock(mu), alloc(1 << 20), yield(), compute(15 * kMs),
                    send(ch), wg_done(wg)});
  b.config().gomaxprocs = 2;
  b.config().gc.heap_minimum = 2 << 20;
  b.config().limits.max_events = 2'000'000;  // a livelock fails instead of hanging
  return b;
}
}  // namespace

TEST_CASE("mechanism: a fan-out is spread over the Ps by stealing") {
  RunResult r = run(fan_out(64, {compute(100 * kUs)}));
  REQUIRE(r.ok());
  CHECK(r.count(EventKind::ProcSteal) > 0);
  std::set<std::int32_t> ps;
  for (const auto& e : r.of(EventKind::GoStart)) ps.insert(e.p);
  CHECK(ps.size() == 4);
  for (const auto& e : r.of(EventKind::ProcSteal)) {
    CHECK(e.a1 >= 1);
    CHECK(e.a1 <= (e.a2 + 1) / 2 + 1);  // at most half (plus a runnext)
  }
}

TEST_CASE("mechanism: a syscall's P is handed off and another G runs on it meanwhile") {
  Builder b;
  int main_fn = b.fn("main");
  int sys = b.fn("sys");
  int cpu = b.fn("cpu");
  int wg = b.wg("wg");
  b.define(main_fn, {wg_add(wg, 2), go(cpu), go(sys), wg_wait(wg)});
  b.define(sys, {sys_call(5 * kMs), wg_done(wg)});
  b.define(cpu, {compute(2 * kMs), wg_done(wg)});
  b.config().gomaxprocs = 1;
  RunResult r = run(b);
  REQUIRE(r.ok());
  REQUIRE(r.count(EventKind::GoSysCall) == 1);
  auto enter = r.of(EventKind::GoSysCall)[0];
  auto exit = r.of(EventKind::GoSysExit)[0];
  REQUIRE(r.count(EventKind::HandoffP) >= 1);
  auto handoff = r.of(EventKind::HandoffP)[0];
  CHECK(handoff.t > enter.t);
  CHECK(handoff.t < exit.t);
  CHECK(handoff.a0 == enter.m);  // from the M in the syscall
  CHECK(handoff.m != enter.m);
  // Another G runs on P0 while the syscall is still in the kernel.
  bool overlap = false;
  for (const auto& e : r.of(EventKind::GoStart)) {
    if (e.g != enter.g && e.p == enter.p && e.t > enter.t && e.t < exit.t && e.m != enter.m) overlap = true;
  }
  CHECK(overlap);
  CHECK(r.outcome.end_time < 7 * kMs);  // overlapped, not 5ms + 2ms
}

TEST_CASE("mechanism: a short syscall keeps its P (exitsyscall fast path) and is not retaken") {
  RunResult r = run(fan_out(1, {sys_call(2 * kUs)}, 1));
  REQUIRE(r.ok());
  CHECK(r.count(EventKind::GoSysBlock) == 0);
  auto exit = r.of(EventKind::GoSysExit);
  REQUIRE(exit.size() == 1);
  CHECK(exit[0].reason == static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
}

TEST_CASE("mechanism: threads are cached and reused, fewer created than syscalls") {
  Builder b = fan_out(4, {repeat(10, {compute(200 * kUs), sys_call(1 * kMs)})}, 2);
  RunResult r = run(b);
  REQUIRE(r.ok());
  const auto syscalls = r.count(EventKind::GoSysCall);
  const auto created = r.count(EventKind::MStart);
  CHECK(syscalls == 40);
  CHECK(r.count(EventKind::GoSysBlock) > 0);
  CHECK(created < syscalls);
  CHECK(r.count(EventKind::MUnpark) > 0);
  CHECK(r.count(EventKind::MExit) == 0);

  b.config().mechanisms.thread_cache = false;
  RunResult off = run(b);
  REQUIRE(off.ok());
  CHECK(off.count(EventKind::MExit) > 0);
  CHECK(off.count(EventKind::MStart) > created);
}

TEST_CASE("mechanism: a CPU hog is preempted after 10-20ms of its slice") {
  Builder b = fan_out(2, {compute(100 * kMs)}, 1);
  RunResult r = run(b);
  REQUIRE(r.ok());
  auto pre = r.of(EventKind::GoPreempt);
  REQUIRE(pre.size() >= 4);
  const auto& k = b.s.config.constants;
  for (const auto& e : pre) {
    INFO("slice " << e.a0);
    CHECK(e.reason == static_cast<std::uint8_t>(trace::PreemptReason::TimeSlice));
    CHECK(e.a0 >= k.force_preempt);
    CHECK(e.a0 <= 2 * k.force_preempt);
  }
  // Both hogs' total CPU is intact: the run takes at least 200ms.
  CHECK(r.outcome.end_time >= 200 * kMs);
}

TEST_CASE("mechanism: a deadlock ends the run with Go's message and goroutine list") {
  Builder b;
  int main_fn = b.fn("main");
  int worker = b.fn("worker");
  int ch = b.chan("ch");
  int mu = b.mutex("mu");
  b.define(main_fn, {go(worker), lock(mu), recv(ch)});
  b.define(worker, {compute(10 * kUs), lock(mu)});
  RunResult r = run(b);
  CHECK(r.outcome.status == Status::Deadlock);
  const std::string& msg = r.outcome.message;
  CHECK(msg.rfind("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()", 0) == 0);
  CHECK(msg.find("goroutine 2 [semacquire]:\nmain.worker(") != std::string::npos);
}

TEST_CASE("mechanism: a sleeping G is not a deadlock, and wakes no earlier than its timer") {
  RunResult r = run(fan_out(3, {sleep_for(3 * kMs)}, 2));
  REQUIRE(r.ok());
  CHECK(r.count(EventKind::TimerFire) == 3);
  auto blocks = r.of(EventKind::GoBlock);
  for (const auto& f : r.of(EventKind::TimerFire)) {
    for (const auto& bl : blocks) {
      if (bl.g == f.g) CHECK(f.t >= bl.t + 3 * kMs);
    }
  }
}

TEST_CASE("mechanism: network waits are readied by the poller without extra threads") {
  RunResult r = run(fan_out(20, {netwait(2 * kMs), compute(50 * kUs)}, 2));
  REQUIRE(r.ok());
  CHECK(r.count(EventKind::NetpollReady) == 20);
  CHECK(r.count(EventKind::GoSysCall) == 0);
  CHECK(r.count(EventKind::MStart) <= 3);
}

TEST_CASE("mechanism: runtime.GC and allocations run GC cycles with two STW pauses each") {
  Builder b;
  int main_fn = b.fn("main");
  b.define(main_fn, {alloc(3 << 20, true), repeat(40, {alloc(1 << 20), compute(100 * kUs)}), gc()});
  b.config().gomaxprocs = 4;
  RunResult r = run(b);
  REQUIRE(r.ok());
  auto starts = r.of(EventKind::GCStart);
  CHECK(starts.size() >= 2);
  CHECK(r.count(EventKind::GCDone) == starts.size());
  CHECK(r.count(EventKind::STWStart) == 2 * starts.size());
  CHECK(r.of(EventKind::GCStart).back().reason == static_cast<std::uint8_t>(trace::GCTrigger::Forced));
  // runtime.GC returns only after its cycle is done: main ends after GCDone.
  CHECK(r.of(EventKind::GoEnd).back().t >= r.of(EventKind::GCDone).back().t);
  for (const auto& e : r.of(EventKind::STWDone)) CHECK(e.a0 >= b.s.config.costs.stw);
  CHECK(r.count(EventKind::GCWorkerStart) > 0);
}

TEST_CASE("mechanism: allocating during the mark phase assists") {
  Builder b = fan_out(4, {repeat(200, {alloc(256 << 10), compute(20 * kUs)})}, 4);
  b.config().gc.initial_live_heap = 64 << 20;  // lots of mark work
  RunResult r = run(b);
  REQUIRE(r.ok());
  CHECK(r.count(EventKind::GCStart) >= 1);
  CHECK(r.count(EventKind::GCMarkAssistStart) > 0);
  CHECK(r.count(EventKind::GCMarkAssistStart) == r.count(EventKind::GCMarkAssistDone));
}

TEST_CASE("mechanism: Gosched goes to the global queue") {
  RunResult r = run(fan_out(2, {yield(), compute(10 * kUs)}, 1));
  REQUIRE(r.ok());
  CHECK(r.count(EventKind::GoSched) == 2);
  bool from_global = false;
  for (const auto& e : r.of(EventKind::GoStart)) from_global = from_global || e.why == Why::StartGlobal;
  CHECK(from_global);
}

TEST_CASE("mechanism: every mechanism switched off still completes") {
  const char* names[] = {"work_stealing", "runnext", "syscall_handoff", "spinning", "thread_cache",
                         "netpoller", "preemption", "gc", "fairness_check"};
  for (const char* name : names) {
    Builder b = everything();
    auto* key = scenario::find_config_key(std::string("mechanisms.") + name);
    REQUIRE(key != nullptr);
    key->boolean(b.config()) = false;
    RunResult r = run(b);
    INFO(name << ": " << r.outcome.message);
    CHECK(r.ok());
    CHECK(r.count(EventKind::GoEnd) == 9);
  }
  // And all of them at once.
  Builder b = everything();
  for (const char* name : names) scenario::find_config_key(std::string("mechanisms.") + name)->boolean(b.config()) = false;
  RunResult r = run(b);
  INFO(r.outcome.message);
  CHECK(r.ok());
}

TEST_CASE("mechanism: switches change what happens") {
  Builder b = everything();
  RunResult on = run(b);
  REQUIRE(on.ok());
  CHECK(on.count(EventKind::NetpollReady) == 8);
  CHECK(on.count(EventKind::GCStart) >= 1);
  b.config().mechanisms.netpoller = false;
  b.config().mechanisms.gc = false;
  RunResult off = run(b);
  REQUIRE(off.ok());
  CHECK(off.count(EventKind::NetpollReady) == 0);
  CHECK(off.count(EventKind::GoSysCall) == 16);  // the network waits became blocking syscalls
  CHECK(off.count(EventKind::GCStart) == 0);
}

TEST_CASE("determinism: the same program and seed give identical events, another seed differs") {
  Builder b = fan_out(50, {compute_uniform(10 * kUs, 90 * kUs), sys_call(100 * kUs), compute(20 * kUs)}, 3);
  RunResult a = run(b), c = run(b);
  REQUIRE(a.ok());
  CHECK(a.events == c.events);
  CHECK(a.outcome == c.outcome);
  b.config().seed = 2;
  RunResult d = run(b);
  REQUIRE(d.ok());
  CHECK(a.events != d.events);
}

TEST_CASE("channels: unbuffered hand-off readies the partner into runnext") {
  Builder b;
  int main_fn = b.fn("main");
  int peer = b.fn("peer");
  int ping = b.chan("ping"), pong = b.chan("pong");
  b.define(main_fn, {go(peer), repeat(100, {send(ping), recv(pong)})});
  b.define(peer, {repeat(100, {recv(ping), send(pong)})});
  b.config().gomaxprocs = 1;
  RunResult r = run(b);
  REQUIRE(r.ok());
  std::int64_t runnext = 0, starts = 0;
  for (const auto& e : r.of(EventKind::GoStart)) {
    ++starts;
    runnext += e.why == Why::StartRunnext;
  }
  CHECK(starts >= 200);
  CHECK(runnext >= starts - 2);
  for (const auto& e : r.of(EventKind::GoUnblock)) CHECK(e.reason == static_cast<std::uint8_t>(trace::Queue::Runnext));
}

TEST_CASE("channels: select with default, and select waiting on two channels") {
  Builder b;
  int main_fn = b.fn("main");
  int sender = b.fn("sender");
  int a = b.chan("a"), c = b.chan("c");
  int wg = b.wg("hits");
  // A default case runs when nothing is ready (wg_add +1 there); later a
  // blocking select takes whichever channel the sender uses.
  b.define(main_fn, {select({select_case(false, a)}, true, {wg_add(wg, 1)}), go(sender),
                     select({select_case(false, a), select_case(false, c, {wg_add(wg, 1)})}),
                     wg_add(wg, -2)});
  b.define(sender, {compute(50 * kUs), send(c)});
  RunResult r = run(b);
  INFO(r.outcome.message);
  REQUIRE(r.ok());  // a negative counter would panic: both wg_adds ran
  CHECK(r.of(EventKind::GoBlock)[0].reason == static_cast<std::uint8_t>(trace::BlockReason::Select));
}

TEST_CASE("channels: closing a closed channel and sending on one panic with Go's message") {
  Builder b;
  int main_fn = b.fn("main");
  int ch = b.chan("ch", 1);
  b.define(main_fn, {close_chan(ch), close_chan(ch)});
  RunResult r = run(b);
  CHECK(r.outcome.status == Status::Error);
  CHECK(r.outcome.message.rfind("panic: close of closed channel", 0) == 0);

  Builder s;
  int m2 = s.fn("main");
  int c2 = s.chan("ch");
  s.define(m2, {close_chan(c2), send(c2)});
  RunResult r2 = run(s);
  CHECK(r2.outcome.message.rfind("panic: send on closed channel", 0) == 0);
}

TEST_CASE("sync: unlock of an unlocked mutex and a negative WaitGroup are fatal") {
  Builder b;
  int main_fn = b.fn("main");
  int mu = b.mutex("mu");
  b.define(main_fn, {unlock(mu)});
  RunResult r = run(b);
  CHECK(r.outcome.status == Status::Error);
  CHECK(r.outcome.message.rfind("fatal error: sync: unlock of unlocked mutex", 0) == 0);

  Builder w;
  int m2 = w.fn("main");
  int wg = w.wg("wg");
  w.define(m2, {wg_done(wg)});
  RunResult r2 = run(w);
  CHECK(r2.outcome.status == Status::Error);
  CHECK(r2.outcome.message.rfind("panic: sync: negative WaitGroup counter", 0) == 0);
}

TEST_CASE("sync: a mutex waiter that waits over 1ms gets the lock by direct hand-off") {
  Builder b = fan_out(3, {}, 2);
  int mu = b.mutex("mu");
  b.define(1, {repeat(20, {lock(mu), compute(400 * kUs), unlock(mu), compute(2 * kUs)}), wg_done(0)});
  RunResult r = run(b);
  REQUIRE(r.ok());
  std::int64_t handoffs = 0;
  for (const auto& e : r.of(EventKind::GoUnblock)) handoffs += e.why == Why::WakeMutexHandoff;
  CHECK(handoffs > 0);
}

TEST_CASE("limits: too many goroutines, too deep, too long: LimitExceeded naming the --set key") {
  Builder b = fan_out(100, {compute(kMs)}, 2);
  b.config().limits.max_goroutines = 50;
  RunResult r = run(b);
  CHECK(r.outcome.status == Status::LimitExceeded);
  CHECK(r.outcome.message.find("--set limits.max_goroutines=") != std::string::npos);

  Builder d;
  int main_fn = d.fn("main");
  int rec = d.fn("rec");
  d.define(main_fn, {go(rec), sleep_for(kMs)});
  d.define(rec, {go(rec)});
  d.config().limits.max_depth = 20;
  RunResult rd = run(d);
  CHECK(rd.outcome.status == Status::LimitExceeded);
  CHECK(rd.outcome.message.find("limits.max_depth") != std::string::npos);

  Builder t;
  int m3 = t.fn("main");
  t.define(m3, {repeat(1'000'000, {compute(kMs)})});
  t.config().limits.max_virtual_time = 50 * kMs;
  RunResult rt = run(t);
  CHECK(rt.outcome.status == Status::LimitExceeded);
  CHECK(rt.outcome.message.find("limits.max_virtual_time") != std::string::npos);

  Builder e;
  int m4 = e.fn("main");
  e.define(m4, {repeat(1'000'000, {yield()})});
  e.config().limits.max_events = 1000;
  RunResult re = run(e);
  CHECK(re.outcome.status == Status::LimitExceeded);
  CHECK(re.outcome.message.find("limits.max_events") != std::string::npos);
}

TEST_CASE("limits: the thread limit is fatal like Go's") {
  Builder b = fan_out(20, {sys_call(10 * kMs)}, 1);
  b.config().constants.max_threads = 5;
  RunResult r = run(b);
  CHECK(r.outcome.status == Status::Error);
  CHECK(r.outcome.message.rfind("runtime: program exceeds 5-thread limit", 0) == 0);
}
