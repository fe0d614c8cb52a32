// `gosim validate` and `gosim run` on the bad-input corpus (tests/bad): each
// bad file makes both exit 2 with every expected fragment on stderr; valid
// files validate with one "ok" line; --json and --set work as documented.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using gosim::test::run_gosim;
using gosim::test::source_path;

struct BadCase {
  fs::path file;
  std::vector<std::string> args;       // extra arguments ("@args" in the .expect file)
  std::vector<std::string> fragments;  // must all appear on stderr
};

std::vector<BadCase> bad_corpus() {
  std::vector<BadCase> out;
  for (const auto& e : fs::directory_iterator(fs::path(GOSIM_SOURCE_DIR) / "tests/bad")) {
    if (e.path().extension() != ".json") continue;
    BadCase c{e.path(), {}, {}};
    fs::path expect = e.path();
    expect.replace_extension(".expect");
    std::ifstream in(expect);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#' || line == "@schema-rejects") continue;
      if (line.starts_with("@args ")) {
        std::istringstream args(line.substr(6));
        for (std::string a; args >> a;) c.args.push_back(a);
        continue;
      }
      c.fragments.push_back(line);
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const BadCase& a, const BadCase& b) { return a.file < b.file; });
  return out;
}

void check_bad(const std::string& subcommand) {
  auto corpus = bad_corpus();
  CHECK(corpus.size() >= 30);
  for (const BadCase& c : corpus) {
    CAPTURE(c.file.filename().string());
    std::vector<std::string> args{subcommand, c.file.string()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_gosim(args, 60);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    REQUIRE_FALSE(c.fragments.empty());
    for (const std::string& f : c.fragments) {
      INFO("missing: " << f << "\nstderr:\n" << r.err);
      CHECK(r.err.find(f) != std::string::npos);
    }
  }
}

}  // namespace

TEST_CASE("validate: every bad file exits 2 with its expected messages") { check_bad("validate"); }

TEST_CASE("run: every bad file exits 2 with its expected messages") { check_bad("run"); }

TEST_CASE("validate: all bundled scenarios are valid, one ok line each") {
  std::vector<std::string> args{"validate"};
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(GOSIM_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() == ".json") {
      args.push_back(e.path().string());
      ++n;
    }
  }
  REQUIRE(n > 0);
  auto r = run_gosim(args);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n')) == n);
  for (std::size_t i = 1; i < args.size(); ++i) CHECK(r.out.find("ok  " + args[i] + ": ") != std::string::npos);
}

TEST_CASE("validate: the ok line names the scenario and what it declares") {
  auto dir = gosim::test::temp_dir("validate-ok");
  auto file = (dir / "s.json").string();
  gosim::test::write_file(file, R"({"gosim": 1, "name": "two", "description": "d", "config": {"gomaxprocs": 3},
    "channels": {"c": {}}, "mutexes": ["a", "b"], "waitgroups": ["wg"],
    "functions": {"main": [{"go": "w"}], "w": []}})");
  auto r = run_gosim({"validate", file});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok  " + file + ": two — 2 functions, 1 channel, 2 mutexes, 1 wait group, GOMAXPROCS 3\n");
  // --set is applied before the summary.
  r = run_gosim({"validate", file, "--set", "gomaxprocs=8"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("GOMAXPROCS 8") != std::string::npos);
}

TEST_CASE("validate: a mix of good and bad files exits 2 and reports only the bad one") {
  auto good = source_path("scenarios/hello.json");
  auto bad = source_path("tests/bad/unknown-op.json");
  auto r = run_gosim({"validate", good, bad});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("ok  " + good) != std::string::npos);
  CHECK(r.out.find(bad) == std::string::npos);
  CHECK(r.err.find(bad + ":8:8: error: at /functions/main/1/comptue") != std::string::npos);
  CHECK(r.err.find("gosim: 1 error in " + bad) != std::string::npos);
}

TEST_CASE("validate --json: diagnostics as JSON on stdout") {
  auto bad = source_path("tests/bad/multiple-errors.json");
  auto good = source_path("scenarios/hello.json");
  auto r = run_gosim({"validate", "--json", bad, good});
  CHECK(r.exit_code == 2);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 2);
  CHECK(j[0]["file"] == bad);
  CHECK(j[0]["ok"] == false);
  REQUIRE(j[0]["errors"].size() >= 2);
  const auto& e = j[0]["errors"][0];
  CHECK(e["line"] == 8);
  CHECK(e["column"] == 16);
  CHECK(e["path"] == "/functions/main/0/send");
  CHECK(e["hint"] == "did you mean \"jobs\"?");
  CHECK(j[1]["ok"] == true);
  CHECK(j[1]["name"] == "hello");
  CHECK(j[1]["hash"].get<std::string>().size() == 16);
  CHECK(j[1]["errors"].empty());
}

TEST_CASE("validate: missing files, directories and no arguments") {
  auto r = run_gosim({"validate", "/nonexistent/file.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/nonexistent/file.json: error: cannot read the scenario: no such file") != std::string::npos);
  r = run_gosim({"validate", GOSIM_SOURCE_DIR});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("directory") != std::string::npos);
  r = run_gosim({"validate"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("validate: too deep, too big and binary input are refused with a message") {
  auto dir = gosim::test::temp_dir("validate-limits");
  auto deep = (dir / "deep.json").string();
  gosim::test::write_file(deep, "{\"gosim\": 1, \"x\": " + std::string(200000, '[') + std::string(200000, ']') + "}");
  auto r = run_gosim({"validate", deep});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(deep + ":1:") != std::string::npos);
  CHECK(r.err.find("nested more than 128 levels") != std::string::npos);

  auto big = (dir / "big.json").string();
  {
    std::ofstream out(big, std::ios::binary);
    std::string chunk(1 << 20, ' ');
    for (int i = 0; i < 17; ++i) out << chunk;
  }
  r = run_gosim({"validate", big});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("larger than 16MiB") != std::string::npos);

  r = run_gosim({"run", deep});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("nested more than 128 levels") != std::string::npos);
}

TEST_CASE("validate: --set before the files takes one value each") {
  auto hello = source_path("scenarios/hello.json");
  auto r = run_gosim({"validate", "--set", "gomaxprocs=3", hello, "--set", "seed=4"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ok  " + hello + ": hello") != std::string::npos);
  CHECK(r.out.find("GOMAXPROCS 3") != std::string::npos);
}
