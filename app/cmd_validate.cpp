// gosim validate: check scenario files without running them. For each valid
// file one line on stdout ("ok  FILE: NAME — 2 functions, ..."); for each
// invalid one every diagnostic on stderr. Exit 0 if all are valid, 2 if not.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "scenario/load.h"

namespace gosim::app {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  std::vector<std::string> sets;
  bool json = false;
};

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// "2 functions, 1 channel, 1 wait group, GOMAXPROCS 2": what the file declares.
std::string describe(const scenario::Scenario& s) {
  std::string out = plural(s.functions.size(), "function", "functions");
  if (!s.channels.empty()) out += ", " + plural(s.channels.size(), "channel", "channels");
  if (!s.mutexes.empty()) out += ", " + plural(s.mutexes.size(), "mutex", "mutexes");
  if (!s.waitgroups.empty()) out += ", " + plural(s.waitgroups.size(), "wait group", "wait groups");
  out += fmt::format(", GOMAXPROCS {}", s.config.gomaxprocs);
  return out;
}

nlohmann::json diagnostic_json(const scenario::Diagnostic& d) {
  return {{"file", d.file}, {"line", d.line},       {"column", d.column},
          {"path", d.path}, {"message", d.message}, {"hint", d.hint}};
}

int run(const ValidateOptions& o) {
  bool all_ok = true;
  nlohmann::json report = nlohmann::json::array();
  for (const std::string& file : o.files) {
    scenario::LoadResult r = scenario::load_scenario_file(file);
    if (r.ok() && !o.sets.empty()) r = scenario::apply_overrides(r.scenario, o.sets);
    all_ok = all_ok && r.ok();
    if (o.json) {
      nlohmann::json entry = {{"file", file}, {"ok", r.ok()}};
      if (r.ok()) {
        const scenario::Scenario& s = *r.scenario;
        entry["name"] = s.name;
        entry["hash"] = s.hash;
        entry["functions"] = s.functions.size();
        entry["channels"] = s.channels.size();
        entry["mutexes"] = s.mutexes.size();
        entry["waitgroups"] = s.waitgroups.size();
        entry["gomaxprocs"] = s.config.gomaxprocs;
      }
      entry["errors"] = nlohmann::json::array();
      for (const auto& d : r.errors) entry["errors"].push_back(diagnostic_json(d));
      report.push_back(std::move(entry));
      continue;
    }
    if (r.ok()) {
      std::printf("ok  %s: %s — %s\n", file.c_str(), r.scenario->name.c_str(), describe(*r.scenario).c_str());
    } else {
      for (const auto& d : r.errors) std::fprintf(stderr, "%s\n", scenario::format_diagnostic(d).c_str());
      std::fprintf(stderr, "gosim: %s in %s\n", plural(r.errors.size(), "error", "errors").c_str(), file.c_str());
    }
  }
  if (o.json) {
    // Non-ASCII bytes are replaced, not thrown on: file names may be anything.
    std::printf("%s\n", report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return all_ok ? kExitOk : kExitUsage;
}

}  // namespace

Command add_validate_command(CLI::App& root) {
  auto o = std::make_shared<ValidateOptions>();
  CLI::App* cmd = root.add_subcommand(
      "validate", "Check scenario files and report every problem with its line, column and JSON path");
  cmd->add_option("files", o->files, "Scenario files (JSON)")->required();
  // One value per --set, so `--set k=v FILE...` leaves the files to the positional.
  cmd->add_option("--set", o->sets, "Check a config override too, e.g. --set gomaxprocs=8")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_flag("--json", o->json, "Print the results (and diagnostics) as JSON on stdout");
  return {cmd, [o] { return run(*o); }};
}

}  // namespace gosim::app
