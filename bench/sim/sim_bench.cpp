// Simulator throughput and memory: engine events per second and bytes per
// live simulated G on (1) a 1,000,000-goroutine spawn like the Go anchor
// `spawn` (each G does wg.Done then parks on a channel; main closes it),
// (2) a fib(n) fan-out tree like the Go anchor `fanout` (one G per node),
// and (3) a long unbuffered channel ping-pong (the `pingpong` anchor).
// Prints `metric=<name> value=<v> unit=<u>` lines like the anchors do.
// Usage: gosim_sim_bench [--spawn N] [--fib N] [--pingpong N] [--procs P]
#include <sys/resource.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "scenario/program.h"
#include "sim/sched.h"
#include "sim/simulator.h"
#include "trace/sink.h"

using namespace gosim;
using scenario::Op;
using scenario::OpKind;

namespace {

struct CountingSink final : trace::TraceSink {
  std::int64_t n = 0;
  void event(const trace::Event&) override { ++n; }
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

void metric(const std::string& name, double v, const char* unit) {
  if (v >= 1e5 || v <= -1e5) {
    std::printf("metric=%s value=%.0f unit=%s\n", name.c_str(), v, unit);
  } else {
    std::printf("metric=%s value=%.6g unit=%s\n", name.c_str(), v, unit);
  }
}

Op mk(OpKind k, int target = -1, std::int64_t count = 1) {
  Op o;
  o.kind = k;
  o.target = target;
  o.count = count;
  return o;
}

scenario::Function fn(const char* name, std::vector<Op> ops) {
  scenario::Function f;
  f.name = name;
  f.ops = std::move(ops);
  return f;
}

// Runs one scenario; prints events/s, trace events, wall time, bytes per G.
void bench(const std::string& pre, std::shared_ptr<scenario::Scenario> s, std::int64_t live_gs) {
  s->config.limits.max_events = 1'000'000'000'000;
  s->config.limits.max_goroutines = 50'000'000;
  scenario::Program p = scenario::compile(s);
  CountingSink sink;
  const long rss0 = max_rss_kib();
  const double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  trace::RunOutcome o = sim::simulate(p, sink);
  auto t1 = std::chrono::steady_clock::now();
  const double cpu = cpu_seconds() - c0;
  const long rss1 = max_rss_kib();
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  if (o.status != trace::RunOutcome::Status::Ok) {
    std::fprintf(stderr, "%s: run failed: %s\n", pre.c_str(), o.message.c_str());
    std::exit(1);
  }
  metric(pre + "wall_ms", secs * 1e3, "ms");
  metric(pre + "engine_events", static_cast<double>(o.engine_events), "events");
  metric(pre + "cpu_ms", cpu * 1e3, "ms");
  metric(pre + "engine_events_per_s", static_cast<double>(o.engine_events) / secs, "events/s");
  // CPU time of this single-threaded process: events per second on one core
  // even when the machine is shared.
  metric(pre + "engine_events_per_cpu_s", static_cast<double>(o.engine_events) / cpu, "events/s");
  metric(pre + "trace_events_per_s", static_cast<double>(sink.n) / secs, "events/s");
  metric(pre + "virtual_ms", static_cast<double>(o.end_time) / 1e6, "ms");
  if (live_gs > 0) {
    metric(pre + "rss_bytes_per_live_g", (static_cast<double>(rss1 - rss0) * 1024.0) / static_cast<double>(live_gs),
           "bytes");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t spawn_n = 1'000'000, fib_n = 29, pingpong_n = 4'000'000, procs = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::int64_t v = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--spawn")) spawn_n = v;
    else if (!std::strcmp(argv[i], "--fib")) fib_n = v;
    else if (!std::strcmp(argv[i], "--pingpong")) pingpong_n = v;
    else if (!std::strcmp(argv[i], "--procs")) procs = v;
  }
  metric("sim_sizeof_g", sizeof(sim::G), "bytes");

  if (spawn_n > 0) {
    // spawn: main: ready.Add(N); go worker xN; ready.Wait(); close(rel); done.Wait().
    auto s = std::make_shared<scenario::Scenario>();
    s->name = "spawn";
    s->config.gomaxprocs = procs;
    s->channels.push_back({"release", 0, {}});
    s->waitgroups.push_back({"ready", {}});
    s->waitgroups.push_back({"done", {}});
    Op add_ready = mk(OpKind::WgAdd, 0, spawn_n), add_done = mk(OpKind::WgAdd, 1, spawn_n);
    Op go = mk(OpKind::Go, 1, spawn_n);
    s->functions.push_back(fn("main", {add_ready, add_done, go, mk(OpKind::WgWait, 0), mk(OpKind::Close, 0),
                                       mk(OpKind::WgWait, 1)}));
    s->functions.push_back(fn("worker", {mk(OpKind::WgDone, 0), mk(OpKind::Recv, 0), mk(OpKind::WgDone, 1)}));
    bench("sim_spawn_p" + std::to_string(procs) + "_", s, spawn_n);
  }
  if (fib_n > 0) {
    // fanout: node(n): if n >= 2 { go node(n-1); go node(n-2) }; wg.Done.
    auto s = std::make_shared<scenario::Scenario>();
    s->name = "fanout";
    s->config.gomaxprocs = procs;
    s->waitgroups.push_back({"wg", {}});
    Op go = mk(OpKind::Go, 1, 1);
    go.arg = {true, 0};
    Op node_root = go;
    Op c1 = mk(OpKind::Go, 1, 1), c2 = mk(OpKind::Go, 1, 1);
    c1.arg = {true, -1};
    c2.arg = {true, -2};
    Op cond = mk(OpKind::If);
    cond.cond = {scenario::Cond::Cmp::Ge, 2};
    cond.body = {mk(OpKind::WgAdd, 0, 2), c1, c2};
    Op root = mk(OpKind::Go, 1, 1);
    root.arg = {false, fib_n};
    s->functions.push_back(fn("main", {mk(OpKind::WgAdd, 0, 1), root, mk(OpKind::WgWait, 0)}));
    s->functions.push_back(fn("node", {cond, mk(OpKind::WgDone, 0)}));
    // tasks = 2*fib(n+1) - 1
    std::int64_t a = 0, b = 1;
    for (std::int64_t i = 0; i < fib_n; ++i) {
      std::int64_t c = a + b;
      a = b;
      b = c;
    }
    metric("sim_fanout_tasks", static_cast<double>(2 * b - 1), "tasks");
    bench("sim_fanout_p" + std::to_string(procs) + "_", s, 0);
  }
  if (pingpong_n > 0) {
    auto s = std::make_shared<scenario::Scenario>();
    s->name = "pingpong";
    s->config.gomaxprocs = procs;
    s->channels.push_back({"ping", 0, {}});
    s->channels.push_back({"pong", 0, {}});
    Op loop_main = mk(OpKind::Repeat, -1, pingpong_n);
    loop_main.body = {mk(OpKind::Send, 0), mk(OpKind::Recv, 1)};
    Op loop_peer = mk(OpKind::Repeat, -1, pingpong_n);
    loop_peer.body = {mk(OpKind::Recv, 0), mk(OpKind::Send, 1)};
    s->functions.push_back(fn("main", {mk(OpKind::Go, 1, 1), loop_main}));
    s->functions.push_back(fn("peer", {loop_peer}));
    bench("sim_pingpong_p" + std::to_string(procs) + "_", s, 0);
  }
  return 0;
}
