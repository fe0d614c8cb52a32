// One trace event from its fields (trace/event.h gives their meaning per
// kind): the one place hand-built test and benchmark traces make events
// (the trace fixtures, the view's TraceBuilder and synthetic trace).
#pragma once

#include <cstdint>

#include "trace/event.h"

namespace gosim::test {

inline trace::Event make_event(trace::Nanos t, trace::EventKind kind, std::int32_t g = -1, std::int32_t p = -1,
                               std::int32_t m = -1, std::int64_t a0 = 0, std::int64_t a1 = 0, std::int64_t a2 = 0,
                               trace::Why why = trace::Why::None, std::uint8_t reason = 0) {
  return trace::Event{t, kind, reason, why, g, p, m, a0, a1, a2};
}

}  // namespace gosim::test
