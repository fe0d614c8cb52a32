// Sim mode's entry point: see sched.cpp for the design of the simulator.
#include "sim/simulator.h"

#include "sim/sched.h"

namespace gosim::sim {

trace::RunOutcome simulate(const scenario::Program& program, trace::TraceSink& sink) {
  Sched sched(program, sink);
  return sched.run();
}

}  // namespace gosim::sim
