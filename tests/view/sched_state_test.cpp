// The replayer's state follows each event's documented effect (event.h):
// where Gs wait, what Ps run, what Ms do.
#include <doctest/doctest.h>

#include <deque>

#include "trace_fixture.h"
#include "view/replayer.h"
#include "view/sched_state.h"

using namespace gosim;
using namespace gosim::view;
using gosim::test::TraceBuilder;
using trace::EventKind;
using trace::Queue;

namespace {

SchedState replay(const trace::Trace& t) {
  SchedState s(t.header);
  for (const auto& e : t.events) s.apply(e);
  return s;
}

// main (G1) running on P0/M0.
TraceBuilder main_running(int procs = 2) {
  TraceBuilder b(procs);
  b.create(0, 1, -1, 0, 0).start(10, 1, 0, 0);
  return b;
}

}  // namespace

TEST_CASE("GoCreate puts the new G in the creator's runnext, the previous one moves to the local tail") {
  auto b = main_running();
  b.create(100, 2, 1, 0).create(200, 3, 1, 0).create(300, 4, 1, 0);
  SchedState s = replay(b.t);
  CHECK(s.ps[0].g == 1);
  CHECK(s.ps[0].runnext == 4);
  CHECK(s.ps[0].runq == std::deque<std::int32_t>{2, 3});
  CHECK(s.gs[4].where == GWhere::Runnext);
  CHECK(s.gs[2].where == GWhere::Local);
  CHECK(s.gs[2].status == GStatus::Runnable);
  CHECK(s.gs[2].fn == 1);
  CHECK(s.queued(0) == 3);
}

TEST_CASE("GoCreate without p uses the P the creator runs on") {
  auto b = main_running();
  b.create(100, 2, 1, -1);
  SchedState s = replay(b.t);
  CHECK(s.ps[0].runnext == 2);
}

TEST_CASE("GoCreate fills the local queue when runnext is switched off in the config") {
  auto b = main_running();
  b.t.header.config = {{"mechanisms", {{"runnext", false}}}};
  b.create(100, 2, 1, 0).create(200, 3, 1, 0);
  SchedState s = replay(b.t);
  CHECK(s.ps[0].runnext == -1);
  CHECK(s.ps[0].runq == std::deque<std::int32_t>{2, 3});
}

TEST_CASE("GoStart takes the G from its queue and binds G, P and M") {
  auto b = main_running();
  b.create(100, 2, 1, 0).create(200, 3, 1, 0);
  b.block(300, 1, trace::BlockReason::WaitGroup, 0);
  b.start(400, 3, 0, 0);  // from runnext
  SchedState s = replay(b.t);
  CHECK(s.ps[0].g == 3);
  CHECK(s.ps[0].runnext == -1);
  CHECK(s.ps[0].runq == std::deque<std::int32_t>{2});
  CHECK(s.ms[0].g == 3);
  CHECK(s.ms[0].p == 0);
  CHECK(s.ms[0].status() == MStatus::Running);
  CHECK(s.gs[3].status == GStatus::Running);
  CHECK(s.gs[1].status == GStatus::Waiting);
  CHECK(s.gs[1].block == trace::BlockReason::WaitGroup);
  CHECK(s.gs[1].object == 0);
}

TEST_CASE("GoUnblock puts the G on the queue its reason names, on the P its p names") {
  auto b = main_running(3);
  for (int g = 2; g <= 4; ++g) b.create(100 * g, g, 1, 0);
  // Park 2, 3, 4 as if they had run and blocked.
  for (int g = 2; g <= 4; ++g) b.start(1000 + g, g, 1, 1).block(1100 + g, g, trace::BlockReason::ChanRecv, 0);
  b.unblock(2000, 2, Queue::Runnext, 2, 1)
      .unblock(2100, 3, Queue::Local, 2, 1)
      .unblock(2200, 4, Queue::Global, -1, 1);
  SchedState s = replay(b.t);
  CHECK(s.ps[2].runnext == 2);
  CHECK(s.ps[2].runq == std::deque<std::int32_t>{3});
  CHECK(s.global == std::deque<std::int32_t>{4});
  CHECK(s.gs[4].where == GWhere::Global);
  // A second runnext wake-up on P2 kicks G2 to P2's tail.
  b.start(3000, 2, 2, 2).block(3100, 2, trace::BlockReason::ChanSend, 0);
  b.unblock(3200, 2, Queue::Runnext, 2);
  b.start(3300, 5, 1, 1);  // unknown G: must not disturb anything
  b.create(3400, 6, 1, 1);
  b.unblock(3500, 6, Queue::Runnext, 2);  // already runnable: moves
  s = replay(b.t);
  CHECK(s.ps[2].runnext == 6);
  CHECK(s.ps[2].runq == std::deque<std::int32_t>{3, 2});
  CHECK(s.ps[1].runnext == -1);
}

