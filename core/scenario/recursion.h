// The rule that keeps recursive spawning finite (docs/scenario-format.md,
// "Recursion"): every cycle of go edges between functions must change n in
// one direction only and pass through a go that moves n towards a bound
// checked by an enclosing if.
#pragma once

#include <string_view>
#include <vector>

#include "scenario/load.h"
#include "scenario/scenario.h"

namespace gosim::scenario {

// Appends a Diagnostic for every go op that makes a spawn cycle unbounded.
// Go ops with unresolved targets (target < 0) are ignored.
void check_recursion(const Scenario& scenario, std::string_view file, std::vector<Diagnostic>& errors);

}  // namespace gosim::scenario
