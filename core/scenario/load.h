// Reading a scenario file: JSON parsing, validation with located errors, and
// config overrides. Every problem found is reported, each with the file,
// line:column, JSON path and what was expected. Nothing here throws.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace gosim::scenario {

struct Diagnostic {
  std::string file;     // as given by the user; "<command line>" for --set
  std::int32_t line = 0;    // 1-based; 0 if unknown
  std::int32_t column = 0;  // 1-based
  std::string path;     // JSON pointer, e.g. "/functions/main/2/compute"
  std::string message;  // what was wrong and what was expected
  std::string hint;     // optional: "did you mean \"capacity\"?"
};

// "file:line:col: error: at /path: message (did you mean ...?)"
std::string format_diagnostic(const Diagnostic& d);

struct LoadResult {
  std::shared_ptr<const Scenario> scenario;  // null if there were errors
  std::vector<Diagnostic> errors;
  bool ok() const { return scenario != nullptr; }
};

// Parses and validates scenario JSON text. `file` names it in diagnostics.
LoadResult load_scenario_text(std::string_view text, std::string_view file);

// Reads a file (bounded in size) and loads it.
LoadResult load_scenario_file(const std::string& path);

// Applies `key=value` overrides (gosim run --set) to a loaded scenario's config,
// returning a new scenario, or errors naming the bad override.
LoadResult apply_overrides(std::shared_ptr<const Scenario> scenario,
                           const std::vector<std::string>& overrides);

// Canonical JSON of a scenario (what the hash covers), in scenario-file form:
// built from the model, keys sorted, no whitespace, every default written out.
// It loads back into the same scenario.
std::string canonical_json(const Scenario& scenario);

// 16 hex digits: FNV-1a 64 over canonical_json (what Scenario::hash holds).
std::string scenario_hash(const Scenario& scenario);

}  // namespace gosim::scenario
