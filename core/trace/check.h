// The trace checks both engines must pass: the vocabulary is known, time never
// goes back, ids are in range, and every G follows Go's state machine
// (created -> runnable -> running -> blocked/syscall/runnable ... -> ended).
// Each rule is documented in docs/trace-format.md, "Checks".
#pragma once

#include <string>
#include <vector>

#include "trace/sink.h"

namespace gosim::trace {

// Problems found, in event order, at most kMaxCheckProblems of them (then one
// line saying how many more). Empty means the trace passes.
inline constexpr std::size_t kMaxCheckProblems = 50;
std::vector<std::string> check_trace(const Trace& t);

}  // namespace gosim::trace
