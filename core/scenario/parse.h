// From a parsed JSON document to the scenario model, checking every rule of
// the format (docs/scenario-format.md) and reporting each violation with its
// position. The document is already known to be syntactically valid JSON.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/json_locator.h"
#include "scenario/load.h"
#include "scenario/scenario.h"

namespace gosim::scenario {

// Builds the model; appends a Diagnostic for each problem. The returned
// scenario is only meaningful if no diagnostic was added.
Scenario build_scenario(const nlohmann::ordered_json& doc, const JsonLocator& locator,
                        std::string_view file, std::vector<Diagnostic>& errors);

// The keys that may appear in an op object: op keys and their modifiers.
const std::vector<std::string>& op_keys();

}  // namespace gosim::scenario
