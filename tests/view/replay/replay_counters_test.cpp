// The replayer against the simulator itself: for every bundled scenario (and
// with runnext off, and with syscall hand-off off), the run-queue lengths replayed from the scheduling
// events equal the simulator's own GlobalRunq/LocalRunq counters, which it
// samples from its real queues after each instant.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "scenario/config.h"
#include "scenario/load.h"
#include "scenario/program.h"
#include "sim/simulator.h"
#include "trace/sink.h"
#include "view/sched_state.h"

using namespace gosim;

namespace {

trace::Trace simulate(const std::string& path, const std::vector<std::string>& overrides) {
  scenario::LoadResult r = scenario::load_scenario_file(path);
  if (r.ok() && !overrides.empty()) r = scenario::apply_overrides(r.scenario, overrides);
  REQUIRE_MESSAGE(r.ok(), path);
  scenario::Program program = scenario::compile(r.scenario);
  trace::TraceHeader h;
  h.mode = "sim";
  h.gomaxprocs = static_cast<std::int32_t>(r.scenario->config.gomaxprocs);
  h.config = scenario::config_to_json(r.scenario->config);
  trace::RecordingSink sink;
  sink.begin(h);
  trace::RunOutcome outcome = sim::simulate(program, sink);
  sink.end(outcome);
  return sink.take();
}

// Mismatches between replayed queue lengths and the counters; counts checks.
int mismatches(const trace::Trace& t, int* checked, std::string* first) {
  view::SchedState s(t.header);
  int bad = 0;
  for (const trace::Event& e : t.events) {
    s.apply(e);
    if (e.kind != trace::EventKind::Counter) continue;
    auto id = static_cast<trace::CounterId>(e.reason);
    std::int64_t replayed;
    if (id == trace::CounterId::GlobalRunq) {
      replayed = static_cast<std::int64_t>(s.global.size());
    } else if (id == trace::CounterId::LocalRunq) {
      const view::PInfo* p = s.p(e.p);
      replayed = p ? static_cast<std::int64_t>(p->runq.size()) : 0;
    } else if (id == trace::CounterId::IdlePs) {
      // sched.npidle: a stop-the-world takes idle Ps to _Pgcstop, and
      // starting the world puts those without work back on pidle.
      replayed = 0;
      for (const view::PInfo& p : s.ps) replayed += p.status == view::PStatus::Idle;
    } else {
      continue;
    }
    ++*checked;
    if (replayed != e.a0 && bad++ == 0)
      *first = "t=" + std::to_string(e.t) + " " + std::string(trace::counter_name(id)) + " p=" +
               std::to_string(e.p) + ": counter " + std::to_string(e.a0) + ", replayed " + std::to_string(replayed);
  }
  return bad;
}

}  // namespace

TEST_CASE("replayed run queues equal the simulator's counters on every bundled scenario") {
  int scenarios = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(GOSIM_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    for (const std::vector<std::string>& set :
         {std::vector<std::string>{}, std::vector<std::string>{"mechanisms.runnext=false"},
          std::vector<std::string>{"mechanisms.syscall_handoff=false"}, std::vector<std::string>{"gomaxprocs=8"}}) {
      trace::Trace t = simulate(entry.path().string(), set);
      int checked = 0;
      std::string first;
      int bad = mismatches(t, &checked, &first);
      CHECK_MESSAGE(bad == 0, entry.path().filename().string(), set.empty() ? "" : " " + set[0], ": ", first);
      CHECK(checked > 0);
    }
    ++scenarios;
  }
  CHECK(scenarios >= 5);
}

TEST_CASE("with syscall hand-off off, the replayed P stays with the M in the syscall until it returns") {
  // What the simulator emits with the mechanism off (syscall.cpp: the P stays
  // with its M unless a stop-the-world takes it, and this scenario has no GC):
  // no GoSysBlock, no HandoffP, and a fast GoSysExit to the same P. The replay
  // must show that P in the syscall state, owned by that M, at every event in
  // between.
  trace::Trace t = simulate(std::string(GOSIM_SOURCE_DIR) + "/scenarios/syscall-handoff.json",
                            {"mechanisms.syscall_handoff=false"});
  view::SchedState s(t.header);
  CHECK_FALSE(s.syscall_handoff);
  std::int32_t in_p = -1, in_m = -1;
  int inside = 0, syscalls = 0;
  for (const trace::Event& e : t.events) {
    CHECK(e.kind != trace::EventKind::GoSysBlock);
    CHECK(e.kind != trace::EventKind::HandoffP);
    s.apply(e);
    if (e.kind == trace::EventKind::GoSysCall) {
      in_p = e.p;
      in_m = e.m;
      ++syscalls;
    } else if (e.kind == trace::EventKind::GoSysExit) {
      CHECK(e.p == in_p);
      CHECK(s.p(in_p)->status == view::PStatus::Running);
      in_p = -1;
    } else if (in_p >= 0) {
      ++inside;
      CHECK(s.p(in_p)->status == view::PStatus::Syscall);
      CHECK(s.p(in_p)->m == in_m);
      CHECK(s.m(in_m)->status() == view::MStatus::Syscall);
    }
  }
  CHECK(syscalls >= 1);
  CHECK(inside >= 3);
}
