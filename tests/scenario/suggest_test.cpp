#include <doctest/doctest.h>

#include "scenario/suggest.h"

using namespace gosim::scenario;

TEST_CASE("edit_distance counts insertions, deletions, substitutions and transpositions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("capacity", "capacity") == 0);
  CHECK(edit_distance("capacty", "capacity") == 1);   // deletion
  CHECK(edit_distance("capacitty", "capacity") == 1); // insertion
  CHECK(edit_distance("capacoty", "capacity") == 1);  // substitution
  CHECK(edit_distance("capcaity", "capacity") == 1);  // transposition
  CHECK(edit_distance("GOMAXPROCS", "gomaxprocs") == 0);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("suggest picks the closest plausible candidate") {
  std::vector<std::string> keys = {"gosim", "name", "description", "entry", "functions", "channels"};
  CHECK(suggest("function", keys) == "functions");
  CHECK(suggest("chanels", keys) == "channels");
  CHECK(suggest("descripton", keys) == "description");
  CHECK_FALSE(suggest("zzzzzz", keys));
  CHECK_FALSE(suggest("", keys));
  CHECK_FALSE(suggest("x", {"y"}));  // a one-letter word is not a typo of another
  CHECK_FALSE(suggest("anything", {}));
}

TEST_CASE("suggest finds a key written without its section") {
  std::vector<std::string> keys = {"gomaxprocs", "costs.spawn", "gc.gogc"};
  CHECK(suggest("spawn", keys) == "costs.spawn");
  CHECK(suggest("gogc", keys) == "gc.gogc");
  CHECK(suggest("costs.spwan", keys) == "costs.spawn");
}

TEST_CASE("did_you_mean formats the hint or returns nothing") {
  CHECK(did_you_mean("cont", {"count", "arg"}) == "did you mean \"count\"?");
  CHECK(did_you_mean("qqqqqq", {"count", "arg"}).empty());
}
