// The G/M/P picture and the --step printout.
#include <doctest/doctest.h>

#include <string>

#include "trace_fixture.h"
#include "view/picture.h"
#include "view/replayer.h"
#include "view/stepper.h"

using namespace gosim;
using namespace gosim::view;
using gosim::test::TraceBuilder;
using trace::EventKind;
using trace::Queue;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::string line_with(const std::string& text, const std::string& start) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(pos, end - pos);
    if (l.rfind(start, 0) == 0) return l;
    pos = end + 1;
  }
  return {};
}

// main (G1) on P0/M0 creates G2..G4, M1 spins on P1, G5 sleeps, G6 waits on
// the network, G7 blocks on channel "jobs", G8 is in a syscall on M2.
TraceBuilder busy() {
  TraceBuilder b(2);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  for (int g = 2; g <= 4; ++g) b.create(100 * g, g, 1, 0);
  b.ev(500, EventKind::MStart, -1, 1, 1, 2).ev(510, EventKind::MSpin, -1, 1, 1);
  for (int g = 5; g <= 8; ++g) b.create(600 + g, g, 1, 0);
  // Let them run on P0 in turn (taken from runnext/local as the events say).
  b.ev(700, EventKind::GoSched, 1, 0, 0);
  b.start(710, 5, 0, 0).block(720, 5, trace::BlockReason::Sleep, -1, 2'000'000);
  b.start(730, 6, 0, 0).block(740, 6, trace::BlockReason::NetWait, -1, 3'000'000);
  b.start(750, 7, 0, 0).block(760, 7, trace::BlockReason::ChanRecv, 0);
  b.start(770, 8, 0, 0).ev(780, EventKind::GoSysCall, 8, 0, 0, 1'000'000);
  b.ev(800, EventKind::GoSysBlock, 8, 0, 0).ev(800, EventKind::HandoffP, -1, 0, 2, 0);
  b.start(810, 2, 0, 2);
  b.finish(1'000'000);
  return b;
}

PictureOptions plain() {
  PictureOptions o;
  o.width = 80;
  o.style.ascii = true;
  return o;
}

}  // namespace

TEST_CASE("the picture shows each P's running G, runnext and local queue, and the global queue") {
  auto b = busy();
  Replayer r(b.t);
  const SchedState& s = r.seek(r.size());
  std::string pic = render_picture(s, b.t, plain(), r.steps(), r.steps());
  // Follow the state, not a hand-drawn copy of it.
  REQUIRE(s.ps[0].g == 2);
  std::string p0 = line_with(pic, "P0");
  CHECK(has(p0, "M2"));
  CHECK(has(p0, "G2 worker"));
  CHECK(has(p0, "next " + (s.ps[0].runnext >= 0 ? "G" + std::to_string(s.ps[0].runnext) : std::string("-"))));
  std::string local = "local(" + std::to_string(s.ps[0].runq.size()) + ")";
  CHECK(has(p0, local));
  for (std::int32_t g : s.ps[0].runq) CHECK(has(p0, "G" + std::to_string(g)));
  CHECK(has(line_with(pic, "P1"), "spinning"));
  std::string global = line_with(pic, "global(");
  CHECK(has(global, "global(1)"));
  CHECK(has(global, "[G1]"));
}

TEST_CASE("the picture shows Ms, the netpoller, timers, blocked Gs and the last event's why") {
  auto b = busy();
  Replayer r(b.t);
  std::string pic = render_picture(r.seek(r.size()), b.t, plain(), r.steps(), r.steps());
  CHECK(has(pic, "M0 idle") == false);
  CHECK(has(pic, "M1 spinning on P1"));
  CHECK(has(pic, "M2 runs G2 on P0"));
  CHECK(has(pic, "M0 in syscall G8, no P"));
  CHECK(has(pic, "netpoller(1): G6@3ms"));
  CHECK(has(pic, "timers(1): G5@2ms"));
  CHECK(has(pic, "chan receive jobs(1)"));
  CHECK(has(pic, "step " + std::to_string(r.steps()) + "/" + std::to_string(r.steps())));
  CHECK(has(pic, trace::describe(b.t.events.back(), b.t.header)));
  for (unsigned char c : pic) CHECK(c < 128);
  CHECK_FALSE(has(pic, "\x1b"));
}

TEST_CASE("the picture before any event is empty but well formed") {
  auto b = busy();
  Replayer r(b.t);
  std::string pic = render_picture(r.seek(0), b.t, plain(), 0, r.steps());
  CHECK(has(pic, "step 0/"));
  CHECK(has(line_with(pic, "P0"), "idle"));
  CHECK(has(pic, "global(0) []"));
}

TEST_CASE("--print --at T prints the state after every event at or before T") {
  auto b = busy();
  StepOptions o;
  o.picture = plain();
  o.at = 745;  // after G6 blocked, before G7 ran
  std::string out, error;
  REQUIRE(print_steps(b.t, o, [&](std::string_view s) { out += s; }, &error));
  Replayer r(b.t);
  std::size_t n = r.events_until(745);
  CHECK(out == render_picture(r.seek(n), b.t, plain(), r.step_of(n), r.steps()));
  CHECK(has(out, "t=740ns  GoBlock G6"));
  CHECK(has(out, "netpoller(1): G6"));
  CHECK_FALSE(has(out, "chan receive"));
}

