// Random access to the scheduler state of a trace: the state after any
// number of events, for stepping forwards and backwards. Forward steps apply
// one event; going back restarts from the nearest saved checkpoint.
//
// Steps are the scheduler's events: Counter events (queue lengths, heap
// size, sampled by the writer) change nothing a learner steps through, so
// step k is the state right after the k-th event that is not a Counter.
#pragma once

#include <cstddef>
#include <vector>

#include "trace/sink.h"
#include "view/sched_state.h"

namespace gosim::view {

class Replayer {
 public:
  explicit Replayer(const trace::Trace& trace);

  // The state after the first n events (0: before any), n clamped to size().
  const SchedState& seek(std::size_t n);
  std::size_t size() const { return trace_.events.size(); }
  const trace::Trace& trace() const { return trace_; }

  // How many events happen at or before time t (so seek(events_until(t)) is
  // the state at t).
  std::size_t events_until(Nanos t) const;

  std::size_t steps() const { return steps_.size(); }
  // Events to apply for step k (0: none; k: through the k-th step's event).
  std::size_t events_for_step(std::size_t k) const;
  // Steps among the first n events.
  std::size_t step_of(std::size_t n) const;

 private:
  const trace::Trace& trace_;
  SchedState state_;
  std::vector<std::size_t> steps_;  // index of each step's event
  std::vector<SchedState> checkpoints_;  // checkpoints_[k]: after k * kEvery events
  static constexpr std::size_t kEvery = 8192;
  // Copies of states with more Gs than this cost more than replaying.
  static constexpr std::size_t kMaxCheckpointGs = 100000;
};

}  // namespace gosim::view
