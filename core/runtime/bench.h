// Measurement helpers shared by `gosim bench` (app/cmd_bench.cpp) and the
// runtime benchmarks (bench/runtime/anchors_bench.cpp), so each workload and
// each way of measuring exists once. Header-only: both link gosim_runtime.
// Benchmarks only, never tests (timings are not asserted anywhere).
#pragma once

#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "runtime/api.h"
#include "runtime/chan.h"
#include "runtime/sched.h"
#include "runtime/tracebuf.h"

namespace gosim::runtime::bench {

using Clock = std::chrono::steady_clock;

inline double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

// CPU time of the whole process (all threads): unlike wall time, it does not
// grow when other processes share the CPUs.
inline double process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// User and system CPU time of the process (getrusage: microsecond ticks).
inline void process_user_sys_ns(double* user, double* sys) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  *user = static_cast<double>(ru.ru_utime.tv_sec) * 1e9 + static_cast<double>(ru.ru_utime.tv_usec) * 1e3;
  *sys = static_cast<double>(ru.ru_stime.tv_sec) * 1e9 + static_cast<double>(ru.ru_stime.tv_usec) * 1e3;
}

inline long status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  std::string k = std::string(key) + ":";
  while (std::getline(f, line))
    if (line.rfind(k, 0) == 0) return std::stol(line.substr(k.size()));
  return 0;
}
inline long rss_bytes() { return status_kb("VmRSS") * 1024; }

// Resident bytes of the pages covering [p, p + bytes) (mincore); -1 if the
// kernel refuses (the range is not mapped).
inline long resident_bytes(const void* p, std::size_t bytes) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  auto start = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  std::vector<unsigned char> vec((reinterpret_cast<std::uintptr_t>(p) + bytes - start + page - 1) / page);
  if (mincore(reinterpret_cast<void*>(start), vec.size() * page, vec.data()) != 0) return -1;
  long n = 0;
  for (unsigned char v : vec) n += v & 1;
  return n * static_cast<long>(page);
}

inline int threads_now() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') n++;
    ::closedir(d);
  }
  return n;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <typename F>
double median_of(int runs, F f) {
  std::vector<double> v;
  for (int i = 0; i < runs; i++) v.push_back(f());
  return median(v);
}

// yield: two goroutines on one P each call Gosched n times (anchors/go/yield);
// ns per switch.
inline double yield_ns_per_switch(long n) {
  double el = 0;
  rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(2);
        auto t0 = Clock::now();
        for (int k = 0; k < 2; k++)
          rt::go([&] {
            for (long i = 0; i < n; i++) rt::yield();
            wg.done();
          });
        wg.wait();
        el = ns_since(t0);
      },
      {.procs = 1});
  return el / (2.0 * static_cast<double>(n));
}

// spawn: inside a run, n goroutines that each Done a WaitGroup and park on one
// channel (anchors/go/spawn); then all are released.
struct SpawnResult {
  double spawn_ns = 0;    // per goroutine, until all are parked
  double rss_bytes = 0;   // RSS growth per parked goroutine
  double release_ns = 0;  // per goroutine, close to all exited
};
inline SpawnResult spawn_park_release(int n) {
  SpawnResult r;
  long rss0 = rss_bytes();
  rt::Chan<int> release;
  rt::WaitGroup ready, done;
  ready.add(n);
  done.add(n);
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++)
    rt::go([&] {
      ready.done();
      release.recv();
      done.done();
    });
  ready.wait();
  r.spawn_ns = ns_since(t0) / n;
  r.rss_bytes = static_cast<double>(rss_bytes() - rss0) / n;
  auto t1 = Clock::now();
  release.close();
  done.wait();
  r.release_ns = ns_since(t1) / n;
  return r;
}

// Unbuffered ping-pong on the runtime itself (no API layer), with or without
// tracing: main sends on ping, an echo G answers on pong. Wall and process
// CPU time per round trip, measured inside the run (trace merge excluded).
struct PingPong {
  double wall_ns = 0;
  double cpu_ns = 0;
  double user_ns = 0, sys_ns = 0;  // cpu_ns split (getrusage)
  std::int64_t events = 0;  // trace events recorded
  double merge_ns_per_event = 0;  // merge_traces at the end (traced, merge set)
};

