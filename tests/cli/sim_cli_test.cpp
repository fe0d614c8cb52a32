// `gosim run` in sim mode, end to end through the real binary.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"

using gosim::test::run_gosim;
using gosim::test::source_path;
using gosim::test::temp_dir;
using gosim::test::write_file;

namespace {
const char* kDeadlock = R"({
  "gosim": 1,
  "name": "stuck",
  "description": "main waits for a value nobody sends",
  "channels": {"ch": {}},
  "functions": {"main": [{"recv": "ch"}]}
})";

const char* kHogs = R"({
  "gosim": 1,
  "name": "hogs",
  "description": "two CPU hogs on one P",
  "config": {"gomaxprocs": 1},
  "waitgroups": ["wg"],
  "functions": {
    "main": [{"wg_add": "wg", "delta": 2}, {"go": "hog", "count": 2}, {"wg_wait": "wg"}],
    "hog": [{"compute": "50ms"}, {"wg_done": "wg"}]
  }
})";
}  // namespace

TEST_CASE("sim cli: gosim run prints the summary of a bundled scenario") {
  auto r = run_gosim({"run", source_path("scenarios/hello.json")}, 120, {"NO_COLOR=1"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("hello") != std::string::npos);
  CHECK(r.out.find("makespan") != std::string::npos);
  CHECK(r.out.find("steals") != std::string::npos);
}

TEST_CASE("sim cli: a deadlock exits 1 with Go's message") {
  auto dir = temp_dir("sim-cli-deadlock");
  write_file(dir / "stuck.json", kDeadlock);
  auto r = run_gosim({"run", (dir / "stuck.json").string()}, 120, {"NO_COLOR=1"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("fatal error: all goroutines are asleep - deadlock!") != std::string::npos);
  CHECK(r.err.find("goroutine 1 [chan receive]:") != std::string::npos);
  CHECK(r.err.find("main.main()") != std::string::npos);
}

TEST_CASE("sim cli: --set changes behaviour (no preemption, then a different summary)") {
  auto dir = temp_dir("sim-cli-set");
  write_file(dir / "hogs.json", kHogs);
  auto on = run_gosim({"run", (dir / "hogs.json").string(), "--json"});
  auto off = run_gosim({"run", (dir / "hogs.json").string(), "--json", "--set", "mechanisms.preemption=false"});
  INFO(on.err << off.err);
  REQUIRE(on.exit_code == 0);
  REQUIRE(off.exit_code == 0);
  auto on_json = nlohmann::json::parse(on.out);
  auto off_json = nlohmann::json::parse(off.out);
  // Two 50ms hogs on one P: sliced at 10-20ms with preemption, never without.
  CHECK(on_json.dump().find("\"preemptions\":0") == std::string::npos);
  CHECK(off_json.dump().find("\"preemptions\":0") != std::string::npos);
}

TEST_CASE("sim cli: a limit hit exits 1 naming the key to raise") {
  auto dir = temp_dir("sim-cli-limit");
  write_file(dir / "hogs.json", kHogs);
  auto r = run_gosim({"run", (dir / "hogs.json").string(), "--set", "limits.max_virtual_time=10ms"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("--set limits.max_virtual_time=") != std::string::npos);
}

TEST_CASE("sim cli: the summary keeps mutex hand-off yields apart from preemptions and says what utilisation counts") {
  auto mutex = run_gosim({"run", source_path("scenarios/mutex-starvation.json"), "--json"});
  INFO(mutex.err);
  REQUIRE(mutex.exit_code == 0);
  auto j = nlohmann::json::parse(mutex.out);
  REQUIRE(j.contains("yields"));
  CHECK(j["yields"].get<std::int64_t>() > 0);  // starvation mode hands the lock off
  auto gc = run_gosim({"run", source_path("scenarios/gc-stw-assist.json")}, 120, {"NO_COLOR=1"});
  REQUIRE(gc.exit_code == 0);
  CHECK(gc.out.find("GC mark workers not counted") != std::string::npos);
  auto hello = run_gosim({"run", source_path("scenarios/hello.json")}, 120, {"NO_COLOR=1"});
  CHECK(hello.out.find("GC mark workers not counted") == std::string::npos);  // no GC cycle, no note
}
