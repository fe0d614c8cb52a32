#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "scenario/units.h"

using namespace gosim;

TEST_CASE("parse_duration: every unit") {
  CHECK(parse_duration("7ns") == 7);
  CHECK(parse_duration("250us") == 250'000);
  CHECK(parse_duration("250\xC2\xB5s") == 250'000);
  CHECK(parse_duration("2ms") == 2'000'000);
  CHECK(parse_duration("3s") == 3'000'000'000);
  CHECK(parse_duration("2m") == 120'000'000'000);
  CHECK(parse_duration("1h") == 3'600'000'000'000);
  CHECK(parse_duration("0s") == 0);
}

TEST_CASE("parse_duration: exact fractions") {
  CHECK(parse_duration("1.5ms") == 1'500'000);
  CHECK(parse_duration("0.001ms") == 1'000);
  CHECK(parse_duration(".5us") == 500);
  CHECK(parse_duration("2.50s") == 2'500'000'000);
  CHECK(parse_duration("1.000000000s") == 1'000'000'000);
  CHECK(parse_duration("1.0ns") == 1);
  std::string error;
  CHECK_FALSE(parse_duration("1.5ns", &error));
  CHECK(error.find("precision") != std::string::npos);
  // A zero digit must not let a later non-zero digit through.
  CHECK_FALSE(parse_duration("1.05ns"));
  CHECK_FALSE(parse_duration("0.0000000001s"));
  CHECK_FALSE(parse_duration("1.2.3ms"));
}

TEST_CASE("parse_duration: errors") {
  std::string error;
  CHECK_FALSE(parse_duration("250", &error));
  CHECK(error.find("needs a unit") != std::string::npos);
  CHECK_FALSE(parse_duration("5 ms", &error));
  CHECK(error.find("unknown duration unit") != std::string::npos);
  CHECK_FALSE(parse_duration("-1ms", &error));
  CHECK(error.find("negative") != std::string::npos);
  CHECK_FALSE(parse_duration("ms", &error));
  CHECK_FALSE(parse_duration("", &error));
  CHECK_FALSE(parse_duration("5 days", &error));
  CHECK_FALSE(parse_duration("1h30m", &error));
}

TEST_CASE("parse_duration: overflow is an error, not a wrap") {
  std::string error;
  CHECK_FALSE(parse_duration("9223372036854775808ns", &error));
  CHECK(error.find("too large") != std::string::npos);
  CHECK_FALSE(parse_duration("3000000000h", &error));
  CHECK(error.find("too large") != std::string::npos);
  CHECK(parse_duration("9223372036854775807ns") == std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(parse_duration("9223372036.9s"));
}

TEST_CASE("format_duration round-trips through parse_duration") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(3'000'000) == "3ms");
  CHECK(format_duration(2'500'000) == "2500us");
  CHECK(format_duration(7) == "7ns");
  CHECK(format_duration(-2'000) == "-2us");
  CHECK(format_duration(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808ns");
  for (Nanos v : {Nanos{1}, Nanos{999}, Nanos{1'000}, Nanos{123'456'789}, Nanos{60} * kSecond,
                  std::numeric_limits<Nanos>::max()}) {
    CHECK(parse_duration(format_duration(v)) == v);
  }
}

TEST_CASE("human_duration rounds to three significant digits") {
  CHECK(human_duration(0) == "0ns");
  CHECK(human_duration(999) == "999ns");
  CHECK(human_duration(2'500'000) == "2.5ms");
  CHECK(human_duration(131'400) == "131us");
  CHECK(human_duration(1'000'000'000) == "1s");
}

TEST_CASE("parse_bytes: binary and decimal units") {
  CHECK(parse_bytes("1B") == 1);
  CHECK(parse_bytes("64KiB") == 65'536);
  CHECK(parse_bytes("1MiB") == 1 << 20);
  CHECK(parse_bytes("2GiB") == std::int64_t{2} << 30);
  CHECK(parse_bytes("1KB") == 1'000);
  CHECK(parse_bytes("3MB") == 3'000'000);
  CHECK(parse_bytes("1GB") == 1'000'000'000);
  CHECK(parse_bytes("1.5KiB") == 1'536);
  CHECK(parse_bytes("0.25KiB") == 256);
  CHECK(parse_bytes("1TiB") == std::int64_t{1} << 40);
  CHECK(parse_bytes("2TB") == 2'000'000'000'000);
  CHECK(format_bytes(std::int64_t{1} << 40) == "1TiB");
  std::string error;
  CHECK_FALSE(parse_bytes("0.5B", &error));
  CHECK_FALSE(parse_bytes("64", &error));
  CHECK(error.find("needs a unit") != std::string::npos);
  CHECK_FALSE(parse_bytes("64kb", &error));
  CHECK(error.find("unknown size unit") != std::string::npos);
  CHECK_FALSE(parse_bytes("-1KiB", &error));
  CHECK_FALSE(parse_bytes("99999999999GiB", &error));
  CHECK(error.find("too large") != std::string::npos);
}

TEST_CASE("format_bytes round-trips through parse_bytes") {
  CHECK(format_bytes(65'536) == "64KiB");
  CHECK(format_bytes(1'000) == "1000B");
  CHECK(format_bytes(0) == "0B");
  for (std::int64_t v : {std::int64_t{1}, std::int64_t{1023}, std::int64_t{1} << 40, std::int64_t{3} << 20}) {
    CHECK(parse_bytes(format_bytes(v)) == v);
  }
}
