// What several subcommands share: loading a scenario with reported errors,
// and describing a run in a trace header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scenario/load.h"
#include "scenario/program.h"
#include "trace/event.h"

namespace gosim::app {

// Loads, validates and applies overrides; on failure prints every diagnostic
// to stderr and returns null (the caller exits 2).
std::shared_ptr<const scenario::Scenario> load_or_report(const std::string& path,
                                                         const std::vector<std::string>& overrides);

// The header of a trace of `program` run in `mode` ("sim" or "real").
trace::TraceHeader make_trace_header(const scenario::Program& program, const std::string& mode);

}  // namespace gosim::app
