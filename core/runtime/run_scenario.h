// Real mode: runs a scenario on gosim's own M:N runtime (OS threads as Ms,
// user-space goroutines switched by our assembly), emitting wall-clock events.
#pragma once

#include <cstdint>

#include "scenario/program.h"
#include "trace/sink.h"

namespace gosim::runtime {

struct RealOptions {
  bool tracing = true;               // record events (per-M buffers, merged at the end)
  std::int64_t* run_ns = nullptr;    // if set: wall time of the run itself, without the merge
};

// Runs the program for real, then emits its events into `sink` in time order
// (but not begin/end: the caller owns the header and the outcome).
trace::RunOutcome run_scenario(const scenario::Program& program, trace::TraceSink& sink);
trace::RunOutcome run_scenario(const scenario::Program& program, trace::TraceSink& sink, const RealOptions& options);

}  // namespace gosim::runtime