namespace detail {
struct PingPongState {
  Chan ping{sizeof(long), 0, 0};
  Chan pong{sizeof(long), 0, 1};
  Chan done{sizeof(long), 0, 2};
  long n = 0;
  PingPong out;
};
inline void pingpong_echo(G* gp) {
  auto* s = static_cast<PingPongState*>(gp->arg);
  long v = 0;
  bool ok = false;
  for (;;) {
    chanrecv(&s->ping, &v, true, &ok);
    if (!ok) break;
    v++;
    chansend(&s->pong, &v, true);
  }
  chansend(&s->done, &v, true);
}
inline void pingpong_main(G* gp) {
  auto* s = static_cast<PingPongState*>(gp->arg);
  newproc(pingpong_echo, s, 0, 0);
  long v = 0, sum = 0;
  bool ok = false;
  for (long i = 0; i < 10000; i++) {  // warm-up: stacks, caches, the first trace chunk
    chansend(&s->ping, &i, true);
    chanrecv(&s->pong, &v, true, &ok);
  }
  double u0 = 0, s0 = 0;
  process_user_sys_ns(&u0, &s0);
  double c0 = process_cpu_ns();
  auto t0 = Clock::now();
  for (long i = 0; i < s->n; i++) {
    chansend(&s->ping, &i, true);
    chanrecv(&s->pong, &v, true, &ok);
    sum += v;
  }
  s->out.wall_ns = ns_since(t0) / static_cast<double>(s->n);
  s->out.cpu_ns = (process_cpu_ns() - c0) / static_cast<double>(s->n);
  double u1 = 0, s1 = 0;
  process_user_sys_ns(&u1, &s1);
  s->out.user_ns = (u1 - u0) / static_cast<double>(s->n);
  s->out.sys_ns = (s1 - s0) / static_cast<double>(s->n);
  if (sum == 0) std::abort();
  closechan(&s->ping);
  chanrecv(&s->done, &v, true, &ok);
}
}  // namespace detail

// merge: also time merge_traces (decoding, tick->ns map) after the run.
inline PingPong runtime_pingpong(long n, int procs, bool tracing, bool merge = false) {
  detail::PingPongState st;
  st.n = n;
  RunOptions ro;
  ro.config.gomaxprocs = procs;
  ro.config.limits.max_trace_events = 2'000'000'000;
  ro.tracing = tracing;
  auto s = std::make_unique<Sched>(ro);
  run_main(*s, detail::pingpong_main, &st, 0, 0);
  for (auto& b : s->tracebufs) st.out.events += b->count;
  if (tracing && merge) {
    std::vector<TraceBuf*> bufs;
    for (auto& b : s->tracebufs) bufs.push_back(b.get());
    auto t0 = Clock::now();
    std::vector<trace::Event> all = merge_traces(bufs);
    st.out.merge_ns_per_event = ns_since(t0) / static_cast<double>(all.size());
  }
  sched = nullptr;
  return st.out;
}

// Tracing overhead: the ping-pong above untraced and traced, alternately in
// the same process, `runs` times; medians and the median of the paired
// ratios (each traced run against the untraced run just before it).
struct TracingOverhead {
  double untraced_wall_ns = 0, traced_wall_ns = 0;
  double untraced_cpu_ns = 0, traced_cpu_ns = 0;
  double overhead_wall = 0;  // median of traced/untraced - 1 (wall)
  double overhead_cpu = 0;   // same, CPU time
  double untraced_user_ns = 0, traced_user_ns = 0;  // user CPU only (getrusage)
  double traced_sys_ns = 0;   // system CPU of the traced runs: page faults of the buffers
  double overhead_user = 0;   // median of paired user-time ratios - 1
  double events_per_roundtrip = 0;
  double merge_ns_per_event = 0;  // the end-of-run cost (median)
};
inline TracingOverhead tracing_overhead(long round_trips, int runs) {
  std::vector<double> uw, tw, uc, tc, rw, rc, uu, tu, ts, ru, mg;
  double events = 0;
  for (int i = 0; i < runs; i++) {
    PingPong u = runtime_pingpong(round_trips, 1, false);
    PingPong t = runtime_pingpong(round_trips, 1, true, true);
    uu.push_back(u.user_ns);
    tu.push_back(t.user_ns);
    ts.push_back(t.sys_ns);
    ru.push_back(t.user_ns / u.user_ns);
    mg.push_back(t.merge_ns_per_event);
    uw.push_back(u.wall_ns);
    tw.push_back(t.wall_ns);
    uc.push_back(u.cpu_ns);
    tc.push_back(t.cpu_ns);
    rw.push_back(t.wall_ns / u.wall_ns);
    rc.push_back(t.cpu_ns / u.cpu_ns);
    events = static_cast<double>(t.events) / static_cast<double>(round_trips + 10000);
  }
  TracingOverhead o;
  o.untraced_wall_ns = median(uw);
  o.traced_wall_ns = median(tw);
  o.untraced_cpu_ns = median(uc);
  o.traced_cpu_ns = median(tc);
  o.overhead_wall = median(rw) - 1;
  o.overhead_cpu = median(rc) - 1;
  o.events_per_roundtrip = events;
  o.untraced_user_ns = median(uu);
  o.traced_user_ns = median(tu);
  o.traced_sys_ns = median(ts);
  o.overhead_user = median(ru) - 1;
  o.merge_ns_per_event = median(mg);
  return o;
}

}  // namespace gosim::runtime::bench
