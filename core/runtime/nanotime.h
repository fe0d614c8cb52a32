// Monotonic wall clock in nanoseconds (Go: nanotime), via the vDSO.
#pragma once

#include <time.h>

#include <cstdint>

namespace gosim::runtime {

inline std::int64_t nanotime() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace gosim::runtime
