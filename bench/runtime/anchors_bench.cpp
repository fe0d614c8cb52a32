// gosim's runtime measured like the Go anchors (/work/shared/anchors/go/*):
// same workloads, same metric names and `metric=<name> value=<v> unit=<u>`
// lines, so run_vs_go.sh can put them side by side. A benchmark, never a test.
//
// Usage: gosim_rt_anchors [yield|pingpong|spawn|fanout|syscall|tracing ...]
//        (fanout_p1, fanout_p2: one GOMAXPROCS setting of fanout alone)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/api.h"
#include "runtime/bench.h"
#include "runtime/run_scenario.h"
#include "scenario/program.h"
#include "trace/sink.h"

namespace rt = gosim::rt;
namespace bench = gosim::runtime::bench;
using bench::Clock;
using bench::ns_since;
using bench::threads_now;
using namespace std::chrono_literals;

namespace {

void metric(const std::string& name, double v, const char* unit) {
  if (v >= 1e5 || v <= -1e5) std::printf("metric=%s value=%.0f unit=%s\n", name.c_str(), v, unit);
  else std::printf("metric=%s value=%.6g unit=%s\n", name.c_str(), v, unit);
  std::fflush(stdout);
}

// yield: two goroutines each Gosched 10M times on one P (anchors/go/yield).
void yield_bench() { metric("yield_p1_ns_per_switch", bench::yield_ns_per_switch(10'000'000), "ns"); }

// pingpong: main and an echo goroutine over two unbuffered channels.
void pingpong_bench(int procs) {
  const long n = procs == 1 ? 5'000'000 : 4'000'000;
  double el = 0;
  rt::run(
      [&] {
        rt::Chan<long> ping, pong;
        rt::WaitGroup echoed;  // main's channels must outlive the echo goroutine
        echoed.add(1);
        rt::go([&] {
          while (auto v = ping.recv()) pong.send(*v + 1);
          echoed.done();
        });
        for (int i = 0; i < 10000; i++) {
          ping.send(i);
          pong.recv();
        }
        long sum = 0;
        auto t0 = Clock::now();
        for (long i = 0; i < n; i++) {
          ping.send(i);
          sum += *pong.recv();
        }
        el = ns_since(t0);
        ping.close();
        echoed.wait();
        if (sum == 0) std::abort();
      },
      {.procs = procs});
  metric("pingpong_p" + std::to_string(procs) + "_ns_per_roundtrip", el / static_cast<double>(n), "ns");
}

// spawn: 1M goroutines that each Done a WaitGroup and park on one channel
// (anchors/go/spawn): time per goroutine, RSS per parked goroutine, release.
void spawn_bench() {
  const int n = 1'000'000;
  rt::run(
      [&] {
        double c0 = bench::process_cpu_ns();
        bench::SpawnResult cold = bench::spawn_park_release(n);
        double cold_cpu = bench::process_cpu_ns() - c0;
        metric("spawn_p2_ns_per_goroutine", cold.spawn_ns, "ns");
        metric("spawn_p2_rss_bytes_per_goroutine", cold.rss_bytes, "bytes");
        metric("spawn_p2_release_ns_per_goroutine", cold.release_ns, "ns");
        c0 = bench::process_cpu_ns();
        bench::SpawnResult warm = bench::spawn_park_release(n);
        double warm_cpu = bench::process_cpu_ns() - c0;
        metric("spawn_p2_warm_ns_per_goroutine", warm.spawn_ns, "ns");
        metric("spawn_p2_warm_release_ns_per_goroutine", warm.release_ns, "ns");
        // CPU time (user+sys, all threads) of a round (spawn, park, release, exit).
        metric("spawn_p2_cpu_ns_per_goroutine", cold_cpu / n, "ns");
        metric("spawn_p2_warm_cpu_ns_per_goroutine", warm_cpu / n, "ns");
      },
      {.procs = 2, .max_wall_time = 10min});
}

// fanout: fib(29) with a goroutine per node joined through a buffered chan of 2.
void fib(int n, rt::Chan<long>* out) {
  if (n < 2) {
    out->send(n);
    return;
  }
  rt::Chan<long> c(2);
  rt::go([&c, n] { fib(n - 1, &c); });
  rt::go([&c, n] { fib(n - 2, &c); });
  long a = *c.recv();
  long b = *c.recv();
  out->send(a + b);
}

void fanout_bench(int procs) {
  const int n = 29;
  long a = 0, b = 1;
  for (int i = 0; i < n; i++) {
    long t = a + b;
    a = b;
    b = t;
  }
  long want = a, tasks = 2 * b - 1;
  double el = 0, cpu = 0;
  long got = 0;
  rt::run(
      [&] {
        rt::Chan<long> out(1);
        double c0 = bench::process_cpu_ns();
        auto t0 = Clock::now();
        rt::go([&] { fib(n, &out); });
        got = *out.recv();
        el = ns_since(t0);
        cpu = bench::process_cpu_ns() - c0;
      },
      {.procs = procs});
  if (got != want) std::abort();
  std::string pre = "fanout_p" + std::to_string(procs) + "_";
  metric(pre + "tasks", static_cast<double>(tasks), "tasks");
  metric(pre + "wall_ms", el / 1e6, "ms");
  metric(pre + "tasks_per_s", static_cast<double>(tasks) / (el / 1e9), "tasks/s");
  // CPU time (user+sys, all threads): less sensitive to other load than wall time.
  metric(pre + "cpu_ns_per_task", cpu / static_cast<double>(tasks), "ns");
}

// syscall: thread counts around blocking syscalls (anchors/go/syscall): 32
// goroutines block in long syscalls while 4 compute, then 32 loop on 1 ms
// nanosleeps: the second phase must reuse cached threads.
void syscall_bench() {
  rt::run(
      [&] {
        int start = threads_now();
        metric("syscall_p2_threads_start", start, "threads");
        rt::WaitGroup wg;
        for (int i = 0; i < 32; i++) {
          wg.add(1);
          rt::go([&] {
            rt::syscall_sleep(300ms);
            wg.done();
          });
        }
        for (int i = 0; i < 4; i++) {
          wg.add(1);
          rt::go([&] {
            rt::compute(100ms);
            wg.done();
          });
        }
        wg.wait();
        int after_block = threads_now();
        metric("syscall_p2_threads_after_block", after_block, "threads");
        std::atomic<bool> stop{false};
        std::atomic<long> calls{0};
        rt::WaitGroup swg;
        for (int i = 0; i < 32; i++) {
          swg.add(1);
          rt::go([&] {
            while (!stop.load()) {
              rt::syscall_sleep(1ms);
              calls++;
            }
            swg.done();
          });
        }
        rt::sleep(500ms);
        stop.store(true);
        swg.wait();
        int end = threads_now();
        metric("syscall_p2_sleep_syscalls_per_s", static_cast<double>(calls.load()) / 0.5, "calls/s");
        metric("syscall_p2_sleep_threads_created", end - after_block, "threads");
        metric("syscall_p2_threads_end", end, "threads");
      },
      {.procs = 2});
}

// tracing: the cost of tracing on an unbuffered ping-pong on one P, untraced
// and traced alternately in this process (bench.h), twice: on the runtime's
// channels directly (1M round trips, 7 pairs of runs), and as the ping-pong
// scenario that `gosim run --mode real --trace` runs (300k, 5 pairs).
void tracing_bench() {
  bench::TracingOverhead o = bench::tracing_overhead(1'000'000, 7);
  metric("tracing_p1_pingpong_untraced_ns_per_roundtrip", o.untraced_wall_ns, "ns");
  metric("tracing_p1_pingpong_traced_ns_per_roundtrip", o.traced_wall_ns, "ns");
  metric("tracing_p1_pingpong_untraced_cpu_ns_per_roundtrip", o.untraced_cpu_ns, "ns");
  metric("tracing_p1_pingpong_traced_cpu_ns_per_roundtrip", o.traced_cpu_ns, "ns");
  metric("tracing_p1_overhead_percent", o.overhead_wall * 100, "%");
  metric("tracing_p1_overhead_cpu_percent", o.overhead_cpu * 100, "%");
  metric("tracing_p1_events_per_roundtrip", o.events_per_roundtrip, "events");
  metric("tracing_p1_pingpong_untraced_user_ns_per_roundtrip", o.untraced_user_ns, "ns");
  metric("tracing_p1_pingpong_traced_user_ns_per_roundtrip", o.traced_user_ns, "ns");
  metric("tracing_p1_pingpong_traced_sys_ns_per_roundtrip", o.traced_sys_ns, "ns");
  metric("tracing_p1_overhead_user_percent", o.overhead_user * 100, "%");
  metric("tracing_merge_ns_per_event", o.merge_ns_per_event, "ns");

  auto s = std::make_shared<gosim::scenario::Scenario>();
  namespace sc = gosim::scenario;
  s->name = "pingpong";
  s->config.gomaxprocs = 1;
  s->channels = {{"ping", 0, {}}, {"pong", 0, {}}};
  const long n = 300'000;
  sc::Op rep;
  rep.kind = sc::OpKind::Repeat;
  rep.count = n;
  sc::Op send, recv;
  send.kind = sc::OpKind::Send;
  send.target = 0;
  recv.kind = sc::OpKind::Recv;
  recv.target = 1;
  rep.body = {send, recv};
  sc::Op go;
  go.kind = sc::OpKind::Go;
  go.target = 1;
  sc::Function main{"main", {go, rep}, {}};
  sc::Op erep = rep;
  sc::Op r2 = recv, s2 = send;
  r2.target = 0;
  s2.target = 1;
  erep.body = {r2, s2};
  sc::Function echo{"echo", {erep}, {}};
  s->functions = {main, echo};
  sc::Program prog = sc::compile(s);
  std::vector<double> el[2], ratio;
  for (int rep_i = 0; rep_i < 5; rep_i++) {
    for (int traced = 0; traced < 2; traced++) {
      gosim::trace::NullSink sink;
      std::int64_t run_ns = 0;
      gosim::runtime::run_scenario(prog, sink, gosim::runtime::RealOptions{.tracing = traced == 1, .run_ns = &run_ns});
      el[traced].push_back(static_cast<double>(run_ns) / static_cast<double>(n));
    }
    ratio.push_back(el[1].back() / el[0].back());
  }
  metric("tracing_p1_scenario_untraced_ns_per_roundtrip", bench::median(el[0]), "ns");
  metric("tracing_p1_scenario_traced_ns_per_roundtrip", bench::median(el[1]), "ns");
  metric("tracing_p1_scenario_overhead_percent", (bench::median(ratio) - 1) * 100, "%");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> progs(argv + 1, argv + argc);
  if (progs.empty()) progs = {"spawn", "pingpong", "yield", "fanout", "syscall", "tracing"};
  for (const auto& p : progs) {
    if (p == "yield") yield_bench();
    else if (p == "pingpong") {
      pingpong_bench(1);
      pingpong_bench(2);
    } else if (p == "spawn") spawn_bench();
    else if (p == "fanout") {
      fanout_bench(2);
      fanout_bench(1);
    } else if (p == "fanout_p2") fanout_bench(2);  // one setting alone (profiling)
    else if (p == "fanout_p1") fanout_bench(1);
    else if (p == "syscall") syscall_bench();
    else if (p == "tracing") tracing_bench();
    else if (p == "tracing-untraced" || p == "tracing-traced") {
      // One ping-pong run (for perf stat / perf record), no pairing.
      bench::PingPong r = bench::runtime_pingpong(2'000'000, 1, p == "tracing-traced", true);
      metric(p + "_ns_per_roundtrip", r.wall_ns, "ns");
      metric(p + "_cpu_ns_per_roundtrip", r.cpu_ns, "ns");
      metric(p + "_user_ns_per_roundtrip", r.user_ns, "ns");
      metric(p + "_sys_ns_per_roundtrip", r.sys_ns, "ns");
      if (r.events) metric(p + "_merge_ns_per_event", r.merge_ns_per_event, "ns");
    }
    else {
      std::fprintf(stderr, "unknown program %s\n", p.c_str());
      return 2;
    }
  }
  return 0;
}
