// CPU burn for `compute D` and emulated GC mark work.
//
// compute(D) burns D of wall time on the CPU in slices of kSafePointNs
// (20 us): after each slice it checks the G's preemption flag (sysmon's 10 ms
// time slice, a stop-the-world, the end of the run) and, if set, yields to
// the scheduler; the rest of D continues when the G runs again. So the
// preemption granularity of compute is ~20 us (Go's async preemption is a
// signal away; its cooperative checks are at function prologues).
#pragma once

#include <cstdint>

namespace gosim::runtime {

inline constexpr std::int64_t kSafePointNs = 20'000;

// Spins for ns of wall time (no safe points). Usable on g0.
void burn(std::int64_t ns);

// `compute ns` on the current G, with safe points.
void compute(std::int64_t ns);

}  // namespace gosim::runtime
