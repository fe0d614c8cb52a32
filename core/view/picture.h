// `gosim view --step`: the classic G/M/P picture of the scheduler at one
// moment. Each P with the M that holds it, its running G, runnext and local
// queue; the global queue; every M (running, spinning, idle in the thread
// cache, blocked in a syscall); the netpoller, timers and blocked Gs; GC and
// stop-the-world; and the last event with its why in words.
#pragma once

#include <string>

#include "trace/sink.h"
#include "view/sched_state.h"
#include "view/style.h"

namespace gosim::view {

struct PictureOptions {
  int width = 80;
  Style style;
};

// The picture of `state`, which must be the replay of the first
// state.applied events of `trace`; it is step `step` of `steps` (the
// header names the last scheduler event applied, with its why).
std::string render_picture(const SchedState& state, const trace::Trace& trace, const PictureOptions& options,
                           std::size_t step, std::size_t steps);

}  // namespace gosim::view
