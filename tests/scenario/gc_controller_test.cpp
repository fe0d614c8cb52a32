// The shared GC pacer (scenario/gc_controller.h), used by both engines.
#include <doctest/doctest.h>

#include <cstdint>

#include "scenario/gc_controller.h"

using namespace gosim::scenario;

TEST_SUITE("gc_controller") {
  TEST_CASE("heap goal: marked heap grown by GOGC percent") {
    GcConfig c;  // GOGC=100, heapMinimum 4 MiB
    CHECK(gc_percent_heap_goal(c, 10 << 20) == 20 << 20);
    c.gogc = 50;
    CHECK(gc_percent_heap_goal(c, 10 << 20) == 15 << 20);
    c.gogc = 300;
    CHECK(gc_percent_heap_goal(c, 10 << 20) == 40 << 20);
  }

  TEST_CASE("heap goal: never below heapMinimum scaled by GOGC/100") {
    GcConfig c;
    CHECK(gc_percent_heap_goal(c, 0) == 4 << 20);
    CHECK(gc_percent_heap_goal(c, 1 << 20) == 4 << 20);  // 2 MiB < 4 MiB
    c.gogc = 200;
    CHECK(gc_percent_heap_goal(c, 1 << 20) == 8 << 20);  // heapMinimum scales with GOGC
    c.gogc = 50;
    CHECK(gc_percent_heap_goal(c, 0) == 2 << 20);
  }

  TEST_CASE("trigger: trigger_ratio of the way from the marked heap to the goal") {
    GcConfig c;  // trigger_ratio 0.875
    CHECK(gc_trigger(c, 0) == (4 << 20) * 7 / 8);
    CHECK(gc_trigger(c, 16 << 20) == (16 << 20) + (16 << 20) * 7 / 8);
    c.trigger_ratio = 0.5;
    CHECK(gc_trigger(c, 16 << 20) == 24 << 20);
    c.trigger_ratio = 1.0;
    CHECK(gc_trigger(c, 16 << 20) == gc_percent_heap_goal(c, 16 << 20));
    for (std::int64_t marked : {0LL, 1LL << 10, 3LL << 20, 1LL << 30}) {
      CHECK(gc_trigger(c, marked) >= marked);
      CHECK(gc_trigger(c, marked) <= gc_percent_heap_goal(c, marked));
    }
  }

  TEST_CASE("GOGC off: no goal and no trigger") {
    GcConfig c;
    c.gogc = -1;
    CHECK(gc_percent_heap_goal(c, 1 << 20) == INT64_MAX);
    CHECK(gc_trigger(c, 1 << 20) == INT64_MAX);
  }
}
