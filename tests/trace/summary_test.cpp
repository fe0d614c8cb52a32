#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "trace/summary.h"
#include "trace_fixtures.h"

using namespace gosim::test;

TEST_CASE("summary: a G created at 0 and started at 500 waited 500") {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  t.events = {ev(0, K::GoCreate, 1, 0, 0, -1), ev(500, K::GoStart, 1, 0, 0), ev(1000, K::GoEnd, 1, 0, 0)};
  Summary s = summarize(t);
  CHECK(s.sched_latency.count == 1);
  CHECK(s.sched_latency.p50 == 500);
  CHECK(s.sched_latency.p99 == 500);
  CHECK(s.sched_latency.max == 500);
  CHECK(s.sched_latency.mean == doctest::Approx(500));
  CHECK(s.makespan == 1000);
  REQUIRE(s.p_utilisation.size() == 2);
  CHECK(s.p_utilisation[0] == doctest::Approx(0.5));
  CHECK(s.p_utilisation[1] == doctest::Approx(0.0));
}

TEST_CASE("summary: the story's metrics follow from their definitions") {
  Summary s = summarize(story());
  CHECK(s.makespan == 2300);
  CHECK(s.events == static_cast<std::int64_t>(story().events.size()));
  // Latencies 100 250 220 350 50 150 100, nearest rank.
  CHECK(s.sched_latency.count == 7);
  CHECK(s.sched_latency.p50 == 150);
  CHECK(s.sched_latency.p95 == 350);
  CHECK(s.sched_latency.p99 == 350);
  CHECK(s.sched_latency.max == 350);
  CHECK(s.sched_latency.mean == doctest::Approx(1220.0 / 7));
  CHECK(s.sched_latency.exact);
  REQUIRE(s.p_busy.size() == 2);
  CHECK(s.p_busy[0] == 580);
  CHECK(s.p_busy[1] == 1600);
  CHECK(s.p_utilisation[1] == doctest::Approx(1600.0 / 2300));
  CHECK(s.goroutines == 3);
  CHECK(s.goroutines_peak == 3);
  CHECK(s.goroutines_left == 0);
  CHECK(s.context_switches == 7);
  CHECK(s.preemptions == 1);
  CHECK(s.goscheds == 1);
  CHECK(s.blocks == 1);
  CHECK(s.steals == 1);
  CHECK(s.stolen_gs == 1);
  CHECK(s.handoffs == 1);
  CHECK(s.syscalls == 1);
  CHECK(s.syscalls_blocked == 1);
  CHECK(s.threads_created == 3);
  CHECK(s.threads_peak == 3);
  CHECK(s.spinning_time == 40);
  CHECK(s.gc_cycles == 1);
  CHECK(s.stw_total == 30);
  CHECK(s.stw_max == 30);
  CHECK(s.mark_assists == 1);
}

TEST_CASE("summary: a mutex hand-off's yield is not a preemption") {
  using K = EventKind;
  auto r = [](PreemptReason x) { return static_cast<std::uint8_t>(x); };
  Trace t;
  t.header = story_header();
  t.events = {ev(0, K::GoCreate, 1, 0, 0, -1),
              ev(10, K::GoStart, 1, 0, 0),
              ev(20, K::GoPreempt, 1, 0, 0, 10, 0, 0, r(PreemptReason::Yield)),
              ev(30, K::GoStart, 1, 0, 0),
              ev(40, K::GoPreempt, 1, 0, 0, 30, 0, 0, r(PreemptReason::TimeSlice)),
              ev(50, K::GoStart, 1, 0, 0),
              ev(60, K::GoPreempt, 1, 0, 0, 50, 0, 0, r(PreemptReason::STW)),
              ev(70, K::GoStart, 1, 0, 0),
              ev(80, K::GoEnd, 1, 0, 0)};
  Summary s = summarize(t);
  CHECK(s.preemptions == 2);
  CHECK(s.yields == 1);
  CHECK(s.sched_latency.count == 4);  // a yield still makes the G wait to run again
  CHECK(summary_to_json(s)["yields"] == 1);
}

TEST_CASE("summary: peak alive counts Gs alive at once, not Gs created") {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  for (int i = 0; i < 5; ++i) {  // five Gs one after another: never two alive
    Nanos base = i * 100;
    t.events.push_back(ev(base, K::GoCreate, i + 1, 0, 0, -1));
    t.events.push_back(ev(base + 10, K::GoStart, i + 1, 0, 0));
    t.events.push_back(ev(base + 20, K::GoEnd, i + 1, 0, 0));
  }
  Summary s = summarize(t);
  CHECK(s.goroutines == 5);
  CHECK(s.goroutines_peak == 1);
  CHECK(s.sched_latency.count == 5);
  CHECK(s.sched_latency.max == 10);
}

