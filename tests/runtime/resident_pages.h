// How much of a range of memory the kernel has committed (mincore): the
// stack tests' way to see that memory is touched lazily.
#pragma once

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gosim::test {

inline const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

// Resident pages in [p, p + bytes).
inline std::size_t resident_pages(const void* p, std::size_t bytes) {
  auto start = reinterpret_cast<std::uintptr_t>(p) & ~(kPage - 1);
  auto end = reinterpret_cast<std::uintptr_t>(p) + bytes;
  std::vector<unsigned char> vec((end - start + kPage - 1) / kPage);
  REQUIRE(mincore(reinterpret_cast<void*>(start), end - start, vec.data()) == 0);
  std::size_t r = 0;
  for (unsigned char v : vec) r += v & 1;
  return r;
}

}  // namespace gosim::test
