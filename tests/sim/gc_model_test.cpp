// The simulator's GC against Go 1.19 (mgc.go, mgcmark.go, mgcpacer.go,
// proc.go): mark assists with per-G credit, runtime.GC() during a running
// cycle, the dedicated worker's run queue, tryWakeP, startTheWorld's netpoll,
// and the worker table. Each mechanism test failed on the model before it.
//
// Numbers below follow the defaults: costs.gc_mark_per_mib = 1 ms (scan work
// is mark time: 64 KiB of scan work = 1 ms / 16 = 62.5 us), GOGC=100,
// heap_minimum 4 MiB, trigger_ratio 0.875: a 4 MiB live heap gives a goal of
// 8 MiB and a trigger at 7.5 MiB, and 4 ms of mark work.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sim_support.h"

using namespace gosim;
using namespace gosim::test;
using trace::EventKind;
using trace::Why;
using trace::WorkerMode;

namespace {
constexpr std::int64_t kKiB = 1 << 10, kMiB = 1 << 20;

std::uint8_t mode(WorkerMode m) { return static_cast<std::uint8_t>(m); }

// The goid a G got: GoCreate events in order (main is goid 1).
std::int64_t goid_of_nth_created(const RunResult& r, std::size_t n) { return r.of(EventKind::GoCreate).at(n).g; }

// main alone on one P over a 4 MiB live heap: `allocs` times, allocate
// 1 KiB and compute 1 us.
Builder one_allocator(std::int64_t allocs) {
  Builder b;
  int main_fn = b.fn("main");
  b.define(main_fn, {repeat(allocs, {alloc(kKiB), compute(1 * kUs)})});
  b.config().gomaxprocs = 1;
  b.config().gc.initial_live_heap = 4 * kMiB;
  return b;
}
}  // namespace

