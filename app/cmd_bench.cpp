// gosim bench: "Goroutine vs Thread", measured live on this machine: what it
// costs to create, switch and keep an OS thread versus a gosim goroutine, and
// roughly how many of each the machine could hold (estimated from limits and
// memory; nothing is exhausted); then the simulator's own speed on the
// workloads of bench/sim (core/sim/throughput.h). `--json` for
// machine-readable output.
#include <pthread.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "runtime/api.h"
#include "runtime/bench.h"
#include "sim/throughput.h"

namespace gosim::app {
namespace {

namespace rt = gosim::rt;
namespace bench = gosim::runtime::bench;
using bench::Clock;
using bench::median_of;
using bench::ns_since;
using bench::resident_bytes;
using bench::rss_bytes;

long read_long_file(const char* path, long fallback) {
  std::ifstream f(path);
  long v = 0;
  return (f >> v) ? v : fallback;
}

long mem_available() {
  std::ifstream f("/proc/meminfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("MemAvailable:", 0) == 0) return std::stol(line.substr(13)) * 1024;
  return 0;
}

// --- OS threads ---
double thread_create_ns(int n) {
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    std::thread t([] {});
    t.join();
  }
  return ns_since(t0) / n;
}

double thread_switch_ns(int n) {
  sem_t a, b;
  sem_init(&a, 0, 0);
  sem_init(&b, 0, 0);
  std::thread t([&] {
    for (int i = 0; i < n; i++) {
      sem_wait(&a);
      sem_post(&b);
    }
  });
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    sem_post(&a);
    sem_wait(&b);
  }
  double el = ns_since(t0);
  t.join();
  sem_destroy(&a);
  sem_destroy(&b);
  return el / (2.0 * n);
}

// Resident bytes of the calling thread's stack mapping (mincore).
long own_stack_resident_bytes() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* lo = nullptr;
  std::size_t size = 0;
  pthread_attr_getstack(&attr, &lo, &size);
  pthread_attr_destroy(&attr);
  return std::max(resident_bytes(lo, size), 0L);
}

// Memory per parked thread: the process's RSS growth while n threads wait,
// but never less than what their own stacks keep resident. The RSS growth
// also counts what the thread library allocates per thread; the floor holds
// when the allocator returns other memory meanwhile (it does under ASan,
// where the growth came out negative).
double thread_memory_bytes(int n) {
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::atomic<int> parked{0};
  std::atomic<long> stacks{0};
  long rss0 = rss_bytes();
  std::vector<std::thread> ts;
  for (int i = 0; i < n; i++)
    ts.emplace_back([&] {
      stacks += own_stack_resident_bytes();
      std::unique_lock<std::mutex> l(mu);
      parked++;
      cv.wait(l, [&] { return go; });
    });
  while (parked.load() < n) std::this_thread::yield();
  long rss = rss_bytes() - rss0;
  {
    std::lock_guard<std::mutex> l(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : ts) t.join();
  return static_cast<double>(std::max(rss, stacks.load())) / n;
}

// --- goroutines ---
double goroutine_create_ns(int n) {
  double el = 0;
  rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(n);
        auto t0 = Clock::now();
        for (int i = 0; i < n; i++) rt::go([&] { wg.done(); });
        wg.wait();
        el = ns_since(t0);
      },
      {.procs = 1});
  return el / n;
}

double goroutine_switch_ns(int n) { return bench::yield_ns_per_switch(n); }

double goroutine_memory_bytes(int n) {
  double per = 0;
  rt::run([&] { per = bench::spawn_park_release(n).rss_bytes; }, {.procs = 2});
  return per;
}

