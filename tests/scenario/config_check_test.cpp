// Cross-key config rules (scenario/config.h: check_config).
#include <doctest/doctest.h>

#include <string>

#include "scenario/config.h"

using namespace gosim::scenario;

namespace {
void set(Config& c, const char* key, const char* text) {
  const ConfigKey* k = find_config_key(key);
  REQUIRE(k != nullptr);
  REQUIRE_FALSE(set_config_text(c, *k, text).has_value());
}
}  // namespace

TEST_SUITE("config") {
  TEST_CASE("check_config: the defaults pass") { CHECK_FALSE(check_config(Config{}).has_value()); }

  TEST_CASE("check_config: sysmon_min_delay above sysmon_max_delay names both keys") {
    Config c;
    set(c, "constants.sysmon_min_delay", "20ms");  // default max is 10ms
    auto problem = check_config(c);
    REQUIRE(problem.has_value());
    CHECK(problem->key == "constants.sysmon_min_delay");
    CHECK(problem->message.find("constants.sysmon_min_delay (20ms)") != std::string::npos);
    CHECK(problem->message.find("constants.sysmon_max_delay (10ms)") != std::string::npos);
  }

  TEST_CASE("check_config: order of setting does not matter, only the final values") {
    Config c;
    set(c, "constants.sysmon_min_delay", "20ms");
    set(c, "constants.sysmon_max_delay", "50ms");
    CHECK_FALSE(check_config(c).has_value());
    set(c, "constants.sysmon_max_delay", "1ms");
    CHECK(check_config(c).has_value());
  }

  TEST_CASE("check_config: equal delays are allowed (sysmon never backs off)") {
    Config c;
    set(c, "constants.sysmon_min_delay", "1ms");
    set(c, "constants.sysmon_max_delay", "1ms");
    CHECK_FALSE(check_config(c).has_value());
  }
}