TEST_CASE("--print --events A..B prints each step in the range") {
  auto b = busy();
  StepOptions o;
  o.picture = plain();
  std::size_t first = 0;
  std::optional<std::size_t> last;
  std::string error;
  REQUIRE(parse_step_range("3..5", &first, &last, &error));
  CHECK(first == 3);
  CHECK(last == std::optional<std::size_t>(5));
  o.first = first;
  o.last = last;
  std::string out;
  REQUIRE(print_steps(b.t, o, [&](std::string_view s) { out += s; }, &error));
  CHECK(has(out, "step 3/"));
  CHECK(has(out, "step 4/"));
  CHECK(has(out, "step 5/"));
  CHECK_FALSE(has(out, "step 2/"));
  CHECK_FALSE(has(out, "step 6/"));
}

TEST_CASE("step ranges and times outside the trace are errors") {
  auto b = busy();
  std::size_t first = 0;
  std::optional<std::size_t> last;
  std::string error;
  CHECK_FALSE(parse_step_range("5..3", &first, &last, &error));
  CHECK_FALSE(parse_step_range("x..3", &first, &last, &error));
  CHECK(parse_step_range("7..", &first, &last, &error));
  CHECK_FALSE(last.has_value());
  StepOptions o;
  o.picture = plain();
  o.first = b.t.events.size() + 1;  // no counters here: one step per event
  auto sink = [](std::string_view) {};
  CHECK_FALSE(print_steps(b.t, o, sink, &error));
  CHECK(has(error, "outside the trace"));
  o.first.reset();
  o.at = 5'000'000;
  CHECK_FALSE(print_steps(b.t, o, sink, &error));
  CHECK(has(error, "outside the trace"));
}

TEST_CASE("Counter events are not steps, the picture names the last scheduler event") {
  auto b = busy();
  // A counter after every event, as the simulator writes them.
  trace::Trace t = b.t;
  t.events.clear();
  for (const auto& e : b.t.events) {
    t.events.push_back(e);
    trace::Event c;
    c.t = e.t;
    c.kind = EventKind::Counter;
    c.reason = static_cast<std::uint8_t>(trace::CounterId::RunnableGs);
    t.events.push_back(c);
  }
  Replayer r(t);
  CHECK(r.steps() == b.t.events.size());
  CHECK(r.events_for_step(3) == 5);  // events 0..4: three scheduler events and their counters
  CHECK(r.step_of(6) == 3);
  std::string pic = render_picture(r.seek(r.events_for_step(3) + 1), t, plain(), 3, r.steps());
  CHECK(has(pic, std::string(trace::kind_name(b.t.events[2].kind))));
  CHECK_FALSE(has(pic, "Counter"));
}

TEST_CASE("the picture lists the Gs in a GC mark assist, with their debt, and their Ms say so") {
  TraceBuilder b(2);
  b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0);
  b.create(10, 2, 1, 0).ev(20, EventKind::MStart, -1, 1, 1, 2).start(30, 2, 1, 1);
  b.ev(100, EventKind::GCStart, -1, 0, 0, 1, 4 << 20, 8 << 20);
  b.ev(200, EventKind::GCMarkAssistStart, 2, 1, 1, 64 << 10);
  b.ev(300, EventKind::GCMarkAssistDone, 2, 1, 1);
  b.finish(400);
  Replayer r(b.t);
  // Seven events in: the assist has started.
  std::string during = render_picture(r.seek(7), b.t, plain(), 7, r.steps());
  CHECK(has(during, "mark assists(1), debt: G2 64KiB"));
  CHECK(has(during, "M1 runs G2 on P1 (mark assist)"));
  CHECK(has(during, "M0 runs G1 on P0   "));  // G1 does not assist
  CHECK_FALSE(has(during, "G1 on P0 (mark assist)"));
  std::string after = render_picture(r.seek(8), b.t, plain(), 8, r.steps());
  CHECK_FALSE(has(after, "mark assists"));
  CHECK_FALSE(has(after, "(mark assist)"));
}

TEST_CASE("with syscall hand-off off, the P in a syscall is shown held until the syscall returns") {
  for (bool handoff : {true, false}) {
    CAPTURE(handoff);
    TraceBuilder b(1);
    b.t.header.config = {{"mechanisms", {{"syscall_handoff", handoff}}}};
    b.create(0, 1, -1, 0, 0).start(0, 1, 0, 0).create(5, 2, 1, 0);
    b.ev(10, EventKind::GoSysCall, 1, 0, 0, 1'000);
    b.ev(1'010, EventKind::GoSysExit, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
    b.finish(2'000);
    Replayer r(b.t);
    std::string in = render_picture(r.seek(4), b.t, plain(), 4, r.steps());
    CHECK(has(line_with(in, "P0"), "/ syscall G1"));
    CHECK(has(line_with(in, "P0"), "held") == !handoff);
    CHECK(has(in, "P0 stays with M0 until G1's syscall returns: syscall hand-off is off") == !handoff);
    CHECK(has(in, "M0 in syscall G1, P0 held (hand-off off)") == !handoff);
    CHECK(has(in, "M0 in syscall G1, P0 held"));
    std::string back = render_picture(r.seek(5), b.t, plain(), 5, r.steps());
    CHECK(has(line_with(back, "P0"), "> G1"));
    CHECK_FALSE(has(back, "stays with"));
  }
}
