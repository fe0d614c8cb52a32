// The trace header that describes a run of a compiled scenario: its name,
// hash and description, the names its events refer to by index, and the full
// effective config. Both engines' callers (the CLI, tests, benchmarks) build
// it here so a trace from either mode names things the same way.
#pragma once

#include <string_view>

#include "scenario/program.h"
#include "trace/event.h"

namespace gosim::trace {

// `mode` is "sim" (virtual clock) or "real" (wall clock). gosim_version is
// left empty: only the binary knows its version.
TraceHeader scenario_header(const scenario::Program& program, std::string_view mode);

}  // namespace gosim::trace
