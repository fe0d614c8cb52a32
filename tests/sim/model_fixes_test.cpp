// Regression tests for model fixes, each against the Go 1.19 behaviour it
// restores (and each failing on the model before the fix).
#include <doctest/doctest.h>

#include <map>

#include "sim_support.h"

using namespace gosim;
using namespace gosim::test;
using trace::EventKind;
using trace::Why;

namespace {
Op sys_uniform(Nanos a, Nanos b) {
  Op o = op(OpKind::Syscall);
  o.dur = {scenario::DurationSpec::Dist::Uniform, a, b};
  return o;
}
}  // namespace

TEST_SUITE("sim") {
  // reentersyscall puts the P in _Psyscall whatever sysmon may do later, and
  // stopTheWorldWithSema takes every _Psyscall P at once. Switching off the
  // hand-off (sysmon's retake) must not make a stop-the-world wait for a
  // syscall to return.
  TEST_CASE("syscall hand-off off: a stop-the-world takes the P of a G in a syscall at once") {
    Builder b;
    int main_fn = b.fn("main");
    int sys = b.fn("sys");
    int wg = b.wg("wg");
    b.define(main_fn, {wg_add(wg, 1), go(sys), compute(200 * kUs), gc(), wg_wait(wg)});
    b.define(sys, {sys_call(5 * kMs), wg_done(wg)});
    b.config().gomaxprocs = 2;
    b.config().mechanisms.syscall_handoff = false;
    RunResult r = run(b);
    REQUIRE(r.ok());
    REQUIRE(r.count(EventKind::GoSysCall) == 1);
    const auto enter = r.of(EventKind::GoSysCall)[0];
    const auto exit = r.of(EventKind::GoSysExit)[0];
    const auto stw = r.of(EventKind::STWStart);
    REQUIRE(!stw.empty());
    REQUIRE(stw[0].t > enter.t);
    REQUIRE(stw[0].t < exit.t);
    // The syscall's P was stopped for the STW (GoSysBlock HandoffSTW), and the
    // first pause ended long before the 5 ms syscall returned.
    bool taken = false;
    for (const auto& e : r.of(EventKind::GoSysBlock)) taken = taken || (e.why == Why::HandoffSTW && e.p == enter.p);
    CHECK(taken);
    CHECK(r.of(EventKind::STWDone)[0].t < exit.t);
    // Hand-off off still means no retake and no hand-off to another M.
    CHECK(r.count(EventKind::HandoffP) == 0);
    for (const auto& e : r.of(EventKind::GoSysBlock)) CHECK(e.why != Why::HandoffRetake);
  }

  TEST_CASE("syscall hand-off off: exitsyscall gets its P back by the fast path") {
    Builder b;
    int main_fn = b.fn("main");
    b.define(main_fn, {sys_call(3 * kMs), compute(10 * kUs)});
    b.config().gomaxprocs = 2;
    b.config().mechanisms.syscall_handoff = false;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto enter = r.of(EventKind::GoSysCall)[0];
    const auto exit = r.of(EventKind::GoSysExit)[0];
    CHECK(exit.p == enter.p);
    CHECK(exit.reason == static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
  }
}

TEST_SUITE("sim") {
  // A new spinning M: wakep counts the promised spinner at once
  // (nmspinning++ before startm), newm stamps MStart on the waker's thread,
  // and the M itself sets m.spinning in mspinning(), its mstartfn, when the
  // new thread first runs: MSpin and its ProcStart come costs.m_create later.
  TEST_CASE("wakep -> newm: a new M spins costs.m_create after MStart, the spinner counted from the start") {
    Builder b;
    int main_fn = b.fn("main");
    int worker = b.fn("worker");
    int wg = b.wg("wg");
    b.define(main_fn, {wg_add(wg, 1), go(worker), compute(500 * kUs), wg_wait(wg)});
    b.define(worker, {compute(100 * kUs), wg_done(wg)});
    b.config().gomaxprocs = 2;
    b.config().costs.m_create = 12 * kUs;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto starts = r.of(EventKind::MStart);
    REQUIRE(starts.size() >= 2);
    const auto mstart = starts[1];  // the first M after m0
    CHECK(mstart.why == Why::MNewNoIdle);
    bool spun = false, proc_started = false, counted = false;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::MSpin && e.m == mstart.m && !spun) {
        spun = true;
        CHECK(e.t == mstart.t + 12 * kUs);
      }
      if (e.kind == EventKind::ProcStart && e.m == mstart.m && !proc_started) {
        proc_started = true;
        CHECK(e.t == mstart.t + 12 * kUs);
      }
      if (e.kind == EventKind::Counter && e.reason == static_cast<std::uint8_t>(trace::CounterId::SpinningMs) &&
          e.a0 == 1 && !counted) {
        counted = true;
        CHECK(e.t == mstart.t);
      }
    }
    CHECK(spun);
    CHECK(proc_started);
    CHECK(counted);
  }
}

