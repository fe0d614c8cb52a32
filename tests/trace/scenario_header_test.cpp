// scenario_header: the header both engines' traces carry names what the
// scenario declares, by the indices events use, and the effective config.
#include <doctest/doctest.h>

#include <string>

#include "scenario/config.h"
#include "scenario/load.h"
#include "scenario/program.h"
#include "trace/scenario_header.h"

namespace sc = gosim::scenario;
namespace tr = gosim::trace;

TEST_SUITE("trace") {
  TEST_CASE("scenario_header names the scenario's functions, channels, mutexes and waitgroups in order") {
    const std::string text = R"({
      "gosim": 1, "name": "two-workers", "description": "a <b> & c",
      "config": {"gomaxprocs": 3},
      "channels": {"jobs": {"capacity": 4}, "done": {"capacity": 0}},
      "mutexes": ["mu"],
      "waitgroups": ["wg"],
      "entry": "main",
      "functions": {
        "main": [{"go": "worker"}, {"send": "jobs"}, {"lock": "mu"}, {"unlock": "mu"},
                 {"wg_add": "wg", "delta": 1}, {"wg_done": "wg"}, {"close": "done"}],
        "worker": [{"recv": "jobs"}]
      }
    })";
    sc::LoadResult r = sc::load_scenario_text(text, "two-workers.json");
    const std::string first_error = r.errors.empty() ? std::string() : sc::format_diagnostic(r.errors.front());
    INFO(first_error);
    REQUIRE(r.ok());
    sc::Program program = sc::compile(r.scenario);

    tr::TraceHeader sim = tr::scenario_header(program, "sim");
    CHECK(sim.mode == "sim");
    CHECK(sim.clock == "virtual");
    CHECK(sim.scenario_name == "two-workers");
    CHECK(sim.scenario_description == "a <b> & c");
    CHECK(sim.scenario_hash == r.scenario->hash);
    CHECK_FALSE(sim.scenario_hash.empty());
    REQUIRE(sim.functions.size() == r.scenario->functions.size());
    for (std::size_t i = 0; i < sim.functions.size(); i++) CHECK(sim.functions[i] == r.scenario->functions[i].name);
    CHECK(sim.channels == std::vector<std::string>{"jobs", "done"});
    CHECK(sim.mutexes == std::vector<std::string>{"mu"});
    CHECK(sim.waitgroups == std::vector<std::string>{"wg"});
    CHECK(sim.gomaxprocs == 3);
    CHECK(sim.config == sc::config_to_json(r.scenario->config));
    CHECK(sim.gosim_version.empty());

    tr::TraceHeader real = tr::scenario_header(program, "real");
    CHECK(real.mode == "real");
    CHECK(real.clock == "wall");
    CHECK(real.functions == sim.functions);
  }
}
