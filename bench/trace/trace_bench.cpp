// How fast the trace sinks take events: the gosim JSON writer (target: at
// least 5M events/s), the Chrome writer and the summary. The events are a
// scheduler-like mix: create, start, block, unblock, end, counters, with why
// codes, so every writer renders its "why" words as it would in a real run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "trace/chrome.h"
#include "trace/gosim_json.h"
#include "trace/summary.h"

namespace {

using namespace gosim::trace;

TraceHeader header() {
  TraceHeader h;
  h.mode = "sim";
  h.clock = "virtual";
  h.scenario_name = "bench";
  h.functions = {"main", "worker"};
  h.channels = {"jobs"};
  h.gomaxprocs = 8;
  h.config = {{"limits", {{"max_trace_events", 1000000000}}}};
  return h;
}

// n events of Gs cycling create -> start -> block -> unblock -> start -> end on 8 Ps.
const std::vector<Event>& events() {
  static std::vector<Event> ev = [] {
    std::vector<Event> v;
    const int n = 1'000'000;
    v.reserve(n);
    std::mt19937 rng(1);
    std::int64_t t = 0;
    std::int32_t g = 1;
    while (static_cast<int>(v.size()) < n) {
      std::int32_t p = static_cast<std::int32_t>(rng() % 8);
      auto push = [&](EventKind k, std::int32_t gg, std::int64_t a0, std::int64_t a1, std::uint8_t reason, Why why) {
        v.push_back(Event{t, k, reason, why, gg, p, p, a0, a1, 0});
        t += 1 + rng() % 500;
      };
      push(EventKind::GoCreate, g, 1, 1, 0, Why::None);
      push(EventKind::GoStart, g, 0, 0, 0, Why::StartRunnext);
      push(EventKind::GoBlock, g, 0, -1, static_cast<std::uint8_t>(BlockReason::ChanRecv), Why::BlockChanRecv);
      push(EventKind::Counter, -1, 3, 0, static_cast<std::uint8_t>(CounterId::LocalRunq), Why::None);
      push(EventKind::GoUnblock, g, 1, 0, static_cast<std::uint8_t>(Queue::Runnext), Why::WakeChanSend);
      push(EventKind::GoStart, g, 0, 0, 0, Why::StartLocal);
      push(EventKind::GoEnd, g, 0, 0, 0, Why::GoExit);
      ++g;
    }
    return v;
  }();
  return ev;
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

void BM_GosimJsonWriter(benchmark::State& state) {
  const auto& ev = events();
  TraceHeader h = header();
  std::string path = temp_path("gosim-trace-bench.json");
  std::int64_t bytes = 0;
  for (auto _ : state) {
    std::string error;
    auto w = GosimJsonWriter::create(path, &error);
    w->begin(h);
    for (const Event& e : ev) w->event(e);
    w->end(RunOutcome{});
    w->commit(&error);
    bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  }
  std::remove(path.c_str());
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(ev.size()) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
  state.counters["bytes/event"] = static_cast<double>(bytes) / static_cast<double>(ev.size());
}
BENCHMARK(BM_GosimJsonWriter)->Unit(benchmark::kMillisecond);

void BM_ChromeWriter(benchmark::State& state) {
  const auto& ev = events();
  TraceHeader h = header();
  std::string path = temp_path("gosim-chrome-bench.json");
  for (auto _ : state) {
    std::string error;
    auto w = ChromeTraceWriter::create(path, &error);
    w->begin(h);
    for (const Event& e : ev) w->event(e);
    w->end(RunOutcome{});
    w->commit(&error);
  }
  std::remove(path.c_str());
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(ev.size()) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChromeWriter)->Unit(benchmark::kMillisecond);

void BM_Summary(benchmark::State& state) {
  const auto& ev = events();
  TraceHeader h = header();
  for (auto _ : state) {
    SummarySink s;
    s.begin(h);
    for (const Event& e : ev) s.event(e);
    s.end(RunOutcome{});
    benchmark::DoNotOptimize(s.summary().sched_latency.p99);
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(ev.size()) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Summary)->Unit(benchmark::kMillisecond);

void BM_Reader(benchmark::State& state) {
  Trace t;
  t.header = header();
  t.events = events();
  std::string text = to_gosim_json(t);
  for (auto _ : state) {
    std::string error;
    auto back = parse_gosim_json(text, &error);
    benchmark::DoNotOptimize(back->events.size());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(t.events.size()) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Reader)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
