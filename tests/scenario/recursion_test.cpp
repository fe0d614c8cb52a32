// The rule that keeps recursive spawning finite.
#include <doctest/doctest.h>

#include "scenario_test_support.h"

using namespace gosim;
using namespace gosim::scenario;
using test::must_fail;
using test::must_load;

namespace {
std::string with_functions(const std::string& functions) {
  return R"({"gosim": 1, "name": "t", "description": "d", "functions": {"main": [{"go": "f", "arg": 5}], )" +
         functions + "}}";
}
}  // namespace

TEST_CASE("recursion: a guarded countdown is accepted") {
  must_load(with_functions(R"("f": [{"if": "n > 0", "then": [{"go": "f", "count": 2, "arg": "n-1"}]}])"));
  must_load(with_functions(R"("f": [{"if": "n >= 1", "then": [{"go": "f", "arg": "n-1"}]}])"));
  // The guard may be an else branch, and enclose the go at any depth.
  must_load(with_functions(R"("f": [{"if": "n <= 0", "then": [], "else": [{"repeat": 2, "do": [
      {"go": "f", "arg": "n-2"}]}]}])"));
  // Counting up to an upper bound.
  must_load(with_functions(R"("f": [{"if": "n < 10", "then": [{"go": "f", "arg": "n+1"}]}])"));
  // Mutual recursion: one guarded decreasing edge per cycle; the others keep n.
  must_load(with_functions(R"("f": [{"if": "n > 0", "then": [{"go": "g", "arg": "n-1"}]}], "g": [{"go": "f"}])"));
  // n == c bounds both ways.
  must_load(with_functions(R"("f": [{"if": "n == 5", "then": [{"go": "f", "arg": "n-1"}]}])"));
}

TEST_CASE("recursion: unbounded cycles are rejected at a go op") {
  std::string e = must_fail(with_functions(R"("f": [{"go": "f", "arg": "n-1"}])"));
  CHECK(e.find("unbounded recursive spawn: f -> f") != std::string::npos);
  CHECK(e.find("at /functions/f/0/go") != std::string::npos);
  // Guarded from the wrong side.
  e = must_fail(with_functions(R"("f": [{"if": "n < 10", "then": [{"go": "f", "arg": "n-1"}]}])"));
  CHECK(e.find("unbounded") != std::string::npos);
  // != bounds nothing.
  CHECK(must_fail(with_functions(R"("f": [{"if": "n != 0", "then": [{"go": "f", "arg": "n-1"}]}])"))
            .find("unbounded") != std::string::npos);
  // n never changes.
  CHECK(must_fail(with_functions(R"("f": [{"if": "n > 0", "then": [{"go": "f"}]}])")).find("unbounded") !=
        std::string::npos);
  // A second cycle that skips the guarded edge.
  e = must_fail(with_functions(R"("f": [{"if": "n > 0", "then": [{"go": "g", "arg": "n-1"}]}, {"go": "h"}],
      "g": [{"go": "f"}], "h": [{"go": "f"}])"));
  CHECK(e.find("f -> h -> f") != std::string::npos);
}

TEST_CASE("recursion: fixed args and mixed directions are rejected") {
  CHECK(must_fail(with_functions(R"("f": [{"if": "n > 0", "then": [{"go": "f", "arg": 3}]}])"))
            .find("fixed arg (3)") != std::string::npos);
  CHECK(must_fail(with_functions(R"("f": [{"if": "n > 0", "then": [{"go": "g", "arg": "n-1"}]}],
      "g": [{"if": "n < 100", "then": [{"go": "f", "arg": "n+2"}]}])"))
            .find("both decrease and increase") != std::string::npos);
}

TEST_CASE("recursion: spawning without a cycle needs no guard") {
  must_load(with_functions(R"("f": [{"go": "g", "arg": 100}, {"go": "g", "arg": "n+7"}], "g": [{"go": "h"}], "h": [])"));
  // main may spawn itself only under the same rule.
  CHECK(must_fail(R"({"gosim": 1, "name": "t", "description": "d", "functions": {"main": [{"go": "main"}]}})")
            .find("main -> main") != std::string::npos);
}
