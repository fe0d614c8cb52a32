#include "view/stepper.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "scenario/units.h"
#include "view/replayer.h"
#include "view/terminal.h"
#include "view/time_axis.h"
#include "view/timeline.h"

namespace gosim::view {
namespace {

bool parse_index(std::string_view s, std::size_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// The first step to show, or nullopt and *error.
std::optional<std::size_t> start_step(const trace::Trace& t, const Replayer& r, const StepOptions& o,
                                      std::string* error) {
  if (o.at) {
    trace::Nanos end = trace_end(t);
    if (*o.at < 0 || *o.at > end) {
      *error = fmt::format("--at {} is outside the trace, which spans 0..{}", format_time(*o.at), format_time(end));
      return std::nullopt;
    }
    return r.step_of(r.events_until(*o.at));
  }
  if (o.first) {
    if (*o.first > r.steps()) {
      *error = fmt::format("step {} is outside the trace, which has steps 0..{}", *o.first, r.steps());
      return std::nullopt;
    }
    return *o.first;
  }
  return 0;
}

}  // namespace

std::string_view stepper_keys() {
  return "n/space/right next  p/left previous  N/P 100 steps  0/$ first/last  g go to (2ms or step 42)  q quit";
}

bool parse_step_range(std::string_view text, std::size_t* first, std::optional<std::size_t>* last,
                      std::string* error) {
  auto dots = text.find("..");
  std::string_view a = dots == std::string_view::npos ? text : text.substr(0, dots);
  if (!parse_index(a, first)) {
    *error = fmt::format("--events: expected A..B with event numbers, got \"{}\"", text);
    return false;
  }
  if (dots == std::string_view::npos) {
    *last = *first;
    return true;
  }
  std::string_view b = text.substr(dots + 2);
  if (b.empty()) {
    last->reset();
    return true;
  }
  std::size_t v = 0;
  if (!parse_index(b, &v)) {
    *error = fmt::format("--events: expected A..B with event numbers, got \"{}\"", text);
    return false;
  }
  if (v < *first) {
    *error = fmt::format("--events {}: the range ends before it starts", text);
    return false;
  }
  *last = v;
  return true;
}

bool print_steps(const trace::Trace& trace, const StepOptions& o,
                 const std::function<void(std::string_view)>& write, std::string* error) {
  Replayer r(trace);
  auto start = start_step(trace, r, o, error);
  if (!start) return false;
  if (o.at) {
    // Exactly the state at that time: every event at or before it.
    write(render_picture(r.seek(r.events_until(*o.at)), trace, o.picture, *start, r.steps()));
    return true;
  }
  std::size_t stop = r.steps();
  if (o.first && o.last) stop = std::min(*o.last, r.steps());
  for (std::size_t k = *start; k <= stop; ++k) {
    if (k > *start) write("\n");
    write(render_picture(r.seek(r.events_for_step(k)), trace, o.picture, k, r.steps()));
  }
  return true;
}

bool run_stepper(const trace::Trace& trace, const StepOptions& o, std::string* error) {
  Replayer r(trace);
  auto start = start_step(trace, r, o, error);
  if (!start) return false;
  RawTerminal term;
  if (!term.enter()) {
    *error = "the interactive stepper needs a terminal (use --print)";
    return false;
  }
  std::size_t pos = *start;
  std::string message;
  for (;;) {
    PictureOptions po = o.picture;
    if (int w = terminal_width(STDOUT_FILENO)) po.width = w;
    std::string screen = "\x1b[H\x1b[2J" + render_picture(r.seek(r.events_for_step(pos)), trace, po, pos, r.steps());
    screen += "\n" + ink(po.style, Ink::Dim) + std::string(stepper_keys()) + reset(po.style) + "\n";
    if (!message.empty()) screen += message + "\n";
    message.clear();
    // The picture uses \n; in raw mode output processing still maps it.
    if (::write(STDOUT_FILENO, screen.data(), screen.size()) < 0) return true;
    switch (term.read_key()) {
      case Key::Next: pos = std::min(pos + 1, r.steps()); break;
      case Key::Prev: pos = pos > 0 ? pos - 1 : 0; break;
      case Key::NextMany: pos = std::min(pos + 100, r.steps()); break;
      case Key::PrevMany: pos = pos > 100 ? pos - 100 : 0; break;
      case Key::First: pos = 0; break;
      case Key::Last: pos = r.steps(); break;
      case Key::Quit: return true;
      case Key::Goto: {
        std::string in = term.read_line("go to (time like 2ms, or event number): ");
        if (in.empty()) break;
        std::string_view s = in;
        if (s.front() == '#') s.remove_prefix(1);
        std::size_t n = 0;
        std::string err;
        if (parse_index(s, &n)) {
          pos = std::min(n, r.steps());
        } else if (auto t = parse_duration(s, &err)) {
          pos = r.step_of(r.events_until(*t));
        } else {
          message = fmt::format("not a time or an event number: {}", in);
        }
        break;
      }
      case Key::Resize:
      case Key::None:
      case Key::Other: break;
    }
  }
}

}  // namespace gosim::view
