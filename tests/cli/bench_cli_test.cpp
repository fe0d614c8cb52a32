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
  // The simulator's speed on the workloads of bench/sim.
  for (const char* w : {"/simulator/spawn", "/simulator/fanout", "/simulator/pingpong"}) {
    check_positive(j, std::string(w) + "/events_per_cpu_s");
    check_positive(j, std::string(w) + "/wall_ms");
  }
  check_positive(j, "/simulator/spawn/bytes_per_live_g");
  // fib(n)'s tree has 2*fib(n+1)-1 nodes: one goroutine each.
  const auto fib = j["simulator"]["fanout"]["fib"].get<std::int64_t>();
  std::int64_t a = 0, b = 1;
  for (std::int64_t i = 0; i < fib; ++i) {
    const std::int64_t next = a + b;
    a = b;
    b = next;
  }
  CHECK(j["simulator"]["fanout"]["goroutines"].get<std::int64_t>() == 2 * b - 1);
}

TEST_CASE("gosim bench --quick prints the Goroutine vs Thread table") {
  CliResult r = run_gosim({"bench", "--quick"}, 300);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* text : {"Goroutine vs Thread", "OS thread", "gosim goroutine", "create + exit", "switch",
                           "memory (parked)", "how many fit (est.)", "Tracing (real mode)", "per event",
                           "Simulator (sim mode", "spawn 100,000 goroutines, all alive at once", "fan-out",
                           "channel ping-pong", "B per live G"}) {
    INFO(text);
    CHECK(r.out.find(text) != std::string::npos);
  }
}
