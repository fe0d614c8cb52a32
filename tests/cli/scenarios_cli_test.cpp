// The bundled scenarios through the real gosim binary: each runs and exits as
// its lesson says (0, or 1 for the deadlock), runs are deterministic byte for
// byte, `gosim validate` accepts them all, and every `gosim run ... --set ...`
// command printed in a description, scenarios/README.md or docs/teaching.md
// is accepted.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using gosim::test::run_gosim;

// Scenarios whose lesson is a failed run (exit status 1).
bool expect_failure(const std::string& stem) { return stem == "deadlock"; }

std::vector<fs::path> bundled() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(GOSIM_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The `gosim run scenarios/X.json [--set k=v]...` commands in a text, as
// argument lists (output options are dropped: only the run itself is checked).
std::vector<std::vector<std::string>> run_commands(const std::string& text) {
  static const std::regex cmd(R"(gosim run (scenarios/[A-Za-z0-9_-]+\.json)((?: +--[a-z]+(?: +[^ `'"\n]+)?)*))");
  static const std::regex set(R"(--set +([A-Za-z_.]+=[A-Za-z0-9_.]+))");
  std::vector<std::vector<std::string>> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), cmd); it != std::sregex_iterator(); ++it) {
    std::vector<std::string> args{"run", gosim::test::source_path((*it)[1]), "-q"};
    std::string opts = (*it)[2];
    for (auto s = std::sregex_iterator(opts.begin(), opts.end(), set); s != std::sregex_iterator(); ++s) {
      std::string kv = (*s)[1];
      while (!kv.empty() && kv.back() == '.') kv.pop_back();
      args.push_back("--set");
      args.push_back(kv);
    }
    out.push_back(args);
  }
  return out;
}

std::string joined(const std::vector<std::string>& args) {
  std::string s = "gosim";
  for (const auto& a : args) s += " " + a;
  return s;
}

void check_commands_of(const fs::path& doc, std::size_t at_least) {
  const std::string text = gosim::test::read_file(doc);
  REQUIRE_MESSAGE(!text.empty(), doc.string() << " is missing or empty");
  auto cmds = run_commands(text);
  CHECK(cmds.size() >= at_least);
  for (const auto& args : cmds) {
    auto r = run_gosim(args);
    INFO(doc.filename().string() << ": " << joined(args) << "\nstderr: " << r.err);
    bool deadlock = args[1].find("deadlock.json") != std::string::npos;
    CHECK(r.exit_code == (deadlock ? 1 : 0));
  }
}

}  // namespace

TEST_CASE("scenarios cli: every bundled scenario runs and exits as its lesson says") {
  auto files = bundled();
  REQUIRE(files.size() >= 14);
  for (const auto& f : files) {
    auto r = run_gosim({"run", f.string()}, 120, {"NO_COLOR=1"});
    INFO(f.filename().string() << "\nstdout: " << r.out << "\nstderr: " << r.err);
    if (expect_failure(f.stem().string())) {
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("fatal error: all goroutines are asleep - deadlock!") != std::string::npos);
    } else {
      CHECK(r.exit_code == 0);
      CHECK(!r.out.empty());  // the summary
    }
  }
}

TEST_CASE("scenarios cli: the same scenario gives the same trace, byte for byte") {
  auto dir = gosim::test::temp_dir("scenarios-determinism");
  for (const auto& f : bundled()) {
    auto a = dir / (f.stem().string() + ".a.json");
    auto b = dir / (f.stem().string() + ".b.json");
    auto ra = run_gosim({"run", f.string(), "-q", "--trace", a.string()});
    auto rb = run_gosim({"run", f.string(), "-q", "--trace", b.string()});
    INFO(f.filename().string() << "\nstderr: " << ra.err);
    int expected = expect_failure(f.stem().string()) ? 1 : 0;
    CHECK(ra.exit_code == expected);
    CHECK(rb.exit_code == expected);
    const std::string ta = gosim::test::read_file(a);
    const std::string tb = gosim::test::read_file(b);
    CHECK(!ta.empty());
    CHECK(ta == tb);
  }
}

TEST_CASE("scenarios cli: gosim validate accepts every bundled scenario") {
  std::vector<std::string> args{"validate"};
  for (const auto& f : bundled()) args.push_back(f.string());
  auto r = run_gosim(args);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("scenarios cli: the commands in the scenario descriptions run") {
  // Descriptions are JSON strings; the raw file text holds the same commands.
  std::size_t total = 0;
  for (const auto& f : bundled()) {
    const std::string text = gosim::test::read_file(f);
    for (const auto& args : run_commands(text)) {
      ++total;
      auto r = run_gosim(args);
      INFO(f.filename().string() << ": " << joined(args) << "\nstderr: " << r.err);
      bool deadlock = args[1].find("deadlock.json") != std::string::npos;
      CHECK(r.exit_code == (deadlock ? 1 : 0));
    }
  }
  CHECK(total >= 14);
}

TEST_CASE("scenarios cli: the commands in scenarios/README.md run") {
  check_commands_of(fs::path(GOSIM_SOURCE_DIR) / "scenarios" / "README.md", 14);
}

TEST_CASE("scenarios cli: the commands in docs/teaching.md run") {
  check_commands_of(fs::path(GOSIM_SOURCE_DIR) / "docs" / "teaching.md", 14);
}

namespace {

// The `gosim ...` lines of a document's ```sh blocks, in order, as argument
// lists: comments dropped, scenarios/... made absolute, every other file
// name (traces, pages) put in `dir`, so the lines can run one after another
// as a reader would type them.
std::vector<std::vector<std::string>> code_block_commands(const std::string& text, const fs::path& dir) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(text);
  std::string line;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block;
      continue;
    }
    if (!in_block || line.rfind("gosim ", 0) != 0) continue;
    if (auto hash = line.find(" #"); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string w;
    words >> w;  // "gosim"
    std::vector<std::string> args;
    while (words >> w) {
      if (w.rfind("scenarios/", 0) == 0) {
        w = gosim::test::source_path(w);
      } else if (w.find('/') == std::string::npos &&
                 (w.ends_with(".json") || w.ends_with(".html") || w.ends_with(".txt"))) {
        w = (dir / w).string();
      }
      args.push_back(w);
    }
    out.push_back(args);
  }
  return out;
}

void run_code_blocks(const fs::path& doc, const std::string& tag, std::size_t at_least) {
  const std::string text = gosim::test::read_file(doc);
  REQUIRE_MESSAGE(!text.empty(), doc.string() << " is missing or empty");
  auto dir = gosim::test::temp_dir(tag);
  auto cmds = code_block_commands(text, dir);
  CHECK(cmds.size() >= at_least);
  for (const auto& args : cmds) {
    auto r = run_gosim(args, 120, {"NO_COLOR=1"});
    INFO(doc.filename().string() << ": " << joined(args) << "\nstderr: " << r.err);
    bool deadlock = args.size() > 1 && args[0] == "run" && args[1].find("deadlock.json") != std::string::npos;
    CHECK(r.exit_code == (deadlock ? 1 : 0));
  }
}

}  // namespace

TEST_CASE("scenarios cli: every command in docs/teaching.md's code blocks runs, in order") {
  run_code_blocks(fs::path(GOSIM_SOURCE_DIR) / "docs" / "teaching.md", "teaching-commands", 30);
}

TEST_CASE("scenarios cli: every command in scenarios/README.md's code blocks runs, in order") {
  run_code_blocks(fs::path(GOSIM_SOURCE_DIR) / "scenarios" / "README.md", "readme-commands", 5);
}
