// Monotonic wall clock in nanoseconds (Go: nanotime), via the vDSO, and the
// trace's cheaper clock, cputicks (Go: cputicks, which its tracer stamps with).
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace gosim::runtime {

inline std::int64_t nanotime() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Which clock cputicks reads: the TSC, or nanotime when the TSC cannot be
// trusted. Set by TraceClock::start (tracebuf.h) before a traced run's
// threads exist; stamps are converted to nanoseconds at the merge.
inline bool cputicks_tsc = false;

// Trace stamps: a raw rdtsc (no fence: like Go's cputicks, an event may be
// stamped a few cycles early or late), ~17 ns here against ~30 for the vDSO
// clock_gettime, which adds its scaling and a seqlock around its own rdtsc.
inline std::int64_t cputicks() {
#if defined(__x86_64__)
  if (cputicks_tsc) [[likely]]
    return static_cast<std::int64_t>(__rdtsc());
#endif
  return nanotime();
}

}  // namespace gosim::runtime
