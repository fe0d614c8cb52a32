// `gosim bench`: the "Goroutine vs Thread" table measured live. The numbers
// depend on the machine, so the tests check what must hold anywhere: every
// measurement was made (positive, finite), the table and its notes are
// printed, and the tracing figure describes the workload it claims (a
// ping-pong round trip is 2 switches and 6 events in real mode's trace).
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_support.h"

using namespace gosim::test;

namespace {

void check_positive(const nlohmann::json& j, const std::string& path) {
  const nlohmann::json& v = j.at(nlohmann::json::json_pointer(path));
  INFO(path, " = ", v.dump());
  REQUIRE(v.is_number());
  CHECK(std::isfinite(v.get<double>()));
  CHECK(v.get<double>() > 0);
}

}  // namespace

TEST_CASE("gosim bench --quick --json measures threads, goroutines and tracing") {
  CliResult r = run_gosim({"bench", "--quick", "--json"}, 300);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* side : {"/thread", "/goroutine"}) {
    for (const char* key : {"/create_ns", "/switch_ns", "/memory_bytes", "/max_estimate"}) {
      check_positive(j, std::string(side) + key);
    }
  }
  check_positive(j, "/cpus");
  check_positive(j, "/memory_available_bytes");
  for (const char* key : {"/pingpong_untraced_ns", "/pingpong_traced_ns", "/pingpong_untraced_cpu_ns",
                          "/pingpong_traced_cpu_ns", "/merge_ns_per_event"}) {
    check_positive(j, std::string("/tracing") + key);
  }
  // GoUnblock, GoBlock and GoStart for each side of the round trip.
  CHECK(j["tracing"]["events_per_roundtrip"].get<double>() == doctest::Approx(6.0).epsilon(0.01));
  for (const char* key : {"overhead", "overhead_cpu", "overhead_user"}) {
    INFO(key);
    REQUIRE(j["tracing"][key].is_number());
    CHECK(std::isfinite(j["tracing"][key].get<double>()));
  }
  CHECK(j["method"].get<std::string>().find("tracing") != std::string::npos);
}

TEST_CASE("gosim bench --quick prints the Goroutine vs Thread table") {
  CliResult r = run_gosim({"bench", "--quick"}, 300);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* text : {"Goroutine vs Thread", "OS thread", "gosim goroutine", "create + exit", "switch",
                           "memory (parked)", "how many fit (est.)", "Tracing (real mode)", "per event"}) {
    INFO(text);
    CHECK(r.out.find(text) != std::string::npos);
  }
}
