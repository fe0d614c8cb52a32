// How much of a range of memory the kernel has committed (mincore): the
// stack tests' way to see that memory is touched lazily.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstddef>

#include "runtime/bench.h"

namespace gosim::test {

inline const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

// Resident pages in [p, p + bytes).
inline std::size_t resident_pages(const void* p, std::size_t bytes) {
  long b = runtime::bench::resident_bytes(p, bytes);
  REQUIRE(b >= 0);
  return static_cast<std::size_t>(b) / kPage;
}

}  // namespace gosim::test
