// tests/bad through the library (tests/cli/scenario_cli_test.cpp runs the
// same corpus through the gosim binary): every bad file fails to load and
// its diagnostics contain every fragment its .expect file lists.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/load.h"
#include "scenario_test_support.h"

using namespace gosim::scenario;
namespace fs = std::filesystem;

namespace {

struct Expect {
  std::vector<std::string> fragments;
  std::vector<std::string> sets;  // from "@args --set k=v ..."
};

Expect read_expect(const fs::path& p) {
  Expect e;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line == "@schema-rejects") continue;
    if (line.starts_with("@args ")) {
      std::istringstream args(line.substr(6));
      std::string a;
      while (args >> a) {
        if (a != "--set") e.sets.push_back(a);
      }
      continue;
    }
    e.fragments.push_back(line);
  }
  return e;
}

}  // namespace

TEST_CASE("bad corpus: every file is rejected with the expected messages") {
  fs::path dir = fs::path(GOSIM_SOURCE_DIR) / "tests/bad";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    fs::path expect_path = entry.path();
    expect_path.replace_extension(".expect");
    CAPTURE(entry.path().filename().string());
    REQUIRE(fs::exists(expect_path));
    Expect e = read_expect(expect_path);
    CHECK_FALSE(e.fragments.empty());
    LoadResult r = load_scenario_file(entry.path().string());
    if (!e.sets.empty()) {
      REQUIRE(r.ok());  // the file itself is fine; the override is not
      r = apply_overrides(r.scenario, e.sets);
    }
    CHECK_FALSE(r.ok());
    std::string out = gosim::test::all_errors(r);
    for (const std::string& f : e.fragments) {
      INFO("missing fragment: " << f << "\nin:\n" << out);
      CHECK(out.find(f) != std::string::npos);
    }
    ++files;
  }
  CHECK(files >= 30);
}

TEST_CASE("bad corpus: every bundled scenario is valid") {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(GOSIM_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().filename().string());
    LoadResult r = load_scenario_file(entry.path().string());
    INFO(gosim::test::all_errors(r));
    CHECK(r.ok());
    ++files;
  }
  CHECK(files >= 1);
}
