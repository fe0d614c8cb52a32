#include "view/replayer.h"

#include <algorithm>

namespace gosim::view {

Replayer::Replayer(const trace::Trace& trace) : trace_(trace), state_(trace.header) {
  checkpoints_.push_back(state_);
  for (std::size_t i = 0; i < trace.events.size(); ++i)
    if (trace.events[i].kind != trace::EventKind::Counter) steps_.push_back(i);
}

std::size_t Replayer::events_for_step(std::size_t k) const {
  if (k == 0 || steps_.empty()) return 0;
  return steps_[std::min(k, steps_.size()) - 1] + 1;
}

std::size_t Replayer::step_of(std::size_t n) const {
  return static_cast<std::size_t>(std::lower_bound(steps_.begin(), steps_.end(), n) - steps_.begin());
}

const SchedState& Replayer::seek(std::size_t n) {
  n = std::min(n, size());
  auto at = static_cast<std::size_t>(state_.applied);
  if (n < at) {
    std::size_t k = std::min(n / kEvery, checkpoints_.size() - 1);
    state_ = checkpoints_[k];
    at = static_cast<std::size_t>(state_.applied);
  }
  while (at < n) {
    state_.apply(trace_.events[at]);
    ++at;
    if (at % kEvery == 0 && at / kEvery == checkpoints_.size() && state_.gs.size() <= kMaxCheckpointGs)
      checkpoints_.push_back(state_);
  }
  return state_;
}

std::size_t Replayer::events_until(Nanos t) const {
  auto it = std::upper_bound(trace_.events.begin(), trace_.events.end(), t,
                             [](Nanos v, const trace::Event& e) { return v < e.t; });
  return static_cast<std::size_t>(it - trace_.events.begin());
}

}  // namespace gosim::view
