// Sim mode: a deterministic discrete-event model of Go 1.19's scheduler
// (docs/model.md maps each mechanism to the Go function it mirrors).
#pragma once

#include "scenario/program.h"
#include "trace/sink.h"

namespace gosim::sim {

// Runs the program in virtual time on one thread, emitting every event into
// `sink` (but not begin/end: the caller owns the header and the outcome).
// Same program, config and seed => the same events, byte for byte.
trace::RunOutcome simulate(const scenario::Program& program, trace::TraceSink& sink);

}  // namespace gosim::sim
