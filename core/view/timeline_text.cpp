// Drawing a built timeline as text: labelled spans, glyphs, sparklines, the
// time axis and a legend that explains every glyph it used.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "view/time_axis.h"
#include "view/timeline.h"

namespace gosim::view {
namespace {

// A line of styled text; escape codes are emitted only where the style changes.
class Line {
 public:
  explicit Line(const Style& s) : style_(s) {}
  void put(const std::string& ink, std::string_view text) {
    if (ink != current_) {
      if (!current_.empty()) out_ += reset(style_);
      out_ += ink;
      current_ = ink;
    }
    out_ += text;
  }
  std::string done() {
    if (!current_.empty()) out_ += reset(style_);
    current_.clear();
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
    out_ += '\n';
    return std::move(out_);
  }

 private:
  const Style& style_;
  std::string out_;
  std::string current_;
};

std::string pad(std::string s, std::size_t width) {
  if (s.size() > width) s.resize(width);
  s.append(width - s.size(), ' ');
  return s;
}

std::string function_name(const Timeline& tl, const trace::Trace& t, std::int32_t g) {
  if (g < 0 || static_cast<std::size_t>(g) >= tl.g_function.size()) return {};
  std::int32_t fn = tl.g_function[g];
  if (fn < 0 || static_cast<std::size_t>(fn) >= t.header.functions.size()) return {};
  return t.header.functions[fn];
}

bool labelled(CellKind k) {
  return k == CellKind::Run || k == CellKind::Syscall || k == CellKind::SyscallHeld || k == CellKind::GCWorker ||
         k == CellKind::Assist;
}

// The longest label candidate that fits in `width` cells ("G12 worker", "G12", "12").
std::string span_label(const Timeline& tl, const trace::Trace& t, const Lane& lane, Cell c, int width) {
  std::vector<std::string> options;
  switch (c.kind) {
    case CellKind::Run:
      if (lane.kind == LaneKind::G) {
        options = {fmt::format("P{}", c.id)};
      } else {
        std::string fn = function_name(tl, t, c.id);
        if (!fn.empty()) options.push_back(fmt::format("G{} {}", c.id, fn));
        options.push_back(fmt::format("G{}", c.id));
      }
      break;
    case CellKind::Syscall:
    case CellKind::SyscallHeld:
      if (lane.kind != LaneKind::G && c.id >= 0) options.push_back(fmt::format("sys G{}", c.id));
      options.push_back("sys");
      break;
    case CellKind::GCWorker:
      options = {"GC worker", "GC"};
      break;
    case CellKind::Assist:
      // The assist glyph, not a run label, when only the id would fit: a
      // bare "G3" would read as G3 running.
      if (lane.kind == LaneKind::G) options = {fmt::format("P{} assist", c.id), "assist"};
      else options = {fmt::format("G{} assist", c.id), "assist"};
      break;
    default:
      break;
  }
  for (const std::string& o : options)
    if (static_cast<int>(o.size()) <= width) return o;
  return {};
}

void draw_cells(Line& line, const Timeline& tl, const trace::Trace& t, const Lane& lane, const Style& st) {
  const std::vector<Cell>& cells = lane.cells;
  int runs = 0;  // spans drawn so far, for alternating fills without colour
  for (std::size_t c = 0; c < cells.size();) {
    Cell cell = cells[c];
    std::size_t end = c + 1;
    while (end < cells.size() && cells[end].kind == cell.kind && cells[end].id == cell.id) ++end;
    int width = static_cast<int>(end - c);
    std::string label = labelled(cell.kind) ? span_label(tl, t, lane, cell, width) : std::string();
    std::string ink_text;
    std::string_view fill;
    switch (cell.kind) {
      case CellKind::Empty: fill = " "; break;
      case CellKind::Run:
        // Colour: the G's background with its label; no colour: block
        // characters that alternate so neighbouring spans stay apart.
        ink_text = lane.kind == LaneKind::G ? g_colors(st, cell.id) : g_colors(st, cell.id);
        fill = st.color ? std::string_view(" ") : (runs % 2 ? st.run_alt() : st.run());
        ++runs;
        break;
      case CellKind::Mix: ink_text = g_foreground(st, cell.id); fill = st.mix(); break;
      case CellKind::Brief:
        ink_text = cell.id >= 0 ? g_foreground(st, cell.id) : ink(st, Ink::Dim);
        fill = st.brief();
        break;
      case CellKind::Syscall:
      case CellKind::SyscallHeld: ink_text = ink(st, Ink::Yellow); fill = st.syscall(); break;
      case CellKind::Spin: ink_text = ink(st, Ink::Cyan); fill = st.spin(); break;
      case CellKind::Idle: ink_text = ink(st, Ink::Dim); fill = st.idle(); break;
      case CellKind::Runnable: fill = st.runnable(); break;
      case CellKind::Waiting: ink_text = ink(st, Ink::Dim); fill = st.waiting(); break;
      case CellKind::GCWorker: ink_text = ink(st, Ink::Magenta); fill = st.run_alt(); break;
      case CellKind::GCMark: ink_text = ink(st, Ink::Magenta); fill = st.gc_mark(); break;
      case CellKind::STW: ink_text = ink(st, Ink::Red); fill = st.stw(); break;
      case CellKind::Stopped: ink_text = ink(st, Ink::Red); fill = st.stopped(); break;
      case CellKind::Assist:
        // The G's own colour, hatched: the G is still the one on the P, but
        // it is marking for the GC instead of running its code.
        ink_text = lane.kind == LaneKind::G ? ink(st, Ink::Magenta) : g_colors(st, cell.id);
        fill = st.assist();
        break;
    }
    if (!label.empty()) line.put(ink_text, label);
    for (int i = static_cast<int>(label.size()); i < width; ++i) line.put(ink_text, fill);
    c = end;
  }
}

void draw_marks(Line& line, const Lane& lane, const Style& st) {
  for (std::int32_t v : lane.marks) {
    if (v == -1) line.put({}, " ");
    else if (v == -2) line.put(ink(st, Ink::Bold), "+");
    else line.put(ink(st, Ink::Bold), std::to_string(v % 10));
  }
}

void draw_sparkline(Line& line, const Lane& lane, const Style& st, std::int32_t scale_max) {
  for (std::int32_t v : lane.values) {
    if (v <= 0 || scale_max <= 0) {
      line.put({}, v < 0 ? " " : st.level(0));
      continue;
    }
    int eighths = std::max(1, static_cast<int>((static_cast<std::int64_t>(v) * 8 + scale_max - 1) / scale_max));
    line.put(ink(st, Ink::Green), st.level(eighths));
  }
}

// Two lines: tick labels, then the axis with a tick under each label's start.
std::string draw_axis(const Timeline& tl, const Style& st) {
  std::string labels(static_cast<std::size_t>(tl.label_width), ' ');
  std::vector<bool> ticks(tl.columns, false);
  trace::Nanos span = tl.to - tl.from;
  trace::Nanos step = nice_step(span, std::max(1, tl.columns / 10));
  trace::Nanos first = (tl.from + step - 1) / step * step;
  int next_free = 0;
  for (trace::Nanos t = first; t < tl.to; t += step) {
    int c = tl.column(t);
    if (c < 0) continue;
    std::string text = format_time(t);
    if (c < next_free || c + static_cast<int>(text.size()) > tl.columns) continue;
    ticks[c] = true;
    labels.resize(static_cast<std::size_t>(tl.label_width + c), ' ');
    labels += text;
    next_free = c + static_cast<int>(text.size()) + 2;
  }
  std::string axis = pad("time", static_cast<std::size_t>(tl.label_width));
  for (int c = 0; c < tl.columns; ++c) axis += ticks[c] ? st.tick() : st.hline();
  Line l1(st), l2(st);
  l1.put(ink(st, Ink::Dim), labels);
  l2.put(ink(st, Ink::Dim), axis);
  return l1.done() + l2.done();
}

// Items joined by two spaces and wrapped to the width between items;
// continuation lines are indented.
void wrap_items(std::string& out, const std::vector<std::string>& items, int width) {
  std::string line;
  for (const std::string& item : items) {
    if (!line.empty() && static_cast<int>(display_width(line) + 2 + display_width(item)) > width) {
      out += line + "\n";
      line = "  ";
    } else if (!line.empty()) {
      line += "  ";
    }
    line += item;
  }
  if (!line.empty()) out += line + "\n";
}

}  // namespace

std::string render_timeline(const Timeline& tl, const trace::Trace& t, const TimelineOptions& o) {
  const Style& st = o.style;
  std::string out;
  const trace::TraceHeader& h = t.header;
  std::string name = h.scenario_name.empty() ? std::string("trace") : h.scenario_name;
  trace::Nanos span = tl.to - tl.from;
  double per_col = static_cast<double>(span) / std::max(1, tl.columns);
  // Header: what, how many, which window, how much time a column holds;
  // the least important parts go first when the line is too long.
  std::string window = fmt::format("{}..{}", format_time(tl.from), format_time(tl.to));
  if (tl.to > tl.trace_end) window += fmt::format(" (trace ends at {})", format_time(tl.trace_end));
  std::string col = fmt::format("1 column = {}", format_time(static_cast<trace::Nanos>(per_col + 0.5)));
  std::string mode = h.mode.empty() ? std::string("gosim") : h.mode;
  std::vector<std::string> candidates = {
      fmt::format("{}: {} trace, GOMAXPROCS {}, {} events, {}, {}", name, mode, h.gomaxprocs, t.events.size(), window, col),
      fmt::format("{}: {}, GOMAXPROCS {}, {}, {}", name, mode, h.gomaxprocs, window, col),
      fmt::format("{}: {}, {}", name, window, col),
  };
  std::string header = candidates.back();
  for (const std::string& c : candidates) {
    if (static_cast<int>(c.size()) <= o.width) {
      header = c;
      break;
    }
  }
  if (static_cast<int>(header.size()) > o.width) header.resize(static_cast<std::size_t>(o.width));
  {
    Line l(st);
    l.put(ink(st, Ink::Bold), header);
    out += l.done();
  }
  std::string axis = draw_axis(tl, st);
  out += axis;

  // Sparklines share one scale per kind so lanes compare: global on its own,
  // all Ps together.
  std::int32_t global_max = 0, local_max = 0;
  for (const Lane& lane : tl.lanes) {
    if (lane.kind != LaneKind::RunQueue) continue;
    for (std::int32_t v : lane.values) (lane.id < 0 ? global_max : local_max) = std::max(lane.id < 0 ? global_max : local_max, v);
  }

  std::size_t lane_lines = 0;
  std::map<std::int32_t, bool> shown_gs;
  std::vector<bool> used(static_cast<std::size_t>(CellKind::Assist) + 1, false);
  for (const Lane& lane : tl.lanes) {
    Line line(st);
    line.put(lane.kind == LaneKind::RunQueue ? ink(st, Ink::Dim) : std::string(),
             pad(lane.label, static_cast<std::size_t>(tl.label_width)));
    switch (lane.kind) {
      case LaneKind::Steals:
      case LaneKind::Handoffs:
        draw_marks(line, lane, st);
        break;
      case LaneKind::RunQueue:
        draw_sparkline(line, lane, st, lane.id < 0 ? global_max : local_max);
        break;
      default:
        draw_cells(line, tl, t, lane, st);
        for (const Cell& c : lane.cells) {
          used[static_cast<int>(c.kind)] = true;
          if ((c.kind == CellKind::Run || c.kind == CellKind::Mix || c.kind == CellKind::Assist) &&
              lane.kind != LaneKind::G)
            shown_gs[c.id] = true;
        }
        break;
    }
    out += line.done();
    ++lane_lines;
  }
  if (tl.hidden_g_lanes > 0)
    out += fmt::format("{}{} more G{} not shown (narrow the window with --from/--to)\n",
                       std::string(static_cast<std::size_t>(tl.label_width), ' '), tl.hidden_g_lanes,
                       tl.hidden_g_lanes == 1 ? "" : "s");
  if (lane_lines > 14) out += axis;

  // Legend: only the glyphs that appear, then which function each G runs.
  std::vector<std::string> keys;
  auto key = [&](CellKind k, std::string_view glyph, const char* text) {
    if (used[static_cast<int>(k)]) keys.push_back(fmt::format("{} {}", glyph, text));
  };
  if (used[static_cast<int>(CellKind::Run)])
    keys.push_back(st.color ? "coloured span: a G running (label: G id, function)"
                            : fmt::format("{}{} a G running (label: G id, function)", st.run(), st.run_alt()));
  key(CellKind::Mix, st.mix(), "several Gs in one column (the longest shown)");
  key(CellKind::Brief, st.brief(), "busy under 1/4 of the column");
  key(CellKind::Assist, st.assist(), "a G in a GC mark assist (label: G id, or P on a G lane)");
  if (used[static_cast<int>(CellKind::Syscall)] || used[static_cast<int>(CellKind::SyscallHeld)])
    keys.push_back(tl.syscall_handoff
                       ? fmt::format("{} syscall (on a P: P held by the M in it)", st.syscall())
                       : fmt::format("{} syscall (on a P: P held by the M in it; hand-off off: never retaken)",
                                     st.syscall()));
  key(CellKind::Spin, st.spin(), "M spinning (looking for work)");
  key(CellKind::Idle, st.idle(), "M idle in the thread cache");
  key(CellKind::Runnable, st.runnable(), "G runnable (in a run queue)");
  key(CellKind::Waiting, st.waiting(), "G waiting (blocked)");
  key(CellKind::GCWorker, st.run_alt(), "GC mark worker");
  key(CellKind::GCMark, st.gc_mark(), "GC mark phase");
  key(CellKind::STW, st.stw(), "stop-the-world");
  key(CellKind::Stopped, st.stopped(), "P stopped for the world");
  if (tl.find(LaneKind::Steals, -1) || tl.find(LaneKind::Handoffs, -1))
    keys.push_back("steals/handoff: the P that stole or was handed off (+ several)");
  keys.push_back(fmt::format("runq: {}..{} = 0..{} (global), 0..{} (per P, runnext included)", st.level(1),
                             st.level(8), global_max, local_max));
  wrap_items(out, keys, o.width);

  // Which function each drawn G runs, grouped by function.
  std::map<std::string, std::vector<std::int32_t>> by_fn;
  for (const auto& [g, _] : shown_gs) {
    std::string fn = function_name(tl, t, g);
    by_fn[fn.empty() ? "?" : fn].push_back(g);
  }
  if (!by_fn.empty()) {
    std::vector<std::string> items;
    for (const auto& [fn, ids] : by_fn) {
      std::string list = fn;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i == 6) {
          list += fmt::format(" +{}", ids.size() - 6);
          break;
        }
        list += fmt::format(" G{}", ids[i]);
      }
      items.push_back(list);
      if (items.size() == 8 && by_fn.size() > 8) {
        items.push_back(fmt::format("{} {} more functions", st.ellipsis(), by_fn.size() - 8));
        break;
      }
    }
    items.front() = "Gs: " + items.front();
    wrap_items(out, items, o.width);
  }
  return out;
}

}  // namespace gosim::view