TEST_CASE("ProcSteal moves a1 Gs from the victim's head to the thief, which then runs the last") {
  auto b = main_running();
  for (int g = 2; g <= 6; ++g) b.create(100 * g, g, 1, 0);
  // P0: runnext 6, ring [2 3 4 5]. P1 steals half of the ring: 2.
  b.ev(1000, EventKind::ProcSteal, 3, 1, 1, /*victim*/ 0, /*stole*/ 2, /*had*/ 4);
  SchedState s = replay(b.t);
  CHECK(s.ps[0].runq == std::deque<std::int32_t>{4, 5});
  CHECK(s.ps[1].runq == std::deque<std::int32_t>{2, 3});
  CHECK(s.gs[2].p == 1);
  CHECK(s.ms[1].p == 1);
  b.start(1100, 3, 1, 1);
  s = replay(b.t);
  CHECK(s.ps[1].runq == std::deque<std::int32_t>{2});
  CHECK(s.ps[1].g == 3);
}

TEST_CASE("ProcSteal takes the victim's runnext only when its ring is empty") {
  auto b = main_running();
  b.create(100, 2, 1, 0);
  b.ev(1000, EventKind::ProcSteal, 2, 1, 1, 0, 1, 0);
  SchedState s = replay(b.t);
  CHECK(s.ps[0].runnext == -1);
  CHECK(s.ps[1].runq == std::deque<std::int32_t>{2});
}

TEST_CASE("Gosched and time-slice preemption go to the global queue, a yield stays local") {
  auto b = main_running();
  b.create(100, 2, 1, 0);
  b.ev(200, EventKind::GoSched, 1, 0, 0);
  b.start(300, 2, 0, 0);
  b.ev(400, EventKind::GoPreempt, 2, 0, 0, 10'000'000, 0, 0, static_cast<std::uint8_t>(trace::PreemptReason::TimeSlice));
  SchedState s = replay(b.t);
  CHECK(s.global == std::deque<std::int32_t>{1, 2});
  CHECK(s.ps[0].g == -1);
  b.start(500, 1, 0, 0);
  b.ev(600, EventKind::GoPreempt, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::PreemptReason::Yield));
  s = replay(b.t);
  CHECK(s.global == std::deque<std::int32_t>{2});
  CHECK(s.ps[0].runq == std::deque<std::int32_t>{1});
}