TEST_CASE("summary: open spinning and running intervals count until the last event") {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  t.events = {ev(0, K::GoCreate, 1, 0, 0, -1), ev(100, K::GoStart, 1, 1, 0), ev(200, K::MSpin, -1, 0, 3),
              ev(1000, K::Counter, -1, -1, -1, 0, 0, 0, r(CounterId::Threads))};
  Summary s = summarize(t);
  CHECK(s.spinning_time == 800);
  CHECK(s.p_busy[1] == 900);
  CHECK(s.goroutines_left == 1);
}

TEST_CASE("summary: a fast syscall exit keeps the G running, a slow one makes it wait") {
  using K = EventKind;
  Trace t;
  t.header = story_header();
  t.events = {
      ev(0, K::GoCreate, 1, 0, 0, -1),
      ev(0, K::GoStart, 1, 0, 0),
      ev(100, K::GoSysCall, 1, 0, 0, 50),
      ev(150, K::GoSysExit, 1, 0, 0, 0, 0, 0, r(SysExitPath::FastOldP)),
      ev(300, K::GoSysCall, 1, 0, 0, 50),
      ev(400, K::GoSysExit, 1, -1, 0, 0, 0, 0, r(SysExitPath::Slow)),
      ev(450, K::GoStart, 1, 1, 0),
      ev(500, K::GoEnd, 1, 1, 0),
  };
  Summary s = summarize(t);
  // Waits: creation 0 -> 0, slow exit 400 -> 450.
  CHECK(s.sched_latency.count == 2);
  CHECK(s.sched_latency.max == 50);
  CHECK(s.p_busy[0] == 100 + 150);
  CHECK(s.p_busy[1] == 50);
  CHECK(s.syscalls == 2);
}

TEST_CASE("summary: beyond the exact limit the histogram stays within 0.8%") {
  using K = EventKind;
  SummarySink sink;
  sink.begin(story_header());
  std::mt19937_64 rng(3);
  std::vector<Nanos> waits;
  Nanos t = 0;
  sink.event(ev(t, K::GoCreate, 1, 0, 0, -1));
  const std::int64_t n = kExactLatencySamples + 50000;
  waits.reserve(n);
  for (std::int64_t i = 0; i < n; ++i) {
    Nanos w = static_cast<Nanos>(rng() % 2000000) + (i % 7 == 0 ? 30000000 : 0);
    t += w;
    sink.event(ev(t, K::GoStart, 1, 0, 0));
    waits.push_back(w);
    t += 10;
    sink.event(ev(t, K::GoSched, 1, 0, 0));
  }
  const Summary& s = sink.summary();
  CHECK_FALSE(s.sched_latency.exact);
  CHECK(s.sched_latency.count == n);
  std::sort(waits.begin(), waits.end());
  auto exact = [&](int pct) { return waits[static_cast<std::size_t>((n * pct + 99) / 100 - 1)]; };
  for (auto [pct, got] : {std::pair{50, s.sched_latency.p50}, {95, s.sched_latency.p95}, {99, s.sched_latency.p99}}) {
    INFO("p" << pct);
    CHECK(got <= exact(pct));
    CHECK(static_cast<double>(got) >= static_cast<double>(exact(pct)) * (1 - 1.0 / 128));
  }
  CHECK(s.sched_latency.max == waits.back());
}

TEST_CASE("summary: the text block names the run and the JSON has every metric") {
  Trace t = story();
  Summary s = summarize(t);
  std::string text = format_summary(s, false);
  CHECK(text.find("story") != std::string::npos);
  CHECK(text.find("GOMAXPROCS=2") != std::string::npos);
  CHECK(text.find("seed 7") != std::string::npos);
  CHECK(text.find("p50 150ns") != std::string::npos);
  CHECK(text.find("\x1b[") == std::string::npos);
  CHECK(format_summary(s, true).find("\x1b[") != std::string::npos);
  auto j = summary_to_json(s);
  CHECK(j["sched_latency_ns"]["p50"] == 150);
  CHECK(j["goroutines"] == 3);
  CHECK(j["status"] == "ok");
  CHECK(j["p_utilisation"].size() == 2);
  CHECK(j["seed"] == 7);
}
