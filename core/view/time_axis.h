// Times for people on a time axis: round tick steps (1, 2, 5 x 10^k ns) and
// labels in the largest unit that keeps them short ("0", "500us", "1.5ms").
#pragma once

#include <string>

#include "trace/event.h"

namespace gosim::view {

// The smallest 1/2/5 x 10^k step that splits `span` into at most max_ticks.
trace::Nanos nice_step(trace::Nanos span, int max_ticks);

// "0", "750ns", "2.5us", "1.25ms", "3s": up to three decimals, trailing zeros dropped.
std::string format_time(trace::Nanos t);

}  // namespace gosim::view
