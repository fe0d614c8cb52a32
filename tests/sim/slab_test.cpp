// The chunked table that holds G slots, sudogs and Ms (core/sim/slab.h).
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "sim/slab.h"

namespace gosim::sim {

namespace {
struct Item {
  std::int64_t a = 7;
  std::int32_t b = -1;
};
}  // namespace

TEST_SUITE("sim") {
  TEST_CASE("slab: elements keep their address and values across chunk growth") {
    Slab<Item, 3> s;  // 8 per chunk
    std::vector<Item*> addr;
    for (int i = 0; i < 100; ++i) {
      Item& it = s.emplace_back();
      CHECK(it.a == 7);   // value-initialised from the defaults
      CHECK(it.b == -1);
      it.b = i;
      addr.push_back(&it);
    }
    CHECK(s.size() == 100);
    for (int i = 0; i < 100; ++i) {
      CHECK(&s[static_cast<std::size_t>(i)] == addr[static_cast<std::size_t>(i)]);
      CHECK(s[static_cast<std::size_t>(i)].b == i);
    }
  }

  TEST_CASE("slab: 2 MiB chunks (the G table's shape) index across the chunk boundary") {
    Slab<Item, 17> s;  // 131072 x 16 bytes = 2 MiB per chunk: huge-page path after the first
    const std::size_t n = (std::size_t{1} << 17) + 5;
    for (std::size_t i = 0; i < n; ++i) s.emplace_back().a = static_cast<std::int64_t>(i);
    CHECK(s[(std::size_t{1} << 17) - 1].a == (1 << 17) - 1);
    CHECK(s[std::size_t{1} << 17].a == 1 << 17);
    CHECK(s[n - 1].a == static_cast<std::int64_t>(n - 1));
    CHECK(reinterpret_cast<std::uintptr_t>(&s[std::size_t{1} << 17]) % (std::size_t{2} << 20) == 0);
  }

  TEST_CASE("slab as a stack (free lists): LIFO, and popped chunks are reused in place") {
    Slab<std::int32_t, 2> s;  // 4 per chunk
    for (std::int32_t i = 0; i < 10; ++i) s.push_back(i);
    const std::int32_t* ninth = &s[9];
    CHECK(s.back() == 9);
    s.pop_back();
    s.pop_back();
    CHECK(s.size() == 8);
    CHECK(s.back() == 7);
    s.push_back(42);
    s.push_back(43);
    CHECK(&s[9] == ninth);  // the third chunk was kept, not reallocated
    CHECK(s.back() == 43);
    for (std::int32_t want : {43, 42, 7, 6, 5, 4, 3, 2, 1, 0}) {
      CHECK(s.back() == want);
      s.pop_back();
    }
    CHECK(s.empty());
  }
}

}  // namespace gosim::sim
