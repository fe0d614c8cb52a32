// Time-axis steps and labels.
#include <doctest/doctest.h>

#include "view/time_axis.h"

using namespace gosim::view;

TEST_CASE("nice_step picks 1, 2 or 5 times a power of ten within the tick budget") {
  CHECK(nice_step(10'000'000, 10) == 1'000'000);
  CHECK(nice_step(12'000'000, 10) == 2'000'000);
  CHECK(nice_step(30'000, 8) == 5'000);
  CHECK(nice_step(7, 10) == 1);
  for (long long span : {1LL, 999LL, 123'456'789LL, 3'000'000'000LL}) {
    long long step = nice_step(span, 7);
    CHECK(span / step <= 7);
  }
}

TEST_CASE("format_time uses the largest unit and drops trailing zeros") {
  CHECK(format_time(0) == "0");
  CHECK(format_time(750) == "750ns");
  CHECK(format_time(2'500) == "2.5us");
  CHECK(format_time(1'250'000) == "1.25ms");
  CHECK(format_time(3'000'000'000) == "3s");
  CHECK(format_time(-2'000'000) == "-2ms");
}
