#include <doctest/doctest.h>

#include "trace/check.h"
#include "trace_fixtures.h"

using namespace gosim::test;

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// check_trace on the story after `edit`; the problems as one string.
template <typename F>
std::string broken(F edit) {
  Trace t = story();
  edit(t);
  auto problems = check_trace(t);
  CHECK_FALSE(problems.empty());
  return joined(problems);
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("check: the story passes") {
  auto problems = check_trace(story());
  CHECK_MESSAGE(problems.empty(), joined(problems));
}

TEST_CASE("check: time must not go back") {
  auto s = broken([](Trace& t) { t.events[5].t = 150; });
  CHECK(has(s, "time goes back from 200"));
}

TEST_CASE("check: unknown vocabulary is refused") {
  CHECK(has(broken([](Trace& t) { t.events[1].kind = static_cast<EventKind>(200); }), "unknown event kind"));
  CHECK(has(broken([](Trace& t) { t.events[1].why = static_cast<Why>(250); }), "unknown why code 250"));
  CHECK(has(broken([](Trace& t) { t.events[13].reason = 99; }), "reason 99 is out of range for GoBlock"));
  CHECK(has(broken([](Trace& t) { t.events[1].reason = 1; }), "ProcStart has no reason"));
}

TEST_CASE("check: P and M ids must be in range") {
  CHECK(has(broken([](Trace& t) { t.events[3].p = 2; }), "P2 is out of range (GOMAXPROCS=2)"));
  CHECK(has(broken([](Trace& t) { t.events[3].m = 10000; }), "M10000 is out of range"));
  CHECK(has(broken([](Trace& t) { t.events[3].p = -1; }), "needs a P"));
  CHECK(has(broken([](Trace& t) { t.events[9].a0 = 1; }), "steals from P1, which is not another valid P"));
}

TEST_CASE("check: a G must be created before it runs, and only once") {
  CHECK(has(broken([](Trace& t) { t.events.erase(t.events.begin() + 4); }), "G2 starts before it was created"));
  CHECK(has(broken([](Trace& t) { t.events[5].g = 2; }), "G2 is created twice"));
}

TEST_CASE("check: GoStart only for runnable Gs") {
  // G1 blocked at 500 starts at 520 instead of G3.
  CHECK(has(broken([](Trace& t) { t.events[14].g = 1; }), "G1 starts but it is blocked"));
}

TEST_CASE("check: no G runs on two Ps, no P runs two Gs") {
  // G2 starts on P0 while G1 runs there.
  CHECK(has(broken([](Trace& t) { t.events[12].p = 0; }), "P0 already runs G1"));
  // G1 starts again on P1 while it runs on P0.
  auto s = broken([](Trace& t) {
    t.events.insert(t.events.begin() + 12, ev(450, EventKind::GoStart, 1, 1, 1));
  });
  CHECK(has(s, "G1 starts but it is running"));
}

TEST_CASE("check: only blocked Gs are unblocked, only running Gs stop") {
  CHECK(has(broken([](Trace& t) { t.events[15].g = 2; }), "G2 is unblocked but it is running"));
  CHECK(has(broken([](Trace& t) { t.events[21].g = 1; }), "G1 stops running but it is runnable"));
}

TEST_CASE("check: an ok run ends main, a deadlock may leave it blocked") {
  Trace t = story();
  t.events.pop_back();  // G1 (main, the first G created) never ends
  auto s = joined(check_trace(t));
  CHECK(has(s, "main G1 is still running at the end, but the run is reported ok"));
  t.outcome.status = RunOutcome::Status::Deadlock;
  CHECK(check_trace(t).empty());
}

// Go exits when main returns, whatever the other goroutines do, and its trace
// has no GoEnd for them: a G still running, runnable or blocked when main
// ends is not a problem (the real runtime's producer-consumer trace has a
// consumer that had not reached its GoEnd when main returned).
TEST_CASE("check: Gs other than main may be left in any state when main returns") {
  using K = EventKind;
  Trace syscall = story();  // G3 never comes back from its syscall (its exit, start and end dropped)
  syscall.events.erase(syscall.events.begin() + 25, syscall.events.begin() + 27);
  syscall.events.erase(syscall.events.begin() + 23);
  auto problems = check_trace(syscall);
  CHECK_MESSAGE(problems.empty(), joined(problems));
  Trace runnable = story();  // G4 is created just before main ends and never runs
  runnable.events.insert(runnable.events.end() - 1, ev(2250, K::GoCreate, 4, 1, 1, 1, 1, 0));
  problems = check_trace(runnable);
  CHECK_MESSAGE(problems.empty(), joined(problems));
  // But a P still may not stop under a G that never stopped running.
  Trace stop = runnable;
  stop.events.push_back(ev(2400, K::GoStart, 4, 0, 2));
  stop.events.push_back(ev(2500, K::ProcStop, -1, 0, 2));
  CHECK(has(joined(check_trace(stop)), "P0 stops while G4 runs on it"));
}

TEST_CASE("check: spinning, stop-the-world and GC cycles pair up") {
  CHECK(has(broken([](Trace& t) { t.events[10].kind = EventKind::MSpin; }), "M1 is already spinning"));
  CHECK(has(broken([](Trace& t) { t.events.erase(t.events.begin() + 31); }), "the world restarts but was not stopped"));
  CHECK(has(broken([](Trace& t) { t.events[35].a0 = 2; }), "GC cycle 2 ends, but cycle 1 is running"));
}

TEST_CASE("check: the number of problems is bounded") {
  Trace t = story();
  for (int i = 0; i < 500; ++i) t.events.push_back(ev(5000, EventKind::GoStart, 77, 0, 0));
  auto problems = check_trace(t);
  CHECK(problems.size() == kMaxCheckProblems + 1);
  CHECK(has(problems.back(), "more problems"));
}

TEST_CASE("check: a fast syscall exit may be followed by a GoStart on the same P, not on another") {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  t.events = {
      ev(0, K::GoCreate, 1, 0, 0, -1),
      ev(10, K::GoStart, 1, 0, 0),
      ev(20, K::GoSysCall, 1, 0, 0, 100),
      ev(120, K::GoSysExit, 1, 0, 0, 0, 0, 0, r(SysExitPath::FastOldP), Why::SysExitFast),
      ev(120, K::GoStart, 1, 0, 0, 0, 0, 0, 0, Why::StartSyscallFast),
      ev(200, K::GoEnd, 1, 0, 0),
  };
  auto problems = check_trace(t);
  CHECK_MESSAGE(problems.empty(), joined(problems));
  t.events[4].p = 1;
  CHECK(has(joined(check_trace(t)), "G1 starts but it is running"));
  // And only once: a second GoStart is a G starting twice.
  t.events[4].p = 0;
  t.events.insert(t.events.begin() + 5, ev(130, K::GoStart, 1, 0, 0));
  CHECK(has(joined(check_trace(t)), "G1 starts but it is running"));
}

TEST_CASE("check: a P is not released while a G runs on it") {
  // P1 stops at 1000 while G1 runs there (from 950).
  auto s = broken([](Trace& t) {
    t.events.insert(t.events.begin() + 23, ev(1000, EventKind::ProcStop, -1, 1, 1, 0, 0, 0, r(ProcStopReason::Idle)));
  });
  CHECK(has(s, "P1 stops while G1 runs on it"));
}
