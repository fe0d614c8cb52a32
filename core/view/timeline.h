// `gosim view`: the scheduler as a timeline in the terminal. One lane per P
// and per M (and per G with --by g), an overlay lane for GC and
// stop-the-world, marks for steals and hand-offs, run-queue sparklines and a
// time axis.
//
// Built in one pass over the events: the replayed SchedState says what each
// lane shows after every event, and each stretch is added to the columns it
// covers as a fraction of the column. A column then shows whatever covered
// most of it, so a million events cost one pass, not a redraw per event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/sink.h"
#include "view/style.h"

namespace gosim::view {

struct TimelineOptions {
  trace::Nanos from = 0;
  std::optional<trace::Nanos> to;  // default: the end of the trace
  int width = 80;                  // whole lines, lane labels included
  bool by_g = false;               // add one lane per G
  std::size_t max_g_lanes = 64;    // more Gs are counted, not drawn
  Style style;
};

// What one column of a lane shows.
enum class CellKind : std::uint8_t {
  Empty,
  Run,          // a G runs (P and M lanes: id = G; G lanes: id = the P)
  Mix,          // several Gs ran; id = the one that ran longest (contention)
  Brief,        // busy for under a quarter of the column; id as Run or -1
  Syscall,      // M (or G) in a syscall; id = G
  SyscallHeld,  // P kept by an M in a syscall; id = G
  Spin,         // M spinning: looking for work
  Idle,         // M parked in the idle list (the thread cache)
  Runnable,     // G waiting in a run queue
  Waiting,      // G parked (channel, mutex, sleep, network ...)
  GCWorker,     // P runs a GC mark worker
  GCMark,       // GC lane: mark phase
  STW,          // GC lane: the world is stopped
  Stopped,      // P halted for a stop-the-world
  Assist,       // a G pays a GC mark assist (P and M lanes: id = G; G lanes: id = the P)
};

struct Cell {
  CellKind kind = CellKind::Empty;
  std::int32_t id = -1;
};

enum class LaneKind : std::uint8_t { GC, P, Steals, Handoffs, M, G, RunQueue };

struct Lane {
  LaneKind kind = LaneKind::P;
  std::int32_t id = -1;            // P, M or G id; -1 for the global run queue
  std::string label;
  std::vector<Cell> cells;         // GC, P, M and G lanes
  std::vector<std::int32_t> marks; // Steals, Handoffs: the P per column, -1 none, -2 several
  std::vector<std::int32_t> values;  // RunQueue: longest length per column, -1 outside the trace
};

struct Timeline {
  trace::Nanos from = 0, to = 0;   // the window
  trace::Nanos trace_end = 0;
  int columns = 0;                 // cells per lane
  int label_width = 0;
  std::vector<Lane> lanes;
  std::size_t hidden_g_lanes = 0;  // Gs beyond max_g_lanes
  std::size_t events_in_window = 0;
  std::vector<std::int32_t> g_function;  // function index per G id (-1 unknown)
  bool syscall_handoff = true;     // the run's mechanisms.syscall_handoff (for the legend)

  // The column holding time t, or -1 if t is outside the window.
  int column(trace::Nanos t) const;
  const Lane* find(LaneKind kind, std::int32_t id) const;
};

// The end of a trace: the outcome's end time or its last event, whichever is later.
trace::Nanos trace_end(const trace::Trace& t);

// nullopt and *error if the window is empty or outside the trace.
std::optional<Timeline> build_timeline(const trace::Trace& trace, const TimelineOptions& options,
                                       std::string* error);

// The text: header, axis, lanes, legend; ends with a newline.
std::string render_timeline(const Timeline& timeline, const trace::Trace& trace,
                            const TimelineOptions& options);

}  // namespace gosim::view
