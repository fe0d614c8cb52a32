// Hand-built traces shared by the trace tests.
#pragma once

#include <limits>

#include "../support/make_event.h"
#include "trace/sink.h"

namespace gosim::test {

using namespace gosim::trace;

// Fields in the order the trace tests list them (reason before why).
inline Event ev(Nanos t, EventKind k, std::int32_t g, std::int32_t p, std::int32_t m, std::int64_t a0 = 0,
                std::int64_t a1 = 0, std::int64_t a2 = 0, std::uint8_t reason = 0, Why why = Why::None) {
  return make_event(t, k, g, p, m, a0, a1, a2, why, reason);
}

template <typename E>
std::uint8_t r(E v) {
  return static_cast<std::uint8_t>(v);
}

inline TraceHeader story_header() {
  TraceHeader h;
  h.mode = "sim";
  h.clock = "virtual";
  h.gosim_version = "0.1.0-test";
  h.scenario_name = "story";
  h.scenario_hash = "abc123";
  h.scenario_description = "main spawns two workers; one receives, one does a syscall";
  h.functions = {"main", "worker"};
  h.channels = {"jobs"};
  h.mutexes = {"mu"};
  h.waitgroups = {"wg"};
  h.gomaxprocs = 2;
  h.config = {{"gomaxprocs", 2},
              {"seed", 7},
              {"constants", {{"max_threads", 10000}, {"force_preempt", "10ms"}}},
              {"gc", {{"background_utilization", 0.25}}},
              {"limits", {{"max_trace_events", 50000000}}}};
  return h;
}

// A small valid run on two Ps (check_trace passes). Its numbers, by the
// definitions in docs/trace-format.md:
//   latencies (runnable -> GoStart): 100 250 220 350 50 150 100
//   P0 busy 400 + 180 = 580; P1 busy 450 + 750 + 50 + 50 + 300 = 1600; makespan 2300
inline Trace story() {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  t.events = {
      ev(0, K::MStart, -1, 0, 0, 1, 0, 0, 0, Why::MNewNoIdle),
      ev(0, K::ProcStart, -1, 0, 0),
      ev(0, K::GoCreate, 1, 0, 0, -1, 0, 0),
      ev(100, K::GoStart, 1, 0, 0, 0, 0, 0, 0, Why::StartRunnext),
      ev(200, K::GoCreate, 2, 0, 0, 1, 1, 0),
      ev(300, K::GoCreate, 3, 0, 0, 1, 1, 1),
      ev(350, K::MStart, -1, 1, 1, 2, 0, 0, 0, Why::MNewNoIdle),
      ev(350, K::ProcStart, -1, 1, 1),
      ev(360, K::MSpin, -1, 1, 1, 0, 0, 0, 0, Why::SpinLookForWork),
      ev(400, K::ProcSteal, 2, 1, 1, 0, 1, 2, 0, Why::ProcStealGot),
      ev(400, K::MSpinStop, -1, 1, 1, 1, 0, 0, 0, Why::SpinFoundWork),
      ev(400, K::Counter, -1, 0, -1, 1, 0, 0, r(CounterId::LocalRunq)),
      ev(450, K::GoStart, 2, 1, 1, 0, 0, 0, 0, Why::StartLocal),
      ev(500, K::GoBlock, 1, 0, 0, 0, -1, 0, r(BlockReason::ChanRecv), Why::BlockChanRecv),
      ev(520, K::GoStart, 3, 0, 0, 0, 0, 0, 0, Why::StartLocal),
      ev(600, K::GoUnblock, 1, 1, 1, 2, 0, 0, r(Queue::Runnext), Why::WakeChanSend),
      ev(700, K::GoSysCall, 3, 0, 0, 1000),
      ev(800, K::GoSysBlock, 3, 0, 0),
      ev(800, K::ProcStop, -1, 0, 0, 0, 0, 0, r(ProcStopReason::Syscall)),
      ev(800, K::MStart, -1, 0, 2, 3, 0, 0, 0, Why::MNewNoIdle),
      ev(800, K::HandoffP, -1, 0, 2, 0, 0, 0, r(HandoffReason::SyscallRetake), Why::HandoffRetake),
      ev(900, K::GoEnd, 2, 1, 1, 0, 0, 0, 0, Why::GoExit),
      ev(950, K::GoStart, 1, 1, 1, 0, 0, 0, 0, Why::StartRunnext),
      ev(1700, K::GoSysExit, 3, -1, 0, 0, 0, 0, r(SysExitPath::Slow), Why::SysExitSlow),
      ev(1700, K::GoPreempt, 1, 1, 1, 750, 0, 0, r(PreemptReason::TimeSlice), Why::PreemptTimeSlice),
      ev(1750, K::GoStart, 3, 1, 1, 0, 0, 0, 0, Why::StartGlobal),
      ev(1800, K::GoEnd, 3, 1, 1),
      ev(1850, K::GoStart, 1, 1, 1, 0, 0, 0, 0, Why::StartGlobal),
      ev(1900, K::GoSched, 1, 1, 1, 0, 0, 0, 0, Why::GoschedToGlobal),
      ev(2000, K::GoStart, 1, 1, 1, 0, 0, 0, 0, Why::StartGlobal),
      ev(2050, K::GCStart, -1, -1, -1, 1, 4 << 20, 8 << 20, r(GCTrigger::Heap), Why::GCHeapTrigger),
      ev(2050, K::STWStart, -1, -1, -1, 0, 0, 0, r(STWKind::SweepTermination), Why::STWStopAll),
      ev(2080, K::STWDone, -1, -1, -1, 30, 0, 0, r(STWKind::SweepTermination), Why::STWRestart),
      ev(2100, K::GCMarkAssistStart, 1, 1, 1, 4096, 0, 0, 0, Why::AssistDebt),
      ev(2150, K::GCMarkAssistDone, 1, 1, 1),
      ev(2200, K::GCDone, -1, -1, -1, 1, 3 << 20),
      ev(2200, K::Counter, -1, -1, -1, 0, 0, 0, r(CounterId::GlobalRunq)),
      ev(2300, K::GoEnd, 1, 1, 1, 0, 0, 0, 0, Why::GoExit),
  };
  t.outcome.status = RunOutcome::Status::Ok;
  t.outcome.end_time = 2300;
  t.outcome.engine_events = 99;
  return t;
}

// The story plus one event of every kind with every reason value and every
// why code, odd field values, and names that need escaping. Not a valid run:
// for the writer and reader only.
inline Trace rich() {
  Trace t = story();
  t.header.scenario_description = "quotes \" backslash \\ newline \n tab \t unicode µs ✓ control \x01";
  t.header.functions.push_back("fn \"quoted\"");
  t.header.channels.push_back("chan\\back");
  Nanos time = 3000;
  int n = 0;
  for (int k = 0; k < kEventKinds; ++k) {
    int reasons = std::max(1, reason_count(static_cast<EventKind>(k)));
    for (int reason = 0; reason < reasons; ++reason) {
      Event e = ev(time, static_cast<EventKind>(k), n % 5, n % 2, n % 3, n - 3, n * 1000, -n,
                   static_cast<std::uint8_t>(reason), static_cast<Why>(n % kWhyCodes));
      t.events.push_back(e);
      ++n;
      time += 7;
    }
  }
  for (int w = 0; w < kWhyCodes; ++w) {
    t.events.push_back(ev(time, EventKind::Counter, -1, -1, -1, w, 0, 0, 0, static_cast<Why>(w)));
    time += 1;
  }
  // Extremes of every field.
  t.events.push_back(ev(time, EventKind::GoCreate, std::numeric_limits<std::int32_t>::max(), 1, 0,
                        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 0));
  t.events.push_back(ev(time, EventKind::GoBlock, 5, -1, -1, 99, -1, 0, r(BlockReason::ChanSend), Why::BlockChanSend));
  t.events.push_back(ev(time, EventKind::GoEnd, 5, -1, -1, 0, 0, 0, 17));  // a reason where none belongs
  t.outcome.status = RunOutcome::Status::Deadlock;
  t.outcome.message = "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:";
  t.outcome.end_time = time;
  return t;
}

}  // namespace gosim::test
