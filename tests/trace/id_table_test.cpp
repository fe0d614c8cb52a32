// IdTable: per-goroutine state in pages of consecutive ids.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>

#include "trace/id_table.h"

using gosim::trace::IdTable;

namespace {
struct Cell {
  std::int64_t v = -7;  // value-initialised entries carry the default
};
}  // namespace

TEST_CASE("id table: get creates a default entry once, find sees it, erase removes it") {
  IdTable<Cell> t;
  CHECK(t.find(5) == nullptr);
  Cell* c = t.get(5);
  REQUIRE(c != nullptr);
  CHECK(c->v == -7);
  c->v = 42;
  CHECK(t.get(5)->v == 42);  // not reset by a second get
  CHECK(t.find(5)->v == 42);
  CHECK(t.size() == 1);
  CHECK(t.erase(5));
  CHECK_FALSE(t.erase(5));
  CHECK(t.find(5) == nullptr);
  CHECK(t.get(5)->v == -7);  // a new entry after an erase starts from the default
}

TEST_CASE("id table: ids out of range are refused, not grown into") {
  IdTable<Cell> t;
  CHECK(t.get(-1) == nullptr);
  CHECK(t.find(-1) == nullptr);
  CHECK(t.get(IdTable<Cell>::kMaxId + 1) == nullptr);
  CHECK_FALSE(t.erase(-3));
  CHECK(t.size() == 0);
}

TEST_CASE("id table: agrees with a map under random creates and erases across pages") {
  IdTable<Cell> t;
  std::map<std::int64_t, std::int64_t> ref;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t id = static_cast<std::int64_t>(rng() % 20000);
    switch (rng() % 3) {
      case 0:
        t.get(id)->v = i;
        ref[id] = i;
        break;
      case 1:
        CHECK(t.erase(id) == (ref.erase(id) == 1));
        break;
      default: {
        Cell* c = t.find(id);
        auto it = ref.find(id);
        REQUIRE((c != nullptr) == (it != ref.end()));
        if (c) CHECK(c->v == it->second);
      }
    }
  }
  CHECK(t.size() == ref.size());
}
