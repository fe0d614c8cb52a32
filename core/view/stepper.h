// Stepping through a trace event by event: interactively on a terminal, or
// as a printout of chosen steps (for handouts). Step k is the scheduler's
// state after its k-th event (Counter events are not steps, see replayer.h);
// step 0 is the state before any.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "trace/sink.h"
#include "view/picture.h"

namespace gosim::view {

struct StepOptions {
  PictureOptions picture;
  std::optional<trace::Nanos> at;      // the state at this time (after every event at or before it)
  std::optional<std::size_t> first;    // a range of steps, inclusive
  std::optional<std::size_t> last;
};

// Parses "A..B", "A.." or "A" into a step range; false and *error if malformed.
bool parse_step_range(std::string_view text, std::size_t* first, std::optional<std::size_t>* last,
                      std::string* error);

// Prints the pictures asked for: --at gives one, a range gives each step in
// it, neither gives every step. False and *error if they are outside the trace.
bool print_steps(const trace::Trace& trace, const StepOptions& options,
                 const std::function<void(std::string_view)>& write, std::string* error);

// The interactive stepper on the terminal; returns when the user quits.
// False and *error if the starting point is outside the trace or stdin is
// not a terminal.
bool run_stepper(const trace::Trace& trace, const StepOptions& options, std::string* error);

// The keys, for the screen's footer and --help.
std::string_view stepper_keys();

}  // namespace gosim::view
