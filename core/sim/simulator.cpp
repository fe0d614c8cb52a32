// PLACEHOLDER: replaced by the simulator implementation.
#include "sim/simulator.h"
#include <stdexcept>
namespace gosim::sim {
trace::RunOutcome simulate(const scenario::Program&, trace::TraceSink&) {
  throw std::logic_error("sim mode is not implemented yet");
}
}  // namespace gosim::sim
