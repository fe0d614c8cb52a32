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
}

}  // namespace gosim::sim