TEST_CASE("A blocking syscall: P kept, then taken and handed off, the G comes back through the global queue") {
  auto b = main_running();
  b.ev(100, EventKind::GoSysCall, 1, 0, 0, 5'000'000);
  SchedState s = replay(b.t);
  CHECK(s.gs[1].status == GStatus::Syscall);
  CHECK(s.ms[0].status() == MStatus::Syscall);
  CHECK(s.ps[0].status == PStatus::Syscall);
  CHECK(s.ps[0].g == -1);

  b.ev(30'000, EventKind::GoSysBlock, 1, 0, 0);
  b.ev(30'000, EventKind::HandoffP, -1, 0, 1, /*from*/ 0, 0, 0, static_cast<std::uint8_t>(trace::HandoffReason::SyscallRetake));
  b.ev(30'000, EventKind::MStart, -1, 0, 1, 2);
  s = replay(b.t);
  CHECK(s.ps[0].status == PStatus::Running);
  CHECK(s.ps[0].m == 1);
  CHECK(s.ms[0].p == -1);
  CHECK(s.ms[0].status() == MStatus::Syscall);
  CHECK(s.ms[1].status() == MStatus::Running);

  // Back with no P free: slow path.
  b.ev(5'000'100, EventKind::GoSysExit, 1, -1, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::SysExitPath::Slow));
  b.ev(5'000'200, EventKind::MPark, -1, -1, 0);
  s = replay(b.t);
  CHECK(s.gs[1].status == GStatus::Runnable);
  CHECK(s.global == std::deque<std::int32_t>{1});
  CHECK(s.ms[0].status() == MStatus::Idle);
  CHECK(s.ps[0].m == 1);
}

TEST_CASE("A short syscall keeps its P (fast path)") {
  auto b = main_running();
  b.ev(100, EventKind::GoSysCall, 1, 0, 0, 1000);
  b.ev(1100, EventKind::GoSysExit, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
  SchedState s = replay(b.t);
  CHECK(s.gs[1].status == GStatus::Running);
  CHECK(s.ps[0].status == PStatus::Running);
  CHECK(s.ps[0].g == 1);
  CHECK(s.ms[0].status() == MStatus::Running);
}

TEST_CASE("Spinning, parking and unparking Ms, ProcStop idles the P") {
  auto b = main_running();
  b.ev(100, EventKind::MStart, -1, 1, 1, 2);
  b.ev(110, EventKind::MSpin, -1, 1, 1);
  SchedState s = replay(b.t);
  CHECK(s.ms[1].status() == MStatus::Spinning);
  CHECK(s.ps[1].m == 1);
  b.ev(200, EventKind::MSpinStop, -1, 1, 1, 0).ev(210, EventKind::ProcStop, -1, 1, 1).ev(220, EventKind::MPark, -1, -1, 1);
  s = replay(b.t);
  CHECK(s.ms[1].status() == MStatus::Idle);
  CHECK(s.ps[1].status == PStatus::Idle);
  CHECK(s.ps[1].m == -1);
  b.ev(300, EventKind::MUnpark, -1, 1, 1);
  s = replay(b.t);
  CHECK(s.ms[1].status() == MStatus::Running);
  CHECK(s.ps[1].m == 1);
}

TEST_CASE("Sleeping and network-waiting Gs keep their wake-up time, GC and STW state") {
  auto b = main_running();
  b.create(100, 2, 1, 0);
  b.block(200, 1, trace::BlockReason::Sleep, -1, 5'000);
  b.start(300, 2, 0, 0).block(400, 2, trace::BlockReason::NetWait, -1, 9'000);
  b.ev(500, EventKind::GCStart, -1, -1, -1, 3, 4 << 20, 8 << 20);
  b.ev(510, EventKind::STWStart, -1, -1, -1, 0, 0, 0, static_cast<std::uint8_t>(trace::STWKind::SweepTermination));
  SchedState s = replay(b.t);
  CHECK(s.gs[1].block == trace::BlockReason::Sleep);
  CHECK(s.gs[1].ready_at == 5'000);
  CHECK(s.gs[2].block == trace::BlockReason::NetWait);
  CHECK(s.gc_active);
  CHECK(s.gc_cycle == 3);
  CHECK(s.heap_goal == (8 << 20));
  CHECK(s.stw);
  b.ev(600, EventKind::STWDone, -1, -1, -1, 90).ev(700, EventKind::GCDone, -1, -1, -1, 3, 1 << 20);
  b.ev(5'000, EventKind::TimerFire, 1, 0).unblock(5'000, 1, Queue::Runnext, 0);
  s = replay(b.t);
  CHECK_FALSE(s.stw);
  CHECK_FALSE(s.gc_active);
  CHECK(s.heap_live == (1 << 20));
  CHECK(s.ps[0].runnext == 1);
  CHECK(s.gs[1].ready_at == -1);
}

TEST_CASE("A full local queue sends its older half and the new G to the global queue") {
  auto b = main_running(1);
  b.t.header.config = {{"constants", {{"local_runq_size", 4}}}};
  b.t.header.config["mechanisms"] = {{"runnext", false}};
  for (int g = 2; g <= 6; ++g) b.create(100 * g, g, 1, 0);
  SchedState s = replay(b.t);
  CHECK(s.local_runq_size == 4);
  CHECK(s.ps[0].runq == std::deque<std::int32_t>{4, 5});
  CHECK(s.global == std::deque<std::int32_t>{2, 3, 6});
}

TEST_CASE("Replayer: seeking back gives the same state as replaying from the start") {
  auto b = main_running(2);
  for (int g = 2; g < 3000; ++g) {
    b.create(10 * g, g, 1, 0);
    if (g % 3 == 0) b.ev(10 * g + 1, EventKind::ProcSteal, g - 1, 1, 1, 0, 1, 2);
    if (g % 3 == 0) b.start(10 * g + 2, g - 1, 1, 1).end(10 * g + 3, g - 1, 1, 1);
  }
  Replayer r(b.t);
  CHECK(r.size() == b.t.events.size());
  r.seek(r.size());
  for (std::size_t n : {std::size_t{0}, std::size_t{5}, r.size() / 2, r.size() - 1}) {
    SchedState fresh(b.t.header);
    for (std::size_t i = 0; i < n; ++i) fresh.apply(b.t.events[i]);
    const SchedState& s = r.seek(n);
    CHECK(s.applied == static_cast<std::int64_t>(n));
    CHECK(s.ps[0].runq == fresh.ps[0].runq);
    CHECK(s.ps[1].runq == fresh.ps[1].runq);
    CHECK(s.ps[0].runnext == fresh.ps[0].runnext);
    CHECK(s.global == fresh.global);
  }
  CHECK(r.events_until(-1) == 0);
  CHECK(r.events_until(10) == 2);  // GoCreate at 0 and GoStart at 10
}

TEST_CASE("A G started from the global queue brings globrunqget's batch to the local queue") {
  // GOMAXPROCS 2, five Gs on the global queue: n = min(5, 5/2 + 1) = 3 (go-runtime-model.md §2.7).
  auto b = main_running(2);
  for (int g = 2; g <= 6; ++g) b.create(100 * g, g, 1, 0).ev(100 * g + 1, EventKind::GoSched, g, 0, 0);
  SchedState s = replay(b.t);
  // (each GoSched here is of a G that never ran: the replay just moves it)
  REQUIRE(s.global == std::deque<std::int32_t>{2, 3, 4, 5, 6});
  b.start(2'000, 2, 1, 1);
  b.t.events.back().why = trace::Why::StartGlobal;
  s = replay(b.t);
  CHECK(s.ps[1].g == 2);
  CHECK(s.ps[1].runq == std::deque<std::int32_t>{3, 4});
  CHECK(s.global == std::deque<std::int32_t>{5, 6});
  // The fairness check takes exactly one.
  b.end(2'100, 2, 1, 1).start(2'200, 5, 1, 1);
  b.t.events.back().why = trace::Why::StartFairness;
  s = replay(b.t);
  CHECK(s.ps[1].runq == std::deque<std::int32_t>{3, 4});
  CHECK(s.global == std::deque<std::int32_t>{6});
}

TEST_CASE("GC mark assists: the G assists from GCMarkAssistStart to Done, or until it stops running") {
  auto b = main_running(1);
  b.ev(100, EventKind::GCMarkAssistStart, 1, 0, 0, 4096);
  SchedState s = replay(b.t);
  CHECK(s.gs[1].assisting);
  CHECK(s.gs[1].assist_debt == 4096);
  CHECK(s.gs[1].assist_since == 100);
  b.ev(200, EventKind::GCMarkAssistDone, 1, 0, 0);
  CHECK_FALSE(replay(b.t).gs[1].assisting);
  // A G that blocks, yields or enters a syscall mid-assist no longer assists.
  auto c = main_running(1);
  c.ev(100, EventKind::GCMarkAssistStart, 1, 0, 0, 4096).ev(150, EventKind::GoSched, 1, 0, 0);
  CHECK_FALSE(replay(c.t).gs[1].assisting);
  auto d = main_running(1);
  d.ev(100, EventKind::GCMarkAssistStart, 1, 0, 0, 4096).ev(150, EventKind::GoSysCall, 1, 0, 0, 10);
  CHECK_FALSE(replay(d.t).gs[1].assisting);
}

TEST_CASE("syscall_handoff comes from the header's config, the replay of a kept P is the same either way") {
  for (bool handoff : {true, false}) {
    CAPTURE(handoff);
    auto b = main_running(1);
    b.t.header.config = {{"mechanisms", {{"syscall_handoff", handoff}}}};
    b.ev(100, EventKind::GoSysCall, 1, 0, 0, 1'000);
    SchedState s = replay(b.t);
    CHECK(s.syscall_handoff == handoff);
    CHECK(s.ps[0].status == PStatus::Syscall);
    CHECK(s.ps[0].m == 0);
    CHECK(s.ms[0].p == 0);
    CHECK(s.ms[0].status() == MStatus::Syscall);
    b.ev(1'100, EventKind::GoSysExit, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
    s = replay(b.t);
    CHECK(s.ps[0].status == PStatus::Running);
    CHECK(s.ps[0].g == 1);
    CHECK(s.gs[1].status == GStatus::Running);
  }
  CHECK(SchedState(trace::TraceHeader{}).syscall_handoff);
}
