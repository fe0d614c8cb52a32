// `gosim run` writing traces: the files parse, pass the checks both engines
// must pass, and a bad output path fails cleanly.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "trace/check.h"
#include "trace/gosim_json.h"
#include "trace/summary.h"

using namespace gosim;
using nlohmann::json;

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST_CASE("trace cli: run --trace --chrome writes a checked gosim trace and a Chrome trace") {
  auto dir = test::temp_dir("trace-cli-both");
  auto t = (dir / "t.json").string();
  auto c = (dir / "c.json").string();
  auto r = test::run_gosim({"run", test::source_path("scenarios/hello.json"), "--trace", t, "--chrome", c, "-q"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string error;
  auto trace = trace::read_gosim_json(t, &error);
  REQUIRE_MESSAGE(trace.has_value(), error);
  CHECK(trace->header.scenario_name == "hello");
  CHECK(trace->header.gomaxprocs == 2);
  CHECK(!trace->events.empty());
  auto problems = trace::check_trace(*trace);
  CHECK_MESSAGE(problems.empty(), joined(problems));
  // Reading and writing again gives the file back.
  CHECK(trace::to_gosim_json(*trace) == test::read_file(t));

  json chrome = json::parse(test::read_file(c), nullptr, false);
  REQUIRE_FALSE(chrome.is_discarded());
  REQUIRE(chrome["traceEvents"].is_array());
  bool p0 = false, g_slice = false;
  for (const auto& e : chrome["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == "P0") p0 = true;
    if (e["ph"] == "X" && e["cat"] == "goroutine") g_slice = true;
  }
  CHECK(p0);
  CHECK(g_slice);
}

TEST_CASE("trace cli: --json prints the summary of the same events the trace holds") {
  auto dir = test::temp_dir("trace-cli-json");
  auto t = (dir / "t.json").string();
  auto r = test::run_gosim({"run", test::source_path("scenarios/hello.json"), "--trace", t, "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["scenario"] == "hello");
  CHECK(j["status"] == "ok");
  std::string error;
  auto trace = trace::read_gosim_json(t, &error);
  REQUIRE_MESSAGE(trace.has_value(), error);
  trace::Summary s = trace::summarize(*trace);
  CHECK(j["goroutines"] == s.goroutines);
  CHECK(j["context_switches"] == s.context_switches);
  CHECK(j["sched_latency_ns"]["p50"] == s.sched_latency.p50);
  CHECK(j["makespan_ns"] == s.makespan);
  CHECK(s.goroutines >= 5);  // main and four workers
}

TEST_CASE("trace cli: an unwritable output path exits 2 and leaves no temporary file") {
  auto dir = test::temp_dir("trace-cli-unwritable");
  for (const char* flag : {"--trace", "--chrome"}) {
    INFO(flag);
    auto r = test::run_gosim(
        {"run", test::source_path("scenarios/hello.json"), flag, (dir / "no-such-dir" / "t.json").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot write") != std::string::npos);
    CHECK(std::filesystem::is_empty(dir));
  }
}

namespace {

// Problems with a Chrome trace: slices on one track that overlap without
// nesting (Perfetto drops or flags them) and flow ids without exactly one s and one f.
std::vector<std::string> chrome_problems(const json& j) {
  std::vector<std::string> out;
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> tracks;
  std::map<long, std::string> flows;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X") {
      double ts = e["ts"].get<double>() * 1000, end = ts + e["dur"].get<double>() * 1000;
      tracks[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back({std::round(ts), std::round(end)});
    } else if (e["ph"] == "s" || e["ph"] == "f") {
      flows[e["id"].get<long>()] += e["ph"].get<std::string>();
    }
  }
  for (auto& [track, slices] : tracks) {
    std::sort(slices.begin(), slices.end(), [](auto& a, auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<double> open_ends;
    for (auto [start, end] : slices) {
      while (!open_ends.empty() && open_ends.back() <= start) open_ends.pop_back();
      if (!open_ends.empty() && end > open_ends.back()) {
        out.push_back("slices overlap without nesting on track " + std::to_string(track.first) + "/" +
                      std::to_string(track.second) + " at " + std::to_string(start) + "ns");
      }
      open_ends.push_back(end);
    }
  }
  for (auto& [id, phases] : flows) {
    if (phases != "sf") out.push_back("flow " + std::to_string(id) + " has phases " + phases);
  }
  return out;
}

// Runs every bundled scenario in `mode` and checks the trace it writes.
void check_every_scenario(const std::string& mode) {
  auto dir = test::temp_dir("trace-cli-all-" + mode);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::source_path("scenarios"))) {
    if (entry.path().extension() != ".json") continue;
    std::string name = entry.path().stem().string();
    INFO(mode << " " << name);
    auto t = (dir / (name + ".trace.json")).string();
    auto c = (dir / (name + ".chrome.json")).string();
    auto r = test::run_gosim({"run", entry.path().string(), "--mode", mode, "--trace", t, "--chrome", c, "-q"});
    CHECK_MESSAGE((r.exit_code == 0 || r.exit_code == 1), r.err);  // 1: a deadlock scenario
    std::string error;
    auto trace = trace::read_gosim_json(t, &error);
    REQUIRE_MESSAGE(trace.has_value(), error);
    CHECK((r.exit_code == 0) == (trace->outcome.status == trace::RunOutcome::Status::Ok));
    auto problems = trace::check_trace(*trace);
    CHECK_MESSAGE(problems.empty(), joined(problems));
    CHECK(trace::to_gosim_json(*trace) == test::read_file(t));
    json chrome = json::parse(test::read_file(c), nullptr, false);
    REQUIRE_FALSE(chrome.is_discarded());
    auto chrome_issues = chrome_problems(chrome);
    CHECK_MESSAGE(chrome_issues.empty(), joined(chrome_issues));
    ++checked;
  }
  CHECK(checked >= 5);
}

}  // namespace

TEST_CASE("trace cli: every bundled scenario's sim trace passes check_trace") { check_every_scenario("sim"); }

// Real mode too: the trace stops where main returns, as Go's does (a G still
// running then, like producer-consumer's consumer after its wg_done, has no
// GoEnd and its P no ProcStop; check_trace's rule E only asks main to end).
TEST_CASE("trace cli: every bundled scenario's real-mode trace passes check_trace") {
  check_every_scenario("real");
}
