// The simulator's own speed: the workloads `gosim_sim_bench` (bench/sim) and
// `gosim bench` measure, built in code like the Go anchors they mirror
// (../shared/anchors/go: spawn, fanout, pingpong), and one measured run of
// each: engine events per CPU second and bytes per live simulated G.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "scenario/scenario.h"
#include "trace/sink.h"

namespace gosim::sim::throughput {

// main: ready.Add(n); go worker x n; ready.Wait(); close(release); done.Wait().
// worker: ready.Done(); <-release; done.Done(). Every worker is alive (parked)
// at once: the memory per live G.
std::shared_ptr<scenario::Scenario> spawn(std::int64_t n, std::int64_t procs);
// node(n): if n >= 2 { go node(n-1); go node(n-2) }; wg.Done(): one G per node
// of a fib(n) tree, 2*fib(n+1)-1 of them.
std::shared_ptr<scenario::Scenario> fanout(std::int64_t fib_n, std::int64_t procs);
std::int64_t fanout_tasks(std::int64_t fib_n);
// Two Gs exchange a value over two unbuffered channels `round_trips` times.
std::shared_ptr<scenario::Scenario> pingpong(std::int64_t round_trips, std::int64_t procs);

struct Measurement {
  std::int64_t engine_events = 0;
  std::int64_t trace_events = 0;
  double wall_s = 0;
  double cpu_s = 0;              // this process's CPU time (the simulator is single-threaded)
  std::int64_t max_rss_growth = 0;  // bytes: growth of the process's peak RSS over the run
  std::int64_t virtual_end = 0;  // simulated ns: must not change with engine optimisations
  bool ok = false;
  std::string message;           // why the run failed
  double events_per_cpu_s() const { return cpu_s > 0 ? static_cast<double>(engine_events) / cpu_s : 0; }
};

// Compiles and simulates s (limits raised for the workload) into a counting
// sink. The peak-RSS growth means something only for the first large run of
// a process.
Measurement measure(std::shared_ptr<scenario::Scenario> s);

}  // namespace gosim::sim::throughput
