// GC emulation (Go 1.19 mgc.go, mgcpacer.go): allocation accounting drives
// the pacer; a cycle stops the world twice (sweep termination, mark
// termination) for real, and in between mark work (a CPU burn proportional
// to the live heap, costs.gc_mark_per_mib) runs on 25 % of the Ps as
// dedicated/fractional workers on their Ms' g0, on idle Ps as idle workers,
// and as assists by allocating Gs.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/g.h"
#include "runtime/lock.h"
#include "runtime/p.h"
#include "scenario/config.h"
#include "scenario/gc_controller.h"

namespace gosim::runtime {

enum class GcPhase : std::int32_t { Off = 0, Mark = 1, MarkTermination = 2 };

struct GcState {
  explicit GcState(const scenario::Config& c);
  std::int64_t goal() const { return goal_.load(std::memory_order_relaxed); }

  const scenario::Config& cfg;
  std::atomic<GcPhase> phase{GcPhase::Off};
  std::atomic<std::int64_t> heap_live{0};
  std::atomic<std::int64_t> retained{0};   // bytes kept live by running Gs
  std::atomic<std::int64_t> heap_marked{0};
  std::atomic<std::int64_t> goal_{0};
  std::atomic<std::int64_t> trigger{0};
  std::atomic<std::int64_t> mark_left{0};  // ns of mark work still to do
  std::atomic<std::int32_t> dedicated_left{0};
  double fractional_goal = 0;
  std::int64_t mark_start = 0;
  std::atomic<std::int64_t> cycle{0};
  Lock waiters_lock;  // runtime.GC callers parked until their cycle ends
  G* waiters = nullptr;
};

// Accounting for `alloc bytes` on the current G (may start a cycle or assist).
void gc_alloc(std::int64_t bytes, bool retain);
// A G that ends returns its retained bytes to the sweeper.
void gc_release(std::int64_t bytes);
// runtime.GC(): a full forced cycle; returns when it is done.
void gc_force();
// findRunnable: run a mark-worker slice on g0 if this P should. Returns true
// if it ran one.
bool gc_find_worker(P* p, bool idle = false);
bool gc_has_mark_work();
bool gc_busy();

}  // namespace gosim::runtime
