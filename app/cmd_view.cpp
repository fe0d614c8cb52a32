// gosim view: look at a saved trace. A timeline in the terminal (default),
// the G/M/P picture step by step (--step, --at, --events), or a
// self-contained HTML page (--html). Everything is drawn from the trace file
// alone, so sim, real and imported traces look the same.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "scenario/units.h"
#include "view/html.h"
#include "view/stepper.h"
#include "view/terminal.h"
#include "view/timeline.h"
#include "view/view.h"

namespace gosim::app {
namespace {

struct ViewOptions {
  std::vector<std::string> traces;
  std::string from, to;
  int width = 0;
  std::string by = "p";
  std::string color = "auto";
  bool ascii = false;
  bool step = false;
  bool print = false;
  std::string at;
  std::string events;
  std::string html;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "gosim view: %s\n", message.c_str());
  return kExitUsage;
}

std::optional<Nanos> duration_option(const char* name, const std::string& text, std::string* error) {
  std::string why;
  auto d = parse_duration(text, &why);
  if (!d) *error = fmt::format("{} \"{}\": {}", name, text, why);
  return d;
}

int run(const ViewOptions& o) {
  std::vector<trace::Trace> traces;
  for (const std::string& path : o.traces) {
    std::string error;
    auto t = view::load_trace(path, &error);
    if (!t) return fail(error);
    traces.push_back(std::move(*t));
  }

  if (!o.html.empty()) {
    std::string error;
    if (!view::write_html(traces, o.html, &error)) return fail(error);
    return kExitOk;
  }

  bool tty = view::is_terminal(STDOUT_FILENO);
  view::Style style;
  style.ascii = o.ascii;
  const char* term = std::getenv("TERM");
  const char* no_color = std::getenv("NO_COLOR");  // no-color.org: set and not empty
  style.color = o.color == "always" || (o.color == "auto" && tty && !(no_color && *no_color) &&
                                        !(term && std::string(term) == "dumb"));
  int width = o.width > 0 ? o.width : (tty ? view::terminal_width(STDOUT_FILENO) : 0);
  if (width <= 0) width = 80;

  bool stepping = o.step || o.print || !o.at.empty() || !o.events.empty();
  if (stepping) {
    if (traces.size() > 1) return fail("--step shows one trace at a time");
    if (!o.from.empty() || !o.to.empty()) return fail("--from/--to choose the timeline's window; with --step use --at or --events");
    view::StepOptions so;
    so.picture.width = width;
    so.picture.style = style;
    std::string error;
    if (!o.at.empty() && !o.events.empty()) return fail("give --at or --events, not both");
    if (!o.at.empty()) {
      so.at = duration_option("--at", o.at, &error);
      if (!so.at) return fail(error);
    }
    if (!o.events.empty()) {
      std::size_t first = 0;
      std::optional<std::size_t> last;
      if (!view::parse_step_range(o.events, &first, &last, &error)) return fail(error);
      so.first = first;
      so.last = last;
    }
    bool interactive = !o.print && tty && view::is_terminal(STDIN_FILENO);
    bool ok = interactive ? view::run_stepper(traces[0], so, &error)
                          : view::print_steps(traces[0], so,
                                              [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); },
                                              &error);
    if (!ok) return fail(error);
    return kExitOk;
  }

  view::TimelineOptions to;
  to.width = width;
  to.style = style;
  to.by_g = o.by == "g";
  std::string error;
  if (!o.from.empty()) {
    auto f = duration_option("--from", o.from, &error);
    if (!f) return fail(error);
    to.from = *f;
  }
  if (!o.to.empty()) {
    auto t = duration_option("--to", o.to, &error);
    if (!t) return fail(error);
    to.to = *t;
  }
  // Two traces share one window, so they line up (sim against real).
  if (traces.size() > 1 && !to.to) {
    Nanos end = 0;
    for (const trace::Trace& t : traces) end = std::max(end, view::trace_end(t));
    to.to = std::max<Nanos>(end, 1);
  }
  std::string out;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    auto tl = view::build_timeline(traces[i], to, &error);
    if (!tl) return fail(traces.size() > 1 ? fmt::format("{}: {}", o.traces[i], error) : error);
    if (i > 0) out += "\n";
    out += view::render_timeline(*tl, traces[i], to);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

Command add_view_command(CLI::App& root) {
  auto o = std::make_shared<ViewOptions>();
  CLI::App* cmd = root.add_subcommand(
      "view",
      "Show a saved trace: a timeline in the terminal (one lane per P and M), the G/M/P picture "
      "step by step (--step), or an HTML page (--html). See docs/view.md.");
  cmd->add_option("traces", o->traces, "Trace files (gosim JSON, from `gosim run --trace`); two only with --html or the timeline")
      ->required()
      ->expected(1, 2);
  cmd->add_option("--from", o->from, "Start of the timeline's window, e.g. 2ms (default 0)");
  cmd->add_option("--to", o->to, "End of the timeline's window, e.g. 5ms (default: end of the trace)");
  cmd->add_option("--width", o->width, "Columns to use (default: the terminal's width, 80 if not a terminal)")
      ->check(CLI::Range(30, 1000));
  cmd->add_option("--by", o->by, "Lanes: p (one per P and M) or g (also one per G)")
      ->check(CLI::IsMember({"p", "g"}));
  cmd->add_option("--color", o->color, "Colour: auto (on a terminal, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--ascii", o->ascii, "Plain ASCII instead of Unicode block characters");
  cmd->add_flag("--step", o->step,
                fmt::format("Step through the schedule event by event (keys: {})", view::stepper_keys()));
  cmd->add_flag("--print", o->print, "With --step: print every step's picture instead of stepping interactively (the default when stdout is not a terminal)");
  cmd->add_option("--at", o->at, "Print the G/M/P picture at this time, e.g. 1.5ms");
  cmd->add_option("--events", o->events, "Print the pictures of steps A..B (a step is one scheduler event, numbered from 1; 0 is before the first; A.. to the end)");
  cmd->add_option("--html", o->html, "Write a self-contained HTML page here instead");
  return {cmd, [o] { return run(*o); }};
}

}  // namespace gosim::app