std::string human_ns(double ns) {
  if (ns >= 1e6) return fmt::format("{:.1f} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.1f} us", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}
std::string human_bytes(double b) {
  if (b >= 1 << 20) return fmt::format("{:.1f} MiB", b / (1 << 20));
  if (b >= 1 << 10) return fmt::format("{:.1f} KiB", b / (1 << 10));
  return fmt::format("{:.0f} B", b);
}
std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("~{:.1f} billion", n / 1e9);
  if (n >= 1e6) return fmt::format("~{:.1f} million", n / 1e6);
  if (n >= 1e3) return fmt::format("~{:.0f},{:03.0f}", std::floor(n / 1e3), std::fmod(std::floor(n), 1e3));
  return fmt::format("~{:.0f}", n);
}

struct BenchOptions {
  bool json = false;
  bool quick = false;
};

// One simulator workload: the median events per CPU second of `runs` runs.
struct SimFigure {
  std::int64_t goroutines = 0;
  double events_per_cpu_s = 0;
  double wall_ms = 0;
  double bytes_per_live_g = 0;  // spawn only: every G is alive at once
};

SimFigure sim_figure(int runs, std::int64_t goroutines, const std::function<std::shared_ptr<scenario::Scenario>()>& make,
                     bool live) {
  namespace tp = gosim::sim::throughput;
  SimFigure f;
  f.goroutines = goroutines;
  std::vector<double> rates, walls;
  for (int i = 0; i < runs; ++i) {
    tp::Measurement m = tp::measure(make());
    if (!m.ok) throw std::runtime_error("simulator benchmark failed: " + m.message);
    // Peak-RSS growth is only meaningful for the first run of the process.
    if (live && i == 0) f.bytes_per_live_g = static_cast<double>(m.max_rss_growth) / static_cast<double>(goroutines);
    rates.push_back(m.events_per_cpu_s());
    walls.push_back(m.wall_s * 1e3);
  }
  f.events_per_cpu_s = bench::median(rates);
  f.wall_ms = bench::median(walls);
  return f;
}

