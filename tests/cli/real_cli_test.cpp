// Real mode end to end: every bundled scenario runs on gosim's own runtime,
// exits as its sim run does, and its trace passes the trace checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_support.h"
#include "trace/check.h"
#include "trace/gosim_json.h"

using namespace gosim::test;

namespace {

std::vector<std::filesystem::path> bundled_scenarios() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(source_path("scenarios")))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("real mode: every bundled scenario exits as in sim mode and its trace checks out") {
  auto dir = temp_dir("real_cli");
  auto files = bundled_scenarios();
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    CAPTURE(f.filename().string());
    auto trace_path = (dir / (f.stem().string() + ".trace.json")).string();
    CliResult real = run_gosim({"run", "--mode", "real", "-q", "--trace", trace_path, f.string()}, 120);
    CliResult sim = run_gosim({"run", "--mode", "sim", "-q", f.string()}, 120);
    CHECK(real.exit_code == sim.exit_code);
    CHECK((real.exit_code == 0 || real.exit_code == 1));
    std::string error;
    auto t = gosim::trace::read_gosim_json(trace_path, &error);
    REQUIRE_MESSAGE(t.has_value(), error);
    CHECK(t->header.mode == "real");
    auto problems = gosim::trace::check_trace(*t);
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    CHECK_MESSAGE(problems.empty(), all);
  }
}

TEST_CASE("real mode: a deadlock prints Go's message and exits 1") {
  auto dir = temp_dir("real_cli_deadlock");
  auto scn = dir / "dl.json";
  write_file(scn, R"({"gosim": 1, "name": "dl", "description": "main receives forever",
    "config": {"gomaxprocs": 2}, "channels": {"c": {"capacity": 0}}, "entry": "main",
    "functions": {"main": [{"recv": "c"}]}})");
  CliResult r = run_gosim({"run", "--mode", "real", "-q", scn.string()}, 60);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("fatal error: all goroutines are asleep - deadlock!") != std::string::npos);
}

TEST_CASE("real mode: max_wall_time stops a runaway run with a clear message") {
  auto dir = temp_dir("real_cli_watchdog");
  auto scn = dir / "spin.json";
  write_file(scn, R"({"gosim": 1, "name": "spin", "description": "computes for a long time",
    "config": {"gomaxprocs": 1}, "entry": "main",
    "functions": {"main": [{"compute": "60s"}]}})");
  CliResult r = run_gosim({"run", "--mode", "real", "-q", "--set", "limits.max_wall_time=300ms", scn.string()}, 60);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("max_wall_time") != std::string::npos);
}
