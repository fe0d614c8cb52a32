// Helpers shared by the scenario tests: small scenarios from a few ops.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "scenario/load.h"

namespace gosim::test {

// A complete scenario whose main runs `ops` (JSON text of an array's
// elements), with `extra` top-level members (ending in a comma) before it.
inline std::string scenario_with(const std::string& ops, const std::string& extra = "",
                                 const std::string& more_functions = "") {
  return "{\n\"gosim\": 1,\n\"name\": \"t\",\n\"description\": \"test\",\n" + extra +
         "\"functions\": {\"main\": [" + ops + "]" + (more_functions.empty() ? "" : ", " + more_functions) +
         "}\n}\n";
}

// Every diagnostic formatted, one per line.
inline std::string all_errors(const scenario::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += scenario::format_diagnostic(d) + "\n";
  return out;
}

// Loads text that must be valid; fails the test with the diagnostics otherwise.
inline std::shared_ptr<const scenario::Scenario> must_load(const std::string& text) {
  scenario::LoadResult r = scenario::load_scenario_text(text, "test.json");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  return r.scenario;
}

// Loads text that must be invalid and returns the formatted diagnostics.
inline std::string must_fail(const std::string& text) {
  scenario::LoadResult r = scenario::load_scenario_text(text, "test.json");
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.errors.empty());
  return all_errors(r);
}

}  // namespace gosim::test