int run_bench(const BenchOptions& o) {
  const int runs = o.quick ? 1 : 3;
  const int tn = o.quick ? 500 : 2000;
  const int gn = o.quick ? 20000 : 100000;
  const int sw = o.quick ? 20000 : 100000;
  const int mem_threads = o.quick ? 100 : 300;
  const int mem_gs = o.quick ? 20000 : 100000;
  const long trace_rts = o.quick ? 100000 : 300000;

  // The simulator first: its bytes per live G come from the growth of the
  // process's peak RSS, which the runtime measurements below would raise.
  namespace tp = gosim::sim::throughput;
  const std::int64_t sim_procs = 2, spawn_n = o.quick ? 100000 : 1000000, fib_n = o.quick ? 20 : 27,
                     pingpong_n = o.quick ? 100000 : 1000000;
  SimFigure sim_spawn = sim_figure(runs, spawn_n, [&] { return tp::spawn(spawn_n, sim_procs); }, true);
  SimFigure sim_fanout =
      sim_figure(runs, tp::fanout_tasks(fib_n), [&] { return tp::fanout(fib_n, sim_procs); }, false);
  SimFigure sim_pingpong = sim_figure(runs, 2, [&] { return tp::pingpong(pingpong_n, sim_procs); }, false);

  double t_create = median_of(runs, [&] { return thread_create_ns(tn); });
  double g_create = median_of(runs, [&] { return goroutine_create_ns(gn); });
  double t_switch = median_of(runs, [&] { return thread_switch_ns(sw); });
  double g_switch = median_of(runs, [&] { return goroutine_switch_ns(sw * 10); });
  double t_mem = median_of(runs, [&] { return thread_memory_bytes(mem_threads); });
  double g_mem = median_of(runs, [&] { return goroutine_memory_bytes(mem_gs); });
  bench::TracingOverhead tr = bench::tracing_overhead(trace_rts, o.quick ? 3 : 5);

  // How many fit: memory divided by the measured cost, capped by kernel limits.
  double avail = static_cast<double>(mem_available());
  rlimit nproc{};
  getrlimit(RLIMIT_NPROC, &nproc);
  double threads_max = static_cast<double>(read_long_file("/proc/sys/kernel/threads-max", 1L << 22));
  double pid_max = static_cast<double>(read_long_file("/proc/sys/kernel/pid_max", 1L << 22));
  double map_count = static_cast<double>(read_long_file("/proc/sys/vm/max_map_count", 65530));
  // Each thread costs its stack mapping plus a guard page: ~2 VMAs; the
  // kernel also keeps ~16 KiB per task (kernel stack, task_struct).
  double t_fit = std::min({avail / (t_mem + 16 * 1024), threads_max, pid_max, map_count / 2});
  if (nproc.rlim_cur != RLIM_INFINITY) t_fit = std::min(t_fit, static_cast<double>(nproc.rlim_cur));
  double g_fit = avail / std::max(g_mem, 1.0);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  if (o.json) {
    nlohmann::json j = {
        {"cpus", cpus},
        {"memory_available_bytes", static_cast<long>(avail)},
        {"thread", {{"create_ns", t_create}, {"switch_ns", t_switch}, {"memory_bytes", t_mem},
                    {"max_estimate", static_cast<long>(t_fit)}}},
        {"goroutine", {{"create_ns", g_create}, {"switch_ns", g_switch}, {"memory_bytes", g_mem},
                       {"max_estimate", static_cast<long>(g_fit)}}},
        {"tracing", {{"pingpong_untraced_ns", tr.untraced_wall_ns}, {"pingpong_traced_ns", tr.traced_wall_ns},
                     {"pingpong_untraced_cpu_ns", tr.untraced_cpu_ns}, {"pingpong_traced_cpu_ns", tr.traced_cpu_ns},
                     {"overhead", tr.overhead_wall}, {"overhead_cpu", tr.overhead_cpu},
                     {"overhead_user", tr.overhead_user}, {"events_per_roundtrip", tr.events_per_roundtrip},
                     {"merge_ns_per_event", tr.merge_ns_per_event}}},
        {"simulator",
         {{"gomaxprocs", sim_procs},
          {"spawn", {{"goroutines", sim_spawn.goroutines}, {"events_per_cpu_s", sim_spawn.events_per_cpu_s},
                     {"wall_ms", sim_spawn.wall_ms}, {"bytes_per_live_g", sim_spawn.bytes_per_live_g}}},
          {"fanout", {{"fib", fib_n}, {"goroutines", sim_fanout.goroutines},
                      {"events_per_cpu_s", sim_fanout.events_per_cpu_s}, {"wall_ms", sim_fanout.wall_ms}}},
          {"pingpong", {{"round_trips", pingpong_n}, {"events_per_cpu_s", sim_pingpong.events_per_cpu_s},
                        {"wall_ms", sim_pingpong.wall_ms}}}}},
        {"method",
         "create = create+join (thread) / go+WaitGroup (goroutine); switch = semaphore ping-pong between two "
         "threads / Gosched between two goroutines on one P; memory = RSS growth per parked thread/goroutine (for a thread at least its resident stack pages); "
         "max = available memory / memory, capped by threads-max, pid_max, RLIMIT_NPROC, vm.max_map_count/2; "
         "tracing = unbuffered channel ping-pong on one P, untraced and traced alternately, medians, overhead = "
         "median of traced/untraced - 1; simulator = the workloads of bench/sim (spawn: every G parked at once, then "
         "released; fanout: one G per node of a fib tree; pingpong: two Gs on unbuffered channels), engine events "
         "per CPU second of this process, median of the runs; bytes per live G = peak-RSS growth of the first spawn "
         "run / goroutines"},
    };
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("Goroutine vs Thread  (measured now: %ld CPUs, %s available)\n\n", cpus, human_bytes(avail).c_str());
  std::printf("  %-22s %16s %18s %10s\n", "", "OS thread", "gosim goroutine", "ratio");
  auto row = [](const char* name, const std::string& a, const std::string& b, double ratio) {
    std::printf("  %-22s %16s %18s %9.0fx\n", name, a.c_str(), b.c_str(), ratio);
  };
  row("create + exit", human_ns(t_create), human_ns(g_create), t_create / g_create);
  row("switch", human_ns(t_switch), human_ns(g_switch), t_switch / g_switch);
  row("memory (parked)", human_bytes(t_mem), human_bytes(g_mem), t_mem / g_mem);
  row("how many fit (est.)", human_count(t_fit), human_count(g_fit), g_fit / t_fit);
  std::printf(
      "\n  create: std::thread create+join vs rt::go + WaitGroup.Done; switch: semaphore ping-pong\n"
      "  between two threads vs runtime.Gosched between two goroutines on one P; memory: RSS\n"
      "  growth per parked thread, at least its resident stack (plus an 8 MiB virtual stack\n"
      "  each) vs per parked goroutine (a 64 KiB lazily committed stack each); how many:\n"
      "  available memory / memory, threads capped by threads-max, pid_max, RLIMIT_NPROC and\n"
      "  vm.max_map_count. Nothing was exhausted.\n");
  std::printf(
      "\n  Tracing (real mode) on an unbuffered channel ping-pong, one P: %s untraced, %s traced per\n"
      "  round trip (%.1f events each): overhead %+.1f%% wall, %+.1f%% CPU, %+.1f%% user CPU (medians of %d\n"
      "  alternate runs); merging the per-M buffers at the end costs %s per event.\n",
      human_ns(tr.untraced_wall_ns).c_str(), human_ns(tr.traced_wall_ns).c_str(), tr.events_per_roundtrip,
      tr.overhead_wall * 100, tr.overhead_cpu * 100, tr.overhead_user * 100, o.quick ? 3 : 5,
      human_ns(tr.merge_ns_per_event).c_str());
  auto grouped = [](std::int64_t n) {  // 1,000,000
    std::string d = std::to_string(n), out;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
      out += d[i];
    }
    return out;
  };
  auto rate = [](double r) { return fmt::format("{:.1f} M/s", r / 1e6); };
  std::printf("\n  Simulator (sim mode, GOMAXPROCS=%lld in the model): engine events per CPU second,\n"
              "  median of %d run(s)\n",
              static_cast<long long>(sim_procs), runs);
  std::printf("    %-44s %10s  %9s wall  %.0f B per live G\n",
              fmt::format("spawn {} goroutines, all alive at once", grouped(spawn_n)).c_str(),
              rate(sim_spawn.events_per_cpu_s).c_str(), human_ns(sim_spawn.wall_ms * 1e6).c_str(),
              sim_spawn.bytes_per_live_g);
  std::printf("    %-44s %10s  %9s wall\n",
              fmt::format("fib({}) fan-out, {} goroutines", fib_n, grouped(sim_fanout.goroutines)).c_str(),
              rate(sim_fanout.events_per_cpu_s).c_str(), human_ns(sim_fanout.wall_ms * 1e6).c_str());
  std::printf("    %-44s %10s  %9s wall\n",
              fmt::format("channel ping-pong, {} round trips", grouped(pingpong_n)).c_str(),
              rate(sim_pingpong.events_per_cpu_s).c_str(), human_ns(sim_pingpong.wall_ms * 1e6).c_str());
  return kExitOk;
}

}  // namespace

Command add_bench_command(CLI::App& root) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = root.add_subcommand(
      "bench", "Measure an OS thread against a gosim goroutine on this machine (\"Goroutine vs Thread\")");
  cmd->add_flag("--json", o->json, "Print the results as JSON");
  cmd->add_flag("--quick", o->quick, "Smaller samples, one run each (about a second)");
  return {cmd, [o] { return run_bench(*o); }};
}

}  // namespace gosim::app
