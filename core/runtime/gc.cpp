// GC emulation (see gc.h). Mirrors Go 1.19's cycle: gcStart (STW sweep
// termination, startCycle's worker counts), concurrent mark by dedicated,
// fractional and idle workers (findRunnableGCWorker) and assists
// (gcAssistAlloc), gcMarkDone + gcMarkTermination (STW), pacer commit.
// Sweeping is instant: at mark termination the heap becomes the marked heap.
#include "runtime/gc.h"

#include <algorithm>
#include <cmath>

#include "runtime/compute.h"
#include "runtime/nanotime.h"
#include "runtime/sched.h"

namespace gosim::runtime {

using trace::EventKind;
using trace::Why;

namespace {

constexpr std::int64_t kWorkerSlice = 100'000;  // a mark worker checks for STW/work every 100 us
constexpr std::int64_t kMiB = 1 << 20;

GcState& gcs() { return *sched->gc; }

std::int64_t live_now() { return gcs().retained.load() + gcs().cfg.gc.initial_live_heap; }

// Takes up to `want` ns of mark work; *last is set if it took the final piece.
std::int64_t take_mark_work(std::int64_t want, bool* last) {
  GcState& s = gcs();
  std::int64_t left = s.mark_left.load(std::memory_order_acquire);
  while (left > 0) {
    std::int64_t t = std::min(want, left);
    if (s.mark_left.compare_exchange_weak(left, left - t, std::memory_order_acq_rel)) {
      *last = left - t == 0;
      return t;
    }
  }
  *last = false;
  return 0;
}

void wait_cycle_end() {
  GcState& s = gcs();
  s.waiters_lock.lock();
  if (s.phase.load(std::memory_order_acquire) == GcPhase::Off) {
    s.waiters_lock.unlock();
    return;
  }
  G* gp = getm()->curg;
  gp->schedlink = s.waiters;
  s.waiters = gp;
  gopark([](G*, void* arg) {
    static_cast<Lock*>(arg)->unlock();
    return true;
  }, &s.waiters_lock, trace::BlockReason::GCAssist, Why::AssistDebt, -1);
}

// gcStart: STW sweep termination, then the world runs with marking on.
void gc_start(trace::GCTrigger trig) {
  GcState& s = gcs();
  GcPhase off = GcPhase::Off;
  if (!s.phase.compare_exchange_strong(off, GcPhase::Mark, std::memory_order_acq_rel)) return;
  std::int64_t t0 = nanotime();
  stop_the_world(trace::STWKind::SweepTermination);
  std::int64_t cycle = s.cycle.fetch_add(1) + 1;
  trace_event(EventKind::GCStart, trig == trace::GCTrigger::Forced ? Why::GCForced : Why::GCHeapTrigger,
              static_cast<std::uint8_t>(trig), nullptr, nullptr, cycle, s.heap_live.load(), s.goal());
  std::int64_t live = live_now();
  std::int64_t work = static_cast<std::int64_t>(static_cast<double>(live) / kMiB *
                                                static_cast<double>(s.cfg.costs.gc_mark_per_mib));
  // startCycle: dedicated = round(0.25 P); if that is >30 % off, one fewer
  // plus a fractional goal for the rest.
  double util = s.cfg.gc.background_utilization * sched->gomaxprocs;
  auto ded = static_cast<std::int32_t>(std::floor(util + 0.5));
  double frac = 0;
  double err = util > 0 ? ded / util - 1 : 0;
  if (err < -0.3 || err > 0.3) {
    if (ded > util) ded--;
    frac = (util - ded) / sched->gomaxprocs;
  }
  s.dedicated_left.store(ded);
  s.fractional_goal = frac;
  for (auto& p : sched->allp) p->gc_fractional_ns = 0;  // world stopped: no owner runs
  s.mark_start = nanotime();
  s.mark_left.store(std::max<std::int64_t>(work, 1000), std::memory_order_release);
  start_the_world(trace::STWKind::SweepTermination, t0);
}

// gcMarkDone + gcMarkTermination.
void gc_mark_done() {
  GcState& s = gcs();
  GcPhase mark = GcPhase::Mark;
  if (!s.phase.compare_exchange_strong(mark, GcPhase::MarkTermination, std::memory_order_acq_rel)) return;
  std::int64_t t0 = nanotime();
  stop_the_world(trace::STWKind::MarkTermination);
  std::int64_t marked = live_now();
  s.heap_marked.store(marked);
  s.heap_live.store(marked);
  s.goal_.store(scenario::gc_percent_heap_goal(s.cfg.gc, marked));
  s.trigger.store(scenario::gc_trigger(s.cfg.gc, marked));
  trace_event(EventKind::GCDone, Why::None, 0, nullptr, nullptr, s.cycle.load(), marked);
  trace_event(EventKind::Counter, Why::None, static_cast<std::uint8_t>(trace::CounterId::HeapLive), nullptr, nullptr,
              marked);
  trace_event(EventKind::Counter, Why::None, static_cast<std::uint8_t>(trace::CounterId::HeapGoal), nullptr, nullptr,
              s.goal());
  s.phase.store(GcPhase::Off, std::memory_order_release);
  start_the_world(trace::STWKind::MarkTermination, t0);
  s.waiters_lock.lock();
  G* list = s.waiters;
  s.waiters = nullptr;
  s.waiters_lock.unlock();
  while (list) {
    G* g = list;
    list = g->schedlink;
    g->schedlink = nullptr;
    goready(g, Why::WakeGCAssist, true);
  }
}

}  // namespace

GcState::GcState(const scenario::Config& c) : cfg(c) {
  heap_marked.store(c.gc.initial_live_heap);
  heap_live.store(c.gc.initial_live_heap);
  goal_.store(scenario::gc_percent_heap_goal(c.gc, c.gc.initial_live_heap));
  trigger.store(scenario::gc_trigger(c.gc, c.gc.initial_live_heap));
}

bool gc_busy() { return gcs().phase.load(std::memory_order_acquire) != GcPhase::Off; }

bool gc_has_mark_work() {
  return gcs().phase.load(std::memory_order_acquire) == GcPhase::Mark && gcs().mark_left.load() > 0;
}

void gc_release(std::int64_t bytes) { gcs().retained.fetch_sub(bytes, std::memory_order_relaxed); }

void gc_alloc(std::int64_t bytes, bool retain) {
  GcState& s = gcs();
  G* gp = getm()->curg;
  std::int64_t live = s.heap_live.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (retain) {
    gp->retained += bytes;
    s.retained.fetch_add(bytes, std::memory_order_relaxed);
  }
  if (!s.cfg.mechanisms.gc) return;
  GcPhase ph = s.phase.load(std::memory_order_acquire);
  if (ph == GcPhase::Off && live >= s.trigger.load(std::memory_order_relaxed)) {
    gc_start(trace::GCTrigger::Heap);
  } else if (ph == GcPhase::Mark) {
    // gcAssistAlloc: pay for the allocation with mark work.
    auto want = static_cast<std::int64_t>(static_cast<double>(bytes) / kMiB *
                                          static_cast<double>(s.cfg.costs.gc_mark_per_mib));
    bool last = false;
    std::int64_t t = take_mark_work(std::max<std::int64_t>(want, 1), &last);
    if (t > 0) {
      trace_event(EventKind::GCMarkAssistStart, Why::AssistDebt, 0, gp, getm()->p, bytes);
      burn(t);
      trace_event(EventKind::GCMarkAssistDone, Why::None, 0, gp, getm()->p);
      if (last) gc_mark_done();
    }
  }
}

void gc_force() {
  if (!gcs().cfg.mechanisms.gc) return;
  wait_cycle_end();  // runtime.GC first finishes a cycle in progress
  gc_start(trace::GCTrigger::Forced);
  wait_cycle_end();
}

bool gc_find_worker(P* p, bool idle) {
  GcState& s = gcs();
  if (s.phase.load(std::memory_order_acquire) != GcPhase::Mark || s.mark_left.load() <= 0) return false;
  trace::WorkerMode mode;
  std::int32_t d = s.dedicated_left.load();
  bool got = false;
  while (d > 0 && !(got = s.dedicated_left.compare_exchange_weak(d, d - 1))) {
  }
  std::int64_t now = nanotime();
  if (got) {
    mode = trace::WorkerMode::Dedicated;
  } else if (s.fractional_goal > 0 &&
             static_cast<double>(p->gc_fractional_ns) < s.fractional_goal * static_cast<double>(now - s.mark_start)) {
    mode = trace::WorkerMode::Fractional;
  } else if (idle) {
    mode = trace::WorkerMode::Idle;
  } else {
    return false;
  }
  Why why = mode == trace::WorkerMode::Dedicated   ? Why::WorkerDedicated
            : mode == trace::WorkerMode::Fractional ? Why::WorkerFractional
                                                    : Why::WorkerIdle;
  trace_event(EventKind::GCWorkerStart, why, static_cast<std::uint8_t>(mode), nullptr, p);
  if (mode == trace::WorkerMode::Dedicated && !p->runq.empty()) {
    // A dedicated worker owns its P for the mark phase: its queue goes global
    // so other Ps can run it.
    bool inherit;
    while (G* g = p->runq.get(&inherit)) {
      LockGuard l(sched->lock);
      globrunqput(g);
    }
  }
  // Go's schedule() sets tryWakeP when it picks a dedicated or fractional
  // worker: this P is busy marking, so another P must look at the work (and
  // the timers) it would have run.
  if (mode != trace::WorkerMode::Idle) wakep();
  bool finished = false;
  for (;;) {
    bool last = false;
    std::int64_t t = take_mark_work(kWorkerSlice, &last);
    if (t == 0) break;
    burn(t);
    if (mode == trace::WorkerMode::Fractional) p->gc_fractional_ns += t;
    if (last) {
      finished = true;
      break;
    }
    if (sched->gcwaiting.load(std::memory_order_acquire) || sched->exiting.load(std::memory_order_acquire)) break;
    if (mode == trace::WorkerMode::Fractional) break;
    if (mode == trace::WorkerMode::Idle &&
        (!p->runq.empty() || sched->runqsize.load(std::memory_order_acquire) > 0))
      break;
  }
  trace_event(EventKind::GCWorkerStop, Why::None, 0, nullptr, p);
  if (mode == trace::WorkerMode::Dedicated) s.dedicated_left.fetch_add(1);
  if (finished) gc_mark_done();
  return true;
}

}  // namespace gosim::runtime
