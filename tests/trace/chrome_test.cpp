#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "trace/chrome.h"
#include "trace_fixtures.h"

using namespace gosim::test;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json write_chrome(const Trace& t, const std::string& name) {
  auto dir = fs::path(GOSIM_BINARY_DIR) / "test-tmp" / ("chrome-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = (dir / "c.json").string();
  std::string error;
  auto w = ChromeTraceWriter::create(path, &error);
  REQUIRE_MESSAGE(w, error);
  replay(t, *w);
  REQUIRE_MESSAGE(w->commit(&error), error);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());  // throws (fails the test) if not valid JSON
}

std::map<std::pair<int, int>, std::string> thread_names(const json& j) {
  std::map<std::pair<int, int>, std::string> names;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") names[{e["pid"], e["tid"]}] = e["args"]["name"];
  }
  return names;
}

}  // namespace

TEST_CASE("chrome: valid JSON with a track per P and per M") {
  json j = write_chrome(story(), "tracks");
  REQUIRE(j["traceEvents"].is_array());
  CHECK(j["displayTimeUnit"] == "ns");
  auto names = thread_names(j);
  std::set<std::string> all;
  for (auto& [k, v] : names) all.insert(v);
  for (const char* want : {"P0", "P1", "M0", "M1", "M2", "GC", "STW"}) {
    INFO(want);
    CHECK(all.count(want) == 1);
  }
}

TEST_CASE("chrome: G slices on P tracks, syscalls on M tracks, every slice closed") {
  json j = write_chrome(story(), "slices");
  auto names = thread_names(j);
  std::multiset<std::string> on_p1;
  bool syscall_on_m0 = false;
  for (const auto& e : j["traceEvents"]) {
    CHECK(e["ph"] != "B");  // slices are complete events, so none is left open
    CHECK(e["ph"] != "E");
    if (e["ph"] != "X") continue;
    REQUIRE(e["dur"].is_number());
    CHECK(e["dur"].get<double>() >= 0);
    std::string track = names[{e["pid"], e["tid"]}];
    if (track == "P1") on_p1.insert(e["name"].get<std::string>());
    if (track == "M0" && e["name"] == "syscall G3 worker") {
      syscall_on_m0 = true;
      CHECK(e["ts"].get<double>() == doctest::Approx(0.7));    // 700ns
      CHECK(e["dur"].get<double>() == doctest::Approx(1.0));   // to 1700ns
    }
  }
  CHECK(on_p1.count("G2 worker") == 1);
  CHECK(on_p1.count("G1 main") == 3);   // 950-1700, 1850-1900, 2000-2300
  CHECK(on_p1.count("mark assist") == 1);
  CHECK(syscall_on_m0);
}

TEST_CASE("chrome: flows pair s with f by id, from creator or waker to the woken G") {
  json j = write_chrome(story(), "flows");
  std::map<long, std::vector<json>> flows;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "s" || e["ph"] == "f") flows[e["id"].get<long>()].push_back(e);
  }
  // G2 and G3 created by G1, G1 woken by G2: three arrows.
  CHECK(flows.size() == 3);
  for (auto& [id, pair] : flows) {
    INFO("flow " << id);
    REQUIRE(pair.size() == 2);
    CHECK(pair[0]["ph"] == "s");
    CHECK(pair[1]["ph"] == "f");
    CHECK(pair[0]["ts"].get<double>() <= pair[1]["ts"].get<double>());
  }
  // The wake of G1 by G2 at 600 starts on P1 (where G2 runs) and ends at G1's start at 950.
  bool wake = false;
  for (auto& [id, pair] : flows) {
    if (pair[0]["cat"] == "wake") {
      wake = true;
      CHECK(pair[0]["tid"] == 1);
      CHECK(pair[0]["ts"].get<double>() == doctest::Approx(0.6));
      CHECK(pair[1]["ts"].get<double>() == doctest::Approx(0.95));
    }
  }
  CHECK(wake);
}

TEST_CASE("chrome: counters, instants and GC slices") {
  json j = write_chrome(story(), "counters");
  std::set<std::string> counters, instants, gc;
  auto names = thread_names(j);
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "C") counters.insert(e["name"].get<std::string>());
    if (e["ph"] == "i") instants.insert(e["name"].get<std::string>());
    if (e["ph"] == "X" && (names[{e["pid"], e["tid"]}] == "GC" || names[{e["pid"], e["tid"]}] == "STW")) {
      gc.insert(e["name"].get<std::string>());
    }
  }
  CHECK(counters.count("global run queue") == 1);
  CHECK(counters.count("runq P0") == 1);
  CHECK(instants.count("steal 1 of 2 from P0") == 1);
  CHECK(instants.count("hand-off to M2") == 1);
  CHECK(instants.count("preempt G1") == 1);
  CHECK(gc.count("GC 1") == 1);
  CHECK(gc.count("STW sweep termination") == 1);
}

TEST_CASE("chrome: slices still open at the end are closed, names are escaped") {
  Trace t = story();
  t.events.resize(20);  // G1 blocked, G2 running, G3 in a syscall
  t.header.functions[1] = "work\"er\\";
  t.outcome.status = RunOutcome::Status::LimitExceeded;
  json j = write_chrome(t, "open");
  int g2 = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "G2 work\"er\\") {
      ++g2;
      CHECK(e["ts"].get<double>() + e["dur"].get<double>() == doctest::Approx(0.8));  // the last event
    }
  }
  CHECK(g2 == 1);
  CHECK(j["otherData"]["status"] == "limit");
}

TEST_CASE("chrome: timestamps keep nanoseconds") {
  Trace t;
  t.header = story_header();
  t.events = {ev(1234567, EventKind::Counter, -1, -1, -1, 5, 0, 0, r(CounterId::Threads))};
  json j = write_chrome(t, "ns");
  bool found = false;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "C") {
      found = true;
      CHECK(e["ts"].get<double>() == doctest::Approx(1234.567));
      CHECK(e["args"]["value"] == 5);
    }
  }
  CHECK(found);
}

TEST_CASE("chrome: a GoStart after a fast syscall exit continues the same slice") {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  t.events = {
      ev(0, K::GoCreate, 1, 0, 0, -1, 1),
      ev(10, K::GoStart, 1, 0, 0),
      ev(20, K::GoSysCall, 1, 0, 0, 100),
      ev(120, K::GoSysExit, 1, 0, 0, 0, 0, 0, r(SysExitPath::FastOldP)),
      ev(120, K::GoStart, 1, 0, 0, 0, 0, 0, 0, Why::StartSyscallFast),
      ev(200, K::GoEnd, 1, 0, 0),
  };
  json j = write_chrome(t, "fastexit");
  std::vector<std::pair<double, double>> slices;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "G1 worker") slices.push_back({e["ts"], e["dur"]});
  }
  REQUIRE(slices.size() == 2);  // 10-20 and 120-200, no empty slice at 120
  std::sort(slices.begin(), slices.end());
  CHECK(slices[1].first == doctest::Approx(0.12));
  CHECK(slices[1].second == doctest::Approx(0.08));
}
