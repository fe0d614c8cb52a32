// Simulator throughput and memory: engine events per second and bytes per
// live simulated G on (1) a 1,000,000-goroutine spawn like the Go anchor
// `spawn` (each G does wg.Done then parks on a channel; main closes it),
// (2) a fib(n) fan-out tree like the Go anchor `fanout` (one G per node),
// and (3) a long unbuffered channel ping-pong (the `pingpong` anchor).
// The workloads and the measurement are core/sim/throughput.h (shared with
// `gosim bench`). Prints `metric=<name> value=<v> unit=<u>` lines like the
// anchors do.
// Usage: gosim_sim_bench [--spawn N] [--fib N] [--pingpong N] [--procs P]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sim/sched.h"
#include "sim/throughput.h"

using namespace gosim;
namespace tp = gosim::sim::throughput;

namespace {

void metric(const std::string& name, double v, const char* unit) {
  if (v >= 1e5 || v <= -1e5) {
    std::printf("metric=%s value=%.0f unit=%s\n", name.c_str(), v, unit);
  } else {
    std::printf("metric=%s value=%.6g unit=%s\n", name.c_str(), v, unit);
  }
}

// Runs one workload; prints events/s, trace events, wall time, bytes per G.
void bench(const std::string& pre, std::shared_ptr<scenario::Scenario> s, std::int64_t live_gs) {
  const tp::Measurement m = tp::measure(std::move(s));
  if (!m.ok) {
    std::fprintf(stderr, "%s: run failed: %s\n", pre.c_str(), m.message.c_str());
    std::exit(1);
  }
  metric(pre + "wall_ms", m.wall_s * 1e3, "ms");
  metric(pre + "engine_events", static_cast<double>(m.engine_events), "events");
  metric(pre + "cpu_ms", m.cpu_s * 1e3, "ms");
  metric(pre + "engine_events_per_s", static_cast<double>(m.engine_events) / m.wall_s, "events/s");
  // CPU time of this single-threaded process: events per second on one core
  // even when the machine is shared.
  metric(pre + "engine_events_per_cpu_s", m.events_per_cpu_s(), "events/s");
  metric(pre + "trace_events_per_s", static_cast<double>(m.trace_events) / m.wall_s, "events/s");
  metric(pre + "virtual_ms", static_cast<double>(m.virtual_end) / 1e6, "ms");
  if (live_gs > 0) {
    metric(pre + "rss_bytes_per_live_g", static_cast<double>(m.max_rss_growth) / static_cast<double>(live_gs),
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
  const std::string p = "_p" + std::to_string(procs) + "_";
  if (spawn_n > 0) bench("sim_spawn" + p, tp::spawn(spawn_n, procs), spawn_n);
  if (fib_n > 0) {
    metric("sim_fanout_tasks", static_cast<double>(tp::fanout_tasks(fib_n)), "tasks");
    bench("sim_fanout" + p, tp::fanout(fib_n, procs), 0);
  }
  if (pingpong_n > 0) bench("sim_pingpong" + p, tp::pingpong(pingpong_n, procs), 0);
  return 0;
}