TEST_SUITE("sim") {
  // mgcmark.go:gcAssistAlloc: in debt, a G does max(debt * assistWorkPerByte,
  // gcOverAssistWork) of scan WORK; gcOverAssistWork is 64 KiB of scan work
  // (62.5 us here), not 64 KiB of allocation; the surplus is credit
  // (g.gcAssistBytes) that the next allocations consume without assisting.
  TEST_CASE("assist: 64 KiB of scan work whose surplus pays for the next allocations") {
    // 1 KiB and 1 us at a time: 3.5 MiB reach the trigger, then mark.
    RunResult r = run(one_allocator(6000));
    REQUIRE(r.ok());
    const auto starts = r.of(EventKind::GCMarkAssistStart);
    const auto dones = r.of(EventKind::GCMarkAssistDone);
    REQUIRE(starts.size() >= 2);
    REQUIRE(dones.size() == starts.size());
    // Debt 1 KiB x (4 ms / ~0.5 MiB) = ~8 us < 62.5 us: the first assist of
    // the cycle does exactly gcOverAssistWork. (Before: 64 KiB of allocation
    // over a remaining heap floored at 1 MiB, 250 us.)
    CHECK(dones[0].t - starts[0].t == 62500);
    // Its surplus (62.5 us of work at ~8 ns per byte, ~7.6 KiB) pays for the
    // next ~7 allocations: consecutive assists are at least two allocations
    // (two 1 us computes) apart. (Before: every allocation assisted.)
    for (std::size_t i = 1; i < starts.size(); ++i) {
      if (starts[i].a0 != starts[i - 1].a0) continue;
      CHECK(starts[i].t - dones[i - 1].t >= 2 * kUs);
    }
  }

  // mgcpacer.go:revise: heapRemaining = goal - heapLive, at least 1 byte (no
  // 1 MiB floor). GOMAXPROCS=1: nothing marks before the G's next op.
  TEST_CASE("assist: the debt is paid at remaining work / remaining heap with no floor on the remaining heap") {
    Builder b;
    int main_fn = b.fn("main");
    b.define(main_fn, {alloc(3 * kMiB + 512 * kKiB), alloc(128 * kKiB), compute(1 * kUs)});
    b.config().gomaxprocs = 1;
    b.config().gc.initial_live_heap = 4 * kMiB;
    RunResult r = run(b);
    REQUIRE(r.ok());
    REQUIRE(r.count(EventKind::GCStart) == 1);
    const auto starts = r.of(EventKind::GCMarkAssistStart);
    const auto dones = r.of(EventKind::GCMarkAssistDone);
    REQUIRE(starts.size() == 1);
    REQUIRE(dones.size() == 1);
    // 7.5 MiB live starts the cycle; the 128 KiB allocation leaves 384 KiB
    // to the 8 MiB goal with all 4 ms of work to do: 128 KiB x 4 ms / 384 KiB
    // = 1.333333 ms (int64 truncation as in Go). Before: 0.5 ms (1 MiB floor).
    CHECK(starts[0].a0 == 128 * kKiB);
    CHECK(dones[0].t - starts[0].t == 1333333);
  }

  // gcAssistAlloc steals background credit (bgScanCredit) before scanning;
  // mark workers fill it as they drain (gcDrain -> gcFlushBgCredit).
  TEST_CASE("assist: a G in debt first steals the background workers' credit") {
    Builder b;
    int main_fn = b.fn("main");
    // Trigger, let the workers mark for 500 us, then allocate 1 KiB: its
    // 62.5 us of over-assist is covered by the credit of finished chunks.
    b.define(main_fn, {alloc(3 * kMiB + 512 * kKiB), compute(500 * kUs), alloc(kKiB), compute(1 * kUs)});
    b.config().gomaxprocs = 4;
    b.config().gc.initial_live_heap = 4 * kMiB;
    RunResult r = run(b);
    REQUIRE(r.ok());
    REQUIRE(r.count(EventKind::GCStart) == 1);
    REQUIRE(r.count(EventKind::GCWorkerStart) > 0);
    CHECK(r.count(EventKind::GCMarkAssistStart) == 0);  // before: a 250 us assist
  }

  // Go zeroes every G's gcAssistBytes at gcStart (gcResetMarkState): credit
  // earned in one cycle does not carry over into the next.
  TEST_CASE("assist: credit does not outlive its cycle") {
    RunResult r = run(one_allocator(20000));
    REQUIRE(r.ok());
    const auto gcstarts = r.of(EventKind::GCStart);
    const auto stw_done = r.of(EventKind::STWDone);
    REQUIRE(gcstarts.size() >= 2);
    // In every cycle, the first allocation after sweep termination (the
    // first 1 KiB, 1 us after the pause) assists: whatever the G had left
    // at the end of the previous cycle was dropped.
    for (std::size_t c = 0; c + 1 < gcstarts.size(); ++c) {
      const Nanos restart = stw_done.at(2 * c).t;  // sweep termination of cycle c
      Nanos first = -1;
      for (const auto& e : r.of(EventKind::GCMarkAssistStart)) {
        if (e.t >= restart) {
          first = e.t;
          break;
        }
      }
      REQUIRE(first >= 0);
      CHECK(first - restart <= 1 * kUs);
    }
  }

  // gcAssistAlloc -> gcParkAssist: a G still in debt when no mark work is
  // left to claim (the workers hold the rest) parks on the assist queue; a
  // worker's finished chunk pays its debt first (gcFlushBgCredit) and readies
  // it to the worker's P, local tail (not runnext). (Before: it went on
  // allocating.)
  TEST_CASE("assist: a G in debt with no work left parks until a worker's credit pays its debt") {
    Builder b;
    int main_fn = b.fn("main");
    int a = b.fn("a");
    int wg = b.wg("wg");
    b.define(main_fn, {wg_add(wg, 4), go(a, 4), wg_wait(wg)});
    b.define(a, {repeat(6000, {alloc(kKiB), compute(1 * kUs)}), wg_done(wg)});
    b.config().gomaxprocs = 4;
    b.config().gc.initial_live_heap = 4 * kMiB;
    RunResult r = run(b);
    REQUIRE(r.ok());
    std::size_t parked = 0, paid = 0;
    for (const auto& e : r.events) {
      if (e.kind == EventKind::GoBlock && e.reason == static_cast<std::uint8_t>(trace::BlockReason::GCAssist)) ++parked;
      if (e.kind == EventKind::GoUnblock && e.why == Why::WakeGCAssist) {
        ++paid;
        CHECK(e.reason == static_cast<std::uint8_t>(trace::Queue::Local));
        CHECK(e.p >= 0);
      }
    }
    CHECK(parked > 0);
    CHECK(paid > 0);
    CHECK(paid <= parked);
  }

  // mgc.go:GC during cycle N's mark: gcWaitOnMark(N), then gcStart(N+1) and
  // gcWaitOnMark(N+1). (Before: it joined N and returned at N's end.)
  TEST_CASE("runtime.GC() during a running cycle waits for it and then runs a whole new cycle") {
    Builder b;
    int main_fn = b.fn("main");
    int gcer = b.fn("gcer");
    int wg = b.wg("wg");
    // 16 MiB live: 16 ms of mark work, a 32 MiB goal, the trigger at 30 MiB.
    // A spinning M takes gcer from main's runnext before main allocates.
    b.define(main_fn, {wg_add(wg, 1), go(gcer), compute(100 * kUs), alloc(14 * kMiB), compute(20 * kMs), wg_wait(wg)});
    b.define(gcer, {compute(500 * kUs), gc(), wg_done(wg)});
    b.config().gomaxprocs = 2;
    b.config().gc.initial_live_heap = 16 * kMiB;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto starts = r.of(EventKind::GCStart);
    const auto dones = r.of(EventKind::GCDone);
    REQUIRE(starts.size() == 2);
    REQUIRE(dones.size() == 2);
    CHECK(starts[0].why == Why::GCHeapTrigger);
    CHECK(starts[1].why == Why::GCForced);
    CHECK(starts[1].t >= dones[0].t);
    const std::int64_t gcer_id = goid_of_nth_created(r, 1);
    CHECK(starts[1].g == gcer_id);  // the GC() caller starts cycle 2 itself
    // It called GC() during cycle 1's mark and returns after cycle 2.
    Nanos blocked = -1;
    for (const auto& e : r.of(EventKind::GoBlock)) {
      if (e.g == gcer_id) {
        blocked = e.t;
        break;
      }
    }
    REQUIRE(blocked >= 0);
    CHECK(blocked > starts[0].t);
    CHECK(blocked < dones[0].t);
    Nanos ended = -1;
    for (const auto& e : r.of(EventKind::GoEnd)) {
      if (e.g == gcer_id) ended = e.t;
    }
    CHECK(ended >= dones[1].t);
  }

  // gcBgMarkWorker (dedicated): runqdrain(pp) -> globrunqputbatch only after
  // gcDrain(gcDrainUntilPreempt) returns with gp.preempt, i.e. once sysmon
  // has seen the worker's slice for force_preempt (10 ms). (Before: the
  // queue went to the global queue as the worker started.)
  TEST_CASE("dedicated mark worker: its P's run queue goes to the global queue only once it is preempted") {
    Builder b;
    int main_fn = b.fn("main");
    int trig = b.fn("trig");
    int busy = b.fn("busy");
    int w = b.fn("w");
    int wg = b.wg("wg");
    // main queues trig and two busy Gs, which spinning Ms steal to P1-P3;
    // then it queues three more on its P (P0), which nobody can steal: every
    // P is busy. trig's allocation starts a cycle; P0 stops with the three Gs
    // queued and restarts (it has work) into the dedicated worker.
    b.define(main_fn, {wg_add(wg, 6), go(trig), go(busy, 2), compute(500 * kUs), go(w, 3), compute(5 * kMs),
                       wg_wait(wg)});
    b.define(trig, {compute(1 * kMs), alloc(56 * kMiB), compute(50 * kMs), wg_done(wg)});
    b.define(busy, {compute(50 * kMs), wg_done(wg)});
    b.define(w, {compute(100 * kUs), wg_done(wg)});
    b.config().gomaxprocs = 4;
    b.config().gc.initial_live_heap = 64 * kMiB;  // 64 ms of mark work: longer than a slice
    RunResult r = run(b);
    REQUIRE(r.ok());
    REQUIRE(r.count(EventKind::GCStart) >= 1);
    const Nanos gc_start = r.of(EventKind::GCStart)[0].t;
    trace::Event ded{};
    bool found = false;
    for (const auto& e : r.of(EventKind::GCWorkerStart)) {
      if (e.reason == mode(WorkerMode::Dedicated)) {
        ded = e;
        found = true;
        break;
      }
    }
    REQUIRE(found);
    std::set<std::int64_t> ws = {goid_of_nth_created(r, 4), goid_of_nth_created(r, 5), goid_of_nth_created(r, 6)};
    // None of the three had run before the cycle; all were created on the
    // dedicated worker's P.
    for (const auto& e : r.of(EventKind::GoCreate)) {
      if (ws.count(e.g)) CHECK(e.p == ded.p);
    }
    // The worker's P keeps its three Gs (LocalRunq counter) until sysmon's
    // preemption, 10 ms or more into the worker's slice; then they are in the
    // global queue at once.
    Nanos drained = -1;
    for (const auto& e : r.of(EventKind::Counter)) {
      if (e.t > gc_start && e.reason == static_cast<std::uint8_t>(trace::CounterId::LocalRunq) && e.p == ded.p &&
          e.a0 == 0) {
        drained = e.t;
        break;
      }
    }
    REQUIRE(drained >= 0);
    CHECK(drained >= ded.t + 10 * kMs);
    bool to_global = false;
    for (const auto& e : r.of(EventKind::Counter)) {
      to_global = to_global || (e.t == drained && e.reason == static_cast<std::uint8_t>(trace::CounterId::GlobalRunq) &&
                                e.a0 >= 3);
    }
    CHECK(to_global);
    // None of them ran before that.
    for (const auto& e : r.of(EventKind::GoStart)) {
      if (ws.count(e.g)) CHECK(e.t >= drained);
    }
  }

  // proc.go:schedule: findRunnable returns tryWakeP for a GC worker and
  // schedule() calls wakep(). Spinning off, so no resetspinning wakep hides it:
  // the M that takes the dedicated worker wakes an M for another idle P.
  TEST_CASE("tryWakeP: picking a dedicated mark worker wakes another P") {
    Builder b;
    int main_fn = b.fn("main");
    b.define(main_fn, {alloc(3 * kMiB + 512 * kKiB), compute(2 * kMs)});
    b.config().gomaxprocs = 4;
    b.config().mechanisms.spinning = false;
    b.config().gc.initial_live_heap = 4 * kMiB;
    RunResult r = run(b);
    REQUIRE(r.ok());
    bool checked = false;
    for (const auto& e : r.events) {
      if (checked) break;
      if (e.kind != EventKind::GCWorkerStart || e.reason != mode(WorkerMode::Dedicated)) continue;
      checked = true;
      // wakep comes before the worker's start, as in schedule() before execute().
      bool woke = false;
      for (const auto& x : r.events) {
        if (x.t != e.t) continue;
        woke = woke || ((x.kind == EventKind::MUnpark || x.kind == EventKind::MStart) && x.p != e.p);
      }
      CHECK(woke);
    }
    CHECK(checked);
  }

  // proc.go:startTheWorldWithSema: netpoll(0) and injectglist before the Ps
  // restart. GOMAXPROCS=1 and the only P busy: nobody else polls.
  TEST_CASE("startTheWorld polls the network before restarting the Ps") {
    Builder b;
    int main_fn = b.fn("main");
    int net = b.fn("net");
    int c = b.chan("c");
    // net runs first (main waits for it on c), then waits on the network;
    // its descriptor is ready 100 us later, while main computes.
    b.define(main_fn, {go(net), recv(c), compute(1 * kMs), gc(), compute(100 * kUs)});
    b.define(net, {send(c), netwait(100 * kUs), compute(10 * kUs)});
    b.config().gomaxprocs = 1;
    RunResult r = run(b);
    REQUIRE(r.ok());
    const auto stw_done = r.of(EventKind::STWDone);
    REQUIRE(!stw_done.empty());
    const std::int64_t net_id = goid_of_nth_created(r, 1);
    const auto ready = r.of(EventKind::NetpollReady);
    REQUIRE(!ready.empty());
    CHECK(ready[0].g == net_id);
    CHECK(ready[0].t == stw_done[0].t);  // before: polled later by findRunnable
  }

  // mgcpacer.go:startCycle: dedicated = floor(0.25*P + 0.5); if that misses
  // 0.25*P by more than 30 % (maxUtilError), round down and give each P a
  // fractional goal of (0.25*P - dedicated)/P:
  //   P=1: 0.25 -> 0 (error -100 %): 0 dedicated, fractional 0.25
  //   P=2: 0.5  -> 1 (error +100 %): 1 - 1 = 0 dedicated, fractional 0.25
  //   P=4: 1    -> 1 (error 0):      1 dedicated, no fractional
  //   P=8: 2    -> 2 (error 0):      2 dedicated, no fractional
  TEST_CASE("mark workers: dedicated and fractional workers per GOMAXPROCS (startCycle)") {
    struct Row {
      std::int64_t procs, dedicated;
      bool fractional;
    };
    for (const Row row : {Row{1, 0, true}, Row{2, 0, true}, Row{4, 1, false}, Row{8, 2, false}}) {
      CAPTURE(row.procs);
      Builder b;
      int main_fn = b.fn("main");
      int spin = b.fn("spin");
      int wg = b.wg("wg");
      // Every P busy with Gs that come back to the scheduler every 100 us
      // (so no P is idle and findRunnable looks for workers often).
      b.define(main_fn, {wg_add(wg, row.procs), go(spin, row.procs), compute(100 * kUs),
                         alloc(3 * kMiB + 512 * kKiB), wg_wait(wg)});
      b.define(spin, {repeat(100, {compute(100 * kUs), yield()}), wg_done(wg)});
      b.config().gomaxprocs = row.procs;
      b.config().gc.initial_live_heap = 4 * kMiB;
      RunResult r = run(b);
      REQUIRE(r.ok());
      REQUIRE(r.count(EventKind::GCStart) == 1);
      std::int64_t running = 0, max_running = 0, fractional = 0;
      for (const auto& e : r.events) {
        if (e.kind == EventKind::GCWorkerStart && e.reason == mode(WorkerMode::Dedicated)) {
          max_running = std::max(max_running, ++running);
        } else if (e.kind == EventKind::GCWorkerStop && e.reason == mode(WorkerMode::Dedicated)) {
          --running;
        } else if (e.kind == EventKind::GCWorkerStart && e.reason == mode(WorkerMode::Fractional)) {
          ++fractional;
        }
      }
      CHECK(max_running == row.dedicated);
      CHECK((fractional > 0) == row.fractional);
    }
  }
}
