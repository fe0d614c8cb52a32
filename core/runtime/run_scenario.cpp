// PLACEHOLDER: replaced by the real-mode runtime.
#include "runtime/run_scenario.h"
#include <stdexcept>
namespace gosim::runtime {
trace::RunOutcome run_scenario(const scenario::Program&, trace::TraceSink&) {
  throw std::logic_error("real mode is not implemented yet");
}
}  // namespace gosim::runtime
