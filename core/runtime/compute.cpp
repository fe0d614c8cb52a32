// CPU burn with safe points (see compute.h).
#include "runtime/compute.h"

#include <algorithm>

#include "runtime/lock.h"
#include "runtime/nanotime.h"
#include "runtime/sched.h"

namespace gosim::runtime {

void burn(std::int64_t ns) {
  if (ns <= 0) return;
  // The clock is read every ~64 pauses (~1-3 us): vDSO clock_gettime costs
  // ~20 ns, so the overshoot is a few us at most and the cost < 2 %.
  std::int64_t end = nanotime() + ns;
  while (nanotime() < end) procyield(64);
}

void compute(std::int64_t ns) {
  while (ns > 0) {
    std::int64_t slice = std::min(ns, kSafePointNs);
    std::int64_t t0 = nanotime();
    burn(slice);
    std::int64_t t1 = nanotime();
    ns -= t1 - t0;
    M* m = getm();
    // The trace's shared stamp (tracebuf.h): events the G makes after
    // computing are stamped with this reading, not the one before.
    if (tracing_on()) m->trace->saw_clock(cputicks());
    G* gp = m->curg;
    if (preempt_requested(gp)) {
      if (sched->exiting.load(std::memory_order_acquire)) park_dead();  // the run is over
      gopreempt();
    }
  }
}

}  // namespace gosim::runtime
