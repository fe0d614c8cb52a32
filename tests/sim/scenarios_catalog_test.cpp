// The catalogue of bundled scenarios: every file in scenarios/ loads, is named
// after its lesson, teaches it in its description (with a command to try),
// has a signature test, and every `--set` it suggests is a valid override.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scenario/load.h"

namespace {

namespace fs = std::filesystem;
namespace sc = gosim::scenario;

// Scenarios with a TEST_CASE in scenarios_signatures_test.cpp. A new bundled
// scenario must get a signature test and be listed here.
const std::set<std::string> kWithSignatureTest = {
    "hello",          "runnext-lifo",    "global-queue-fairness", "work-stealing",
    "spinning-ms",    "syscall-handoff", "thread-caching",        "netpoller",
    "timers-sleep",   "channel-pingpong", "producer-consumer",    "mutex-starvation",
    "preemption",     "gc-stw-assist",   "deadlock",              "runq-overflow",
};

fs::path scenarios_dir() { return fs::path(GOSIM_SOURCE_DIR) / "scenarios"; }

std::vector<fs::path> bundled() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(scenarios_dir())) {
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string diagnostics_text(const sc::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += sc::format_diagnostic(d) + "\n";
  return out;
}

// Every `--set key=value` in a text, value without trailing punctuation.
std::vector<std::string> suggested_overrides(const std::string& text) {
  static const std::regex re(R"(--set ([A-Za-z_.]+=[A-Za-z0-9_.]+))");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    std::string kv = (*it)[1];
    while (!kv.empty() && kv.back() == '.') kv.pop_back();
    out.push_back(kv);
  }
  return out;
}

}  // namespace

TEST_CASE("scenario catalogue: at least 14 bundled scenarios, each with a signature test") {
  auto files = bundled();
  CHECK(files.size() >= 14);
  std::set<std::string> stems;
  for (const auto& f : files) stems.insert(f.stem().string());
  for (const auto& name : kWithSignatureTest) {
    INFO("listed but missing: scenarios/" << name << ".json");
    CHECK(stems.count(name) == 1);
  }
  for (const auto& name : stems) {
    INFO("scenarios/" << name << ".json has no signature test in scenarios_signatures_test.cpp");
    CHECK(kWithSignatureTest.count(name) == 1);
  }
}

TEST_CASE("scenario catalogue: every bundled scenario loads and teaches its lesson") {
  for (const auto& file : bundled()) {
    INFO(file.string());
    sc::LoadResult r = sc::load_scenario_file(file.string());
    INFO(diagnostics_text(r));
    REQUIRE(r.ok());
    const sc::Scenario& s = *r.scenario;
    CHECK(s.name == file.stem().string());
    // A description that teaches: what to look for, and a command to try.
    CHECK(s.description.size() >= 300);
    std::string run_cmd = "gosim run scenarios/" + file.filename().string();
    CHECK(s.description.find(run_cmd) != std::string::npos);
    // gomaxprocs and seed are fixed in the file, so the lesson does not
    // depend on the machine or the defaults.
    const std::string text = slurp(file);
    CHECK(text.find("\"gomaxprocs\"") != std::string::npos);
    CHECK(text.find("\"seed\"") != std::string::npos);
  }
}

TEST_CASE("scenario catalogue: every --set a description suggests is a valid override") {
  std::size_t total = 0;
  for (const auto& file : bundled()) {
    sc::LoadResult r = sc::load_scenario_file(file.string());
    REQUIRE(r.ok());
    for (const std::string& kv : suggested_overrides(r.scenario->description)) {
      INFO(file.filename().string() << ": --set " << kv);
      sc::LoadResult o = sc::apply_overrides(r.scenario, {kv});
      INFO(diagnostics_text(o));
      CHECK(o.ok());
      ++total;
    }
  }
  CHECK(total >= 14);
}

TEST_CASE("scenario catalogue: the README indexes every bundled scenario") {
  const std::string readme = slurp(scenarios_dir() / "README.md");
  REQUIRE(!readme.empty());
  for (const auto& file : bundled()) {
    INFO(file.filename().string());
    CHECK(readme.find("scenarios/" + file.filename().string()) != std::string::npos);
  }
  for (const std::string& kv : suggested_overrides(readme)) {
    INFO("README: --set " << kv);
    sc::Config c;
    auto eq = kv.find('=');
    const sc::ConfigKey* key = sc::find_config_key(kv.substr(0, eq));
    REQUIRE(key != nullptr);
    CHECK_FALSE(sc::set_config_text(c, *key, kv.substr(eq + 1)).has_value());
  }
}

TEST_CASE("scenario catalogue: the lesson plan walks through every bundled scenario") {
  const std::string plan = slurp(fs::path(GOSIM_SOURCE_DIR) / "docs" / "teaching.md");
  REQUIRE(!plan.empty());
  for (const auto& file : bundled()) {
    INFO(file.filename().string());
    CHECK(plan.find("scenarios/" + file.filename().string()) != std::string::npos);
  }
  for (const std::string& kv : suggested_overrides(plan)) {
    INFO("docs/teaching.md: --set " << kv);
    sc::Config c;
    auto eq = kv.find('=');
    const sc::ConfigKey* key = sc::find_config_key(kv.substr(0, eq));
    REQUIRE(key != nullptr);
    CHECK_FALSE(sc::set_config_text(c, *key, kv.substr(eq + 1)).has_value());
  }
}
