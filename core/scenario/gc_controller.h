// The GC pacer's two numbers, shared by both engines (sim mode's core/sim/gc.cpp
// and real mode's core/runtime/gc.cpp), so a scenario's GC cycles start at
// the same heap sizes in both.
//
// Go 1.19 keeps them in gcControllerState (mgcpacer.go): commit() computes
// gcPercentHeapGoal from the marked heap, and trigger() places the trigger
// between the marked heap and that goal. gosim's simplifications:
//   - no stack or globals scan in the goal: goal = marked + marked*GOGC/100;
//   - heapMinimum is gc.heap_minimum scaled by GOGC/100, as in Go;
//   - the trigger is a fixed fraction (gc.trigger_ratio) of the runway
//     instead of the cons/mark-driven runway of the 1.19 pacer.
// GOGC < 0 (off) gives INT64_MAX for both, as Go's ^uint64(0) goal; the
// config keeps gogc >= 1, so only direct callers can ask for it.
#pragma once

#include <cstdint>

#include "scenario/config.h"

namespace gosim::scenario {

// gcControllerState.commit: gcPercentHeapGoal, at least heapMinimum.
inline std::int64_t gc_percent_heap_goal(const GcConfig& c, std::int64_t heap_marked) {
  if (c.gogc < 0) return INT64_MAX;
  const std::int64_t goal = heap_marked + heap_marked * c.gogc / 100;
  const std::int64_t minimum = c.heap_minimum * c.gogc / 100;
  return goal < minimum ? minimum : goal;
}

// gcControllerState.trigger: heap_live at which the next cycle starts.
inline std::int64_t gc_trigger(const GcConfig& c, std::int64_t heap_marked) {
  const std::int64_t goal = gc_percent_heap_goal(c, heap_marked);
  if (goal == INT64_MAX) return INT64_MAX;
  return heap_marked + static_cast<std::int64_t>(c.trigger_ratio * static_cast<double>(goal - heap_marked));
}

}  // namespace gosim::scenario
