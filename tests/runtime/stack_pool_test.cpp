// StackPool: layout, canaries, reuse, lazy commit and release, guard pages.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "resident_pages.h"
#include "runtime/stack.h"

using namespace gosim::runtime;

using gosim::test::kPage;
using gosim::test::resident_pages;

TEST_CASE("stack pool: stacks are disjoint, aligned and canaried") {
  StackPool pool(StackConfig{.stack_size = 32 * 1024, .stacks_per_slab = 8, .guarded_stacks = 4,
                             .cache_watermark = 16});
  std::vector<Stack> stacks;
  for (int i = 0; i < 20; i++) stacks.push_back(pool.allocate());
  auto st = pool.stats();
  CHECK(st.slabs == 3);
  CHECK(st.in_use == 20);
  CHECK(st.guarded == 4);
  for (std::size_t i = 0; i < stacks.size(); i++) {
    const Stack& s = stacks[i];
    CHECK(reinterpret_cast<std::uintptr_t>(s.lo) % kPage == 0);
    CHECK(s.size == 32 * 1024 - kPage - 16);
    CHECK(*s.canary == kStackCanary);
    // The canary lies below the stack, out of its usable range, at least a
    // guard/slack page away.
    CHECK(reinterpret_cast<std::uintptr_t>(s.canary) + 8 + kPage <= reinterpret_cast<std::uintptr_t>(s.lo));
    for (std::size_t j = 0; j < i; j++) {
      auto a = static_cast<char*>(s.lo), b = static_cast<char*>(stacks[j].lo);
      CHECK((a + s.size <= b || b + stacks[j].size <= a));
      // No stack's usable range holds another stack's canary.
      auto c = reinterpret_cast<char*>(stacks[j].canary);
      CHECK_FALSE((c >= a && c < a + s.size));
    }
    // The whole usable range is writable.
    static_cast<volatile char*>(s.lo)[0] = 1;
    static_cast<volatile char*>(s.lo)[s.size - 1] = 1;
  }
  // Guard pages: the first 4 stacks only.
  CHECK(pool.in_guard_page(static_cast<char*>(stacks[0].lo) - 1));
  CHECK(pool.in_guard_page(static_cast<char*>(stacks[3].lo) - kPage));
  CHECK_FALSE(pool.in_guard_page(static_cast<char*>(stacks[4].lo) - 1));
  CHECK_FALSE(pool.in_guard_page(stacks[0].lo));
  for (const Stack& s : stacks) pool.free(s);
  CHECK(pool.stats().in_use == 0);
}

TEST_CASE("stack pool: freed stacks are reused, most recent first") {
  StackPool pool(StackConfig{.stack_size = 64 * 1024, .stacks_per_slab = 4, .guarded_stacks = 0,
                             .cache_watermark = 8});
  Stack a = pool.allocate(), b = pool.allocate(), c = pool.allocate();
  pool.free(b);
  pool.free(a);
  Stack d = pool.allocate();
  CHECK(d.lo == a.lo);
  Stack e = pool.allocate();
  CHECK(e.lo == b.lo);
  // A reused stack gets its canary re-armed.
  *e.canary = 0;
  pool.free(e);
  Stack f = pool.allocate();
  CHECK(f.lo == b.lo);
  CHECK(*f.canary == kStackCanary);
  CHECK(pool.stats().slabs == 1);
  for (const Stack& s : {c, d, f}) pool.free(s);
}

TEST_CASE("stack pool: memory is committed lazily and released above the watermark") {
  StackPool pool(StackConfig{.stack_size = 64 * 1024, .stacks_per_slab = 32, .guarded_stacks = 0,
                             .cache_watermark = 2});
  std::vector<Stack> stacks;
  for (int i = 0; i < 8; i++) stacks.push_back(pool.allocate());
  // Fresh stacks: only the pages holding canaries have been touched, and
  // canary i+1 lives in the top page of stack i (7 pages for 8 stacks).
  std::size_t total = 0;
  for (const Stack& s : stacks) total += resident_pages(s.lo, s.size);
  CHECK(total == 7);
  CHECK(resident_pages(stacks[7].lo, stacks[7].size) == 0);
  // Touch the whole of every stack.
  for (const Stack& s : stacks) std::memset(s.lo, 0xAB, s.size);
  for (const Stack& s : stacks) CHECK(resident_pages(s.lo, s.size) == s.size / kPage + 1);
  // Still armed: filling a stack does not reach the neighbours' canaries.
  for (const Stack& s : stacks) CHECK(*s.canary == kStackCanary);
  // Free stacks 0..5 (stacks 6, 7 stay in use): 2 stay cached, 4 are released.
  for (int i = 0; i < 6; i++) pool.free(stacks[i]);
  auto st = pool.stats();
  CHECK(st.cached == 2);
  CHECK(st.released == 4);
  // Oldest freed first: stacks 0..3 lost their pages, 4 and 5 kept them.
  for (int i = 0; i < 4; i++) CHECK(resident_pages(stacks[i].lo, stacks[i].size) == 0);
  CHECK(resident_pages(stacks[4].lo, stacks[4].size) > 0);
  // In-use neighbours keep their canaries through releases below them.
  CHECK(*stacks[6].canary == kStackCanary);
  CHECK(*stacks[7].canary == kStackCanary);
  pool.trim();
  CHECK(pool.stats().cached == 0);
  CHECK(resident_pages(stacks[4].lo, stacks[4].size) == 0);
  CHECK(*stacks[6].canary == kStackCanary);  // stack 5's top page still holds it
  // Released stacks are handed out again (zeroed by the kernel) before new slabs.
  std::set<void*> old;
  for (int i = 0; i < 6; i++) old.insert(stacks[i].lo);
  for (int i = 0; i < 6; i++) {
    Stack s = pool.allocate();
    CHECK(old.count(s.lo) == 1);
    CHECK(*s.canary == kStackCanary);
    CHECK(static_cast<unsigned char*>(s.lo)[s.size / 2] == 0);
    stacks[i] = s;
  }
  CHECK(pool.stats().slabs == 1);
  for (const Stack& s : stacks) pool.free(s);
}

TEST_CASE("stack pool: bad configurations are refused") {
  CHECK_THROWS(StackPool(StackConfig{.stack_size = 1000}));
  CHECK_THROWS(StackPool(StackConfig{.stack_size = 2 * kPage}));
  CHECK_THROWS(StackPool(StackConfig{.stack_size = 64 * 1024, .stacks_per_slab = 0}));
}