TEST_SUITE("sim") {
  // stopTheWorldWithSema takes the idle Ps off pidle into _Pgcstop
  // (sched.npidle drops to 0), and startTheWorldWithSema's procresize puts the
  // ones without work back. The IdlePs counter must say so; a replay of the
  // trace has to infer it from STWStart/STWDone (no per-P event in Go either).
  TEST_CASE("stop the world: idle Ps are stopped (IdlePs 0) during the pause and idle again after") {
    Builder b;
    int main_fn = b.fn("main");
    b.define(main_fn, {compute(100 * kUs), gc(), compute(100 * kUs)});
    b.config().gomaxprocs = 4;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto starts = r.of(EventKind::STWStart);
    const auto dones = r.of(EventKind::STWDone);
    REQUIRE(starts.size() == 2);
    REQUIRE(dones.size() == 2);
    const auto idle_counter = [&](Nanos at) {  // the IdlePs value after the instant `at`
      std::int64_t v = -1;
      for (const auto& e : r.events) {
        if (e.t > at) break;
        if (e.kind == EventKind::Counter && e.reason == static_cast<std::uint8_t>(trace::CounterId::IdlePs)) v = e.a0;
      }
      return v;
    };
    for (std::size_t i = 0; i < 2; ++i) {
      CHECK(idle_counter(starts[i].t - 1) >= 2);  // main (and a mark worker) on 4 Ps
      CHECK(idle_counter(starts[i].t) == 0);
      CHECK(idle_counter(dones[i].t - 1) == 0);
      CHECK(idle_counter(dones[i].t) >= 1);  // procresize: back on pidle (some may be woken at once)
    }
  }
}

TEST_SUITE("sim") {
  // The future-event set keeps the earliest few dozen events sorted and the
  // rest in a heap (sched.cpp: push_slow/refill). Hundreds of Ms in
  // syscalls at once exercise both and the moves between them: every
  // event must still come out in time order, and no syscall may return
  // before its length has passed.
  TEST_CASE("engine: hundreds of pending M events come out in time order") {
    Builder b;
    int main_fn = b.fn("main");
    int worker = b.fn("worker");
    int wg = b.wg("wg");
    b.define(main_fn, {wg_add(wg, 300), go(worker, 300), wg_wait(wg)});
    b.define(worker, {repeat(3, {sys_uniform(1 * kMs, 40 * kMs), compute(5 * kUs)}), wg_done(wg)});
    b.config().gomaxprocs = 2;
    RunResult r = run(b);
    REQUIRE(r.ok());
    CHECK(r.count(EventKind::MStart) > 200);  // most workers hold an M in the kernel at once
    CHECK(r.count(EventKind::GoSysCall) == 900);
    CHECK(r.count(EventKind::GoSysExit) == 900);
    bool ordered = true;
    for (std::size_t i = 1; i < r.events.size(); ++i) ordered = ordered && r.events[i - 1].t <= r.events[i].t;
    CHECK(ordered);
    // Each syscall returns no earlier than it was entered plus its length.
    std::map<std::int32_t, Nanos> entered;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::GoSysCall) entered[e.g] = e.t + e.a0;
      if (e.kind == EventKind::GoSysExit) CHECK(e.t >= entered[e.g]);
    }
  }
}

