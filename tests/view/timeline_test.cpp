// The terminal timeline: lanes, where spans fall, glyph sets and colour.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "trace_fixture.h"
#include "view/timeline.h"

using namespace gosim;
using namespace gosim::view;
using gosim::test::TraceBuilder;
using trace::EventKind;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The line of the lane labelled `label` (labels are padded with spaces; an
// empty lane is just its label).
std::string lane_line(const std::string& text, const std::string& label) {
  for (const std::string& l : lines_of(text))
    if (l == label || l.rfind(label + " ", 0) == 0) return l;
  return {};
}

// G1 (main) runs 1us..5us on P0/M0 and ends; G2 (worker) runs 5us..8us on P1/M1.
TraceBuilder two_gs() {
  TraceBuilder b(2);
  b.create(0, 1, -1, 0, 0).start(1'000, 1, 0, 0);
  b.create(2'000, 2, 1, 0, 1);
  b.ev(3'000, EventKind::MStart, -1, 1, 1, 2);
  b.ev(3'500, EventKind::ProcSteal, 2, 1, 1, 0, 1, 0);
  b.end(5'000, 1, 0, 0);
  b.start(5'000, 2, 1, 1).end(8'000, 2, 1, 1);
  b.finish(10'000);
  return b;
}

TimelineOptions plain(int width) {
  TimelineOptions o;
  o.width = width;
  o.style.ascii = true;
  o.style.color = false;
  return o;
}

}  // namespace

TEST_CASE("every P and M of the trace gets a lane, plus GC and the run queues") {
  auto b = two_gs();
  std::string error;
  auto tl = build_timeline(b.t, plain(80), &error);
  REQUIRE(tl);
  CHECK(tl->find(LaneKind::GC, -1));
  CHECK(tl->find(LaneKind::P, 0));
  CHECK(tl->find(LaneKind::P, 1));
  CHECK(tl->find(LaneKind::M, 0));
  CHECK(tl->find(LaneKind::M, 1));
  CHECK_FALSE(tl->find(LaneKind::M, 2));
  CHECK(tl->find(LaneKind::RunQueue, -1));
  CHECK(tl->find(LaneKind::RunQueue, 0));
  CHECK(tl->find(LaneKind::Steals, -1));
  CHECK_FALSE(tl->find(LaneKind::G, 1));
  std::string text = render_timeline(*tl, b.t, plain(80));
  for (const char* label : {"GC", "P0", "P1", "M0", "M1", "steals", "runq gl", "runq P0", "runq P1", "time"})
    CHECK_MESSAGE(!lane_line(text, label).empty(), label);
  for (const std::string& l : lines_of(text)) CHECK(l.size() <= 80);
}

TEST_CASE("a G's span covers the columns its GoStart..GoEnd covers") {
  auto b = two_gs();
  std::string error;
  TimelineOptions o = plain(108);
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  int cols = tl->columns;
  // Column c covers [c, c+1) * span / cols; G1 runs [1us, 5us) of [0, 10us).
  auto col = [&](trace::Nanos t) { return static_cast<int>(t * cols / 10'000); };
  std::string p0 = lane_line(render_timeline(*tl, b.t, o), "P0");
  REQUIRE(static_cast<int>(p0.size()) >= tl->label_width + col(5'000));
  std::string cells = p0.substr(tl->label_width);
  const Lane* lane0 = tl->find(LaneKind::P, 0);
  REQUIRE(lane0);
  for (int c = 0; c < cols; ++c) {
    bool inside = c >= col(1'000) && c < col(5'000);
    CHECK_MESSAGE((lane0->cells[c].kind == CellKind::Run && lane0->cells[c].id == 1) == inside, "column ", c);
    // Drawn: the label, then the fill, exactly over those columns.
    char ch = c < static_cast<int>(cells.size()) ? cells[c] : ' ';
    if (inside && c >= col(1'000) + 7) CHECK_MESSAGE(ch == '#', "column ", c, " is '", ch, "'");
    if (!inside) CHECK_MESSAGE(ch == ' ', "column ", c, " is '", ch, "'");
  }
  // The span starts with its label: the G and its function.
  CHECK(cells.substr(col(1'000), 7) == "G1 main");
  // The model agrees: P1's cells at 5us..8us belong to G2.
  const Lane* p1 = tl->find(LaneKind::P, 1);
  REQUIRE(p1);
  CHECK(p1->cells[col(6'000)].kind == CellKind::Run);
  CHECK(p1->cells[col(6'000)].id == 2);
  CHECK(p1->cells[col(9'000)].kind == CellKind::Empty);
  // The steal at 3.5us is marked in its column with the thief's P.
  const Lane* steals = tl->find(LaneKind::Steals, -1);
  REQUIRE(steals);
  CHECK(steals->marks[col(3'500)] == 1);
}

TEST_CASE("--from/--to zoom: the window maps onto all columns") {
  auto b = two_gs();
  TimelineOptions o = plain(58);
  o.from = 4'000;
  o.to = 6'000;
  std::string error;
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  const Lane* p0 = tl->find(LaneKind::P, 0);
  const Lane* p1 = tl->find(LaneKind::P, 1);
  int half = tl->columns / 2;
  // G1 ends and G2 starts at 5us: the middle of the window.
  CHECK(p0->cells[0].id == 1);
  CHECK(p0->cells[half - 1].id == 1);
  CHECK(p0->cells[half + 1].kind == CellKind::Empty);
  CHECK(p1->cells[half - 2].kind == CellKind::Empty);
  CHECK(p1->cells[half + 1].id == 2);
}

TEST_CASE("a window outside the trace is an error that names the trace's span") {
  auto b = two_gs();
  std::string error;
  TimelineOptions o = plain(80);
  o.from = 20'000;
  CHECK_FALSE(build_timeline(b.t, o, &error));
  CHECK(error.find("outside the trace") != std::string::npos);
  CHECK(error.find("10us") != std::string::npos);
  o.from = 5'000;
  o.to = 5'000;
  CHECK_FALSE(build_timeline(b.t, o, &error));
  CHECK(error.find("--to must be after --from") != std::string::npos);
  trace::Trace empty;
  CHECK_FALSE(build_timeline(empty, plain(80), &error));
}

TEST_CASE("--ascii output is pure ASCII, Unicode output uses block characters") {
  auto b = two_gs();
  std::string error;
  TimelineOptions o = plain(80);
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  std::string ascii = render_timeline(*tl, b.t, o);
  for (unsigned char c : ascii) CHECK_MESSAGE(c < 128, "byte ", int(c));
  o.style.ascii = false;
  std::string unicode = render_timeline(*tl, b.t, o);
  CHECK(unicode.find("█") != std::string::npos);
}

TEST_CASE("no ANSI escapes with colour off, escapes with colour on") {
  auto b = two_gs();
  std::string error;
  TimelineOptions o = plain(80);
  o.style.ascii = false;
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  CHECK(render_timeline(*tl, b.t, o).find('\x1b') == std::string::npos);
  o.style.color = true;
  CHECK(render_timeline(*tl, b.t, o).find("\x1b[") != std::string::npos);
}

TEST_CASE("syscalls are spans on their M, the P in the syscall shows it too") {
  TraceBuilder b(1);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  b.ev(2'000, EventKind::GoSysCall, 1, 0, 0, 6'000);
  b.ev(4'000, EventKind::GoSysBlock, 1, 0, 0);
  b.ev(4'000, EventKind::HandoffP, -1, 0, -1, 0);
  b.ev(8'000, EventKind::GoSysExit, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::SysExitPath::FastIdleP));
  b.end(9'000, 1, 0, 0).finish(10'000);
  std::string error;
  auto tl = build_timeline(b.t, plain(90), &error);
  REQUIRE(tl);
  int cols = tl->columns;
  auto col = [&](trace::Nanos t) { return static_cast<int>(t * cols / 10'000); };
  const Lane* m0 = tl->find(LaneKind::M, 0);
  const Lane* p0 = tl->find(LaneKind::P, 0);
  CHECK(m0->cells[col(5'000)].kind == CellKind::Syscall);
  CHECK(m0->cells[col(5'000)].id == 1);
  CHECK(p0->cells[col(3'000)].kind == CellKind::SyscallHeld);
  CHECK(p0->cells[col(5'000)].kind == CellKind::Empty);  // taken and handed to the idle list
  CHECK(m0->cells[col(8'500)].kind == CellKind::Run);
  CHECK(tl->find(LaneKind::Handoffs, -1));
  std::string text = render_timeline(*tl, b.t, plain(90));
  CHECK(lane_line(text, "M0").find("sys G1") != std::string::npos);
}

TEST_CASE("many Gs in one column: the longest-running one is shown, marked as contention") {
  TraceBuilder b(1);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  trace::Nanos t = 0;
  // Three Gs alternate every 10ns for 1ms; G1 then runs alone.
  for (int g = 2; g <= 3; ++g) b.create(0, g, 1, 0);
  int current = 1;
  for (int i = 1; i <= 30'000; ++i) {
    t += current == 1 ? 20 : 10;  // G1 gets twice the time
    int next = 1 + i % 3;
    b.ev(t, EventKind::GoPreempt, current, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::PreemptReason::Yield));
    b.start(t, next, 0, 0);
    current = next;
  }
  b.finish(t);
  std::string error;
  auto tl = build_timeline(b.t, plain(60), &error);
  REQUIRE(tl);
  const Lane* p0 = tl->find(LaneKind::P, 0);
  CHECK(p0->cells[10].kind == CellKind::Mix);
  CHECK(p0->cells[10].id == 1);
  // The local queue is never longer than two Gs.
  // Two Gs always wait; for an instant between GoPreempt and GoStart, three.
  const Lane* rq = tl->find(LaneKind::RunQueue, 0);
  for (std::int32_t v : rq->values) CHECK((v == 2 || v == 3));
}

TEST_CASE("--by g adds a lane per G: running on which P, runnable, waiting") {
  auto b = two_gs();
  TimelineOptions o = plain(110);
  o.by_g = true;
  std::string error;
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  const Lane* g1 = tl->find(LaneKind::G, 1);
  const Lane* g2 = tl->find(LaneKind::G, 2);
  REQUIRE(g1);
  REQUIRE(g2);
  int cols = tl->columns;
  auto col = [&](trace::Nanos t) { return static_cast<int>(t * cols / 10'000); };
  CHECK(g1->cells[col(3'000)].kind == CellKind::Run);
  CHECK(g1->cells[col(3'000)].id == 0);  // on P0
  CHECK(g2->cells[col(3'000)].kind == CellKind::Runnable);
  CHECK(g2->cells[col(6'000)].id == 1);  // on P1
  CHECK(g1->cells[col(9'000)].kind == CellKind::Empty);
  std::string text = render_timeline(*tl, b.t, o);
  CHECK(!lane_line(text, "G1").empty());
  CHECK(!lane_line(text, "G2").empty());
}

TEST_CASE("--by g draws at most max_g_lanes and says how many more there are") {
  TraceBuilder b(1);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  for (int g = 2; g < 12; ++g) b.create(10 * g, g, 1, 0);
  b.finish(1'000);
  TimelineOptions o = plain(80);
  o.by_g = true;
  o.max_g_lanes = 4;
  std::string error;
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  CHECK(tl->hidden_g_lanes == 7);
  CHECK(render_timeline(*tl, b.t, o).find("7 more Gs not shown") != std::string::npos);
}

TEST_CASE("GC and stop-the-world show on the GC lane") {
  TraceBuilder b(1);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  b.ev(1'000, EventKind::GCStart, -1, -1, -1, 1, 100, 200);
  b.ev(1'000, EventKind::STWStart, -1, -1, -1);
  b.ev(2'000, EventKind::STWDone, -1, -1, -1, 1'000);
  b.ev(6'000, EventKind::GCDone, -1, -1, -1, 1, 50);
  b.finish(10'000);
  std::string error;
  auto tl = build_timeline(b.t, plain(90), &error);
  REQUIRE(tl);
  int cols = tl->columns;
  auto col = [&](trace::Nanos t) { return static_cast<int>(t * cols / 10'000); };
  const Lane* gc = tl->find(LaneKind::GC, -1);
  CHECK(gc->cells[col(1'500)].kind == CellKind::STW);
  CHECK(gc->cells[col(4'000)].kind == CellKind::GCMark);
  CHECK(gc->cells[col(8'000)].kind == CellKind::Empty);
}

TEST_CASE("a GC mark assist is drawn on the G's P, M and G lanes between its start and done") {
  // G1 runs on P0/M0 0..100us; it assists 30us..60us (GCMarkAssistStart/Done).
  const trace::Nanos t0 = 30'000, t1 = 60'000, end = 100'000;
  TraceBuilder b(1);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  b.ev(t0, EventKind::GCMarkAssistStart, 1, 0, 0, 64 << 10);
  b.ev(t1, EventKind::GCMarkAssistDone, 1, 0, 0);
  b.end(end, 1, 0, 0).finish(end);
  TimelineOptions o = plain(108);
  o.by_g = true;
  std::string error;
  auto tl = build_timeline(b.t, o, &error);
  REQUIRE(tl);
  int cols = tl->columns;
  auto col = [&](trace::Nanos t) { return static_cast<int>(t * cols / end); };
  const Lane* p0 = tl->find(LaneKind::P, 0);
  const Lane* m0 = tl->find(LaneKind::M, 0);
  const Lane* g1 = tl->find(LaneKind::G, 1);
  REQUIRE(p0);
  REQUIRE(m0);
  REQUIRE(g1);
  int assist_cols = 0;
  for (int c = 0; c < cols; ++c) {
    CAPTURE(c);
    // Columns wholly inside the assist are the assist; wholly outside, the run.
    bool inside = c >= col(t0) + 1 && c + 1 <= col(t1);
    bool outside = c + 1 <= col(t0) || c >= col(t1) + 1;
    if (inside) {
      ++assist_cols;
      CHECK(p0->cells[c].kind == CellKind::Assist);
      CHECK(p0->cells[c].id == 1);
      CHECK(m0->cells[c].kind == CellKind::Assist);
      CHECK(m0->cells[c].id == 1);
      CHECK(g1->cells[c].kind == CellKind::Assist);
      CHECK(g1->cells[c].id == 0);  // on a G lane: the P
    } else if (outside) {
      CHECK(p0->cells[c].kind == CellKind::Run);
      CHECK(m0->cells[c].kind == CellKind::Run);
      CHECK(g1->cells[c].kind == CellKind::Run);
    }
  }
  CHECK(assist_cols >= 25);
  std::string text = render_timeline(*tl, b.t, o);
  std::string p0_line = lane_line(text, "P0");
  std::string cells = p0_line.substr(static_cast<std::size_t>(tl->label_width));
  // The label starts the span (its first column may be shared with the run).
  std::size_t label_at = cells.find("G1 assist");
  CHECK(label_at >= static_cast<std::size_t>(col(t0)));
  CHECK(label_at <= static_cast<std::size_t>(col(t0)) + 1);
  CHECK(cells[static_cast<std::size_t>(col(t1)) - 1] == '*');
  CHECK(cells.find('*') > static_cast<std::size_t>(col(t0)));
  CHECK(text.find("* a G in a GC mark assist") != std::string::npos);
  // The same G running and assisting in one column is one G, not contention.
  for (const Cell& c : p0->cells) CHECK(c.kind != CellKind::Mix);
}

TEST_CASE("the syscall legend says when hand-off is off and the P is never retaken") {
  TraceBuilder b(1);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  b.ev(2'000, EventKind::GoSysCall, 1, 0, 0, 6'000);
  b.ev(8'000, EventKind::GoSysExit, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
  b.end(9'000, 1, 0, 0).finish(10'000);
  for (bool handoff : {true, false}) {
    CAPTURE(handoff);
    b.t.header.config = {{"mechanisms", {{"syscall_handoff", handoff}}}};
    std::string error;
    auto tl = build_timeline(b.t, plain(90), &error);
    REQUIRE(tl);
    CHECK(tl->syscall_handoff == handoff);
    const Lane* p0 = tl->find(LaneKind::P, 0);
    CHECK(p0->cells[static_cast<std::size_t>(5'000 * tl->columns / 10'000)].kind == CellKind::SyscallHeld);
    std::string text = render_timeline(*tl, b.t, plain(90));
    CHECK((text.find("hand-off off: never retaken") != std::string::npos) == !handoff);
  }
}
