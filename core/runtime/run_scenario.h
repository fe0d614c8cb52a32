// Real mode: runs a scenario on gosim's own M:N runtime (OS threads as Ms,
// user-space goroutines switched by our assembly), emitting wall-clock events.
#pragma once

#include "scenario/program.h"
#include "trace/sink.h"

namespace gosim::runtime {

// Runs the program for real, then emits its events into `sink` in time order
// (but not begin/end: the caller owns the header and the outcome).
trace::RunOutcome run_scenario(const scenario::Program& program, trace::TraceSink& sink);

}  // namespace gosim::runtime