TEST_SUITE("sim") {
  // proc.go:execute: a G taken from runnext inherits the P's time slice
  // (schedtick does not move), so sysmon preempts it when the P's slice is
  // 10ms old, and its GoPreempt tells that slice's length. The model kept the
  // slice's start in the G: a new G that inherited a slice reported its
  // length as the time since the run began.
  TEST_CASE("preemption: a G from runnext reports the P's inherited slice") {
    Builder b;
    int main_fn = b.fn("main");
    int hog = b.fn("hog");
    int wg = b.wg("wg");
    // The yield sends main through the global queue: a fresh slice at ~3ms.
    b.define(main_fn, {compute(3 * kMs), yield(), wg_add(wg, 1), go(hog), wg_wait(wg)});
    b.define(hog, {compute(50 * kMs), wg_done(wg)});
    b.config().gomaxprocs = 1;
    RunResult r = run(b);
    REQUIRE(r.ok());
    Nanos slice_start = -1, hog_start = -1;
    std::int32_t hog_g = -1;
    bool yielded = false;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::GoCreate && e.a1 == hog) hog_g = e.g;
      if (e.kind == EventKind::GoSched && e.g == 1) yielded = true;
      if (e.kind == EventKind::GoStart && e.g == 1 && yielded && slice_start < 0) {
        CHECK(e.why != Why::StartRunnext);  // from the global queue: a new slice
        slice_start = e.t;
      }
      if (e.kind == EventKind::GoStart && e.g == hog_g && hog_start < 0) {
        CHECK(e.why == Why::StartRunnext);
        hog_start = e.t;
      }
    }
    REQUIRE(slice_start >= 3 * kMs);
    REQUIRE(hog_start > slice_start);
    auto pre = r.of(EventKind::GoPreempt);
    REQUIRE(!pre.empty());
    CHECK(pre[0].g == hog_g);
    CHECK(pre[0].a0 == pre[0].t - slice_start);
    CHECK(pre[0].a0 <= 2 * b.s.config.constants.force_preempt);
  }

  // Fields few Gs use live in a record the G takes on first use (GCold) and
  // gives back at goexit. A record handed to another G must start zeroed:
  // the 8 MiB the first G retained must not be subtracted again when the
  // second G (which gets its record) exits, nor counted for the third.
  TEST_CASE("G records: a reused out-of-line record starts zeroed") {
    Builder b;
    int main_fn = b.fn("main");
    int first = b.fn("first");
    int second = b.fn("second");
    int third = b.fn("third");
    int done = b.wg("done");
    int never = b.chan("never");
    b.define(main_fn, {wg_add(done, 1), go(first), wg_wait(done), wg_add(done, 1), go(second), wg_wait(done),
                       wg_add(done, 1), go(third), wg_wait(done), gc()});
    b.define(first, {alloc(8 << 20, true), wg_done(done)});
    b.define(second, {alloc(1 << 20, true), wg_done(done)});
    b.define(third, {alloc(1 << 20, true), wg_done(done), recv(never)});
    b.config().gomaxprocs = 1;
    RunResult r = run(b);
    REQUIRE(r.ok());
    auto done_ev = r.of(EventKind::GCDone);
    REQUIRE(!done_ev.empty());
    CHECK(done_ev.back().a1 == 1 << 20);  // marked: only the parked third G's retained MiB
  }
}

TEST_SUITE("sim") {
  // runtimer: running an expired timer costs the M that runs it (costs.timer).
  // The config key was accepted but never charged.
  TEST_CASE("timers: each expired timer run costs costs.timer on the M that runs it") {
    auto end_time = [](Nanos timer_cost) {
      Builder b;
      int main_fn = b.fn("main");
      int sleeper = b.fn("sleeper");
      int wg = b.wg("wg");
      b.define(main_fn, {wg_add(wg, 2), go(sleeper, 2), wg_wait(wg)});
      b.define(sleeper, {sleep_for(1 * kMs), wg_done(wg)});
      b.config().gomaxprocs = 1;
      b.config().costs.timer = timer_cost;
      RunResult r = run(b);
      REQUIRE(r.ok());
      // Both timers expire together and run in one checkTimers, before
      // either sleeper runs again: everything after is that much later.
      auto fires = r.of(EventKind::TimerFire);
      REQUIRE(fires.size() == 2);
      CHECK(fires[0].t == fires[1].t);
      return r.outcome.end_time;
    };
    CHECK(end_time(5 * kUs) - end_time(0) == 2 * 5 * kUs);
  }
}
