// Fiber benchmarks: raw and API context switch, fiber create+destroy, and the
// memory of 1,000,000 parked fibers. Prints `metric=<name> value=<v> unit=<u>`
// lines like /work/shared/anchors (run beside the anchor by run_switch.sh).
//
// Usage: gosim_switch_bench [round_trips=50000000] [parked_fibers=1000000]
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "runtime/fiber.h"
#include "runtime/stack.h"

extern "C" void gosim_fiber_switch_raw(void** save_sp, void* load_sp);

using namespace gosim::runtime;
using clk = std::chrono::steady_clock;

namespace {

void metric(const char* name, double value, const char* unit) {
  const char* format = (value >= 1e5 || value <= -1e5) ? "metric=%s value=%.0f unit=%s\n"
                                                       : "metric=%s value=%.6g unit=%s\n";
  std::printf(format, name, value, unit);
  std::fflush(stdout);
}

double ns_since(clk::time_point t0) {
  return std::chrono::duration<double, std::nano>(clk::now() - t0).count();
}

// CPU time of this thread: robust to other processes sharing the cores.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

// Wall and CPU nanoseconds of one timed section.
struct Timed {
  double wall = 0, cpu = 0;
};

std::size_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "switch_bench: %s\n", what);
  std::exit(1);
}

// ---- ping-pong through the raw assembly and through fiber_switch ----

Fiber g_main, g_co;
volatile std::uint64_t g_counter;

void raw_body(void*) {
  for (;;) {
    g_counter = g_counter + 1;
    gosim_fiber_switch_raw(&g_co.sp, g_main.sp);
  }
}

void api_body(void*) {
  for (;;) {
    g_counter = g_counter + 1;
    fiber_switch(g_co, g_main);
  }
}

template <bool Raw>
Timed ping_pong_ns_per_switch(long round_trips) {
  StackPool pool;
  Stack s = pool.allocate();
  fiber_init_thread(g_main);
  fiber_init(g_co, s, Raw ? raw_body : api_body, nullptr);
  g_counter = 0;
  auto step = [] {
    if constexpr (Raw) {
      gosim_fiber_switch_raw(&g_main.sp, g_co.sp);
    } else {
      fiber_switch(g_main, g_co);
    }
  };
  for (int i = 0; i < 1000; i++) step();  // warm-up
  const double c0 = thread_cpu_ns();
  auto t0 = clk::now();
  for (long i = 0; i < round_trips; i++) step();
  Timed t{ns_since(t0), thread_cpu_ns() - c0};
  if (g_counter != std::uint64_t(round_trips) + 1000) fail("counter mismatch");
  // The fiber is abandoned mid-loop; its stack goes back unused.
  fiber_destroy(g_co);
  pool.free(s);
  return {t.wall / (2.0 * double(round_trips)), t.cpu / (2.0 * double(round_trips))};
}

// ---- a ring of many fibers, resumed round-robin by a scheduler fiber ----

struct RingFiber {
  Fiber f;
  Stack s;
};
std::vector<RingFiber>* g_ring;
Fiber g_sched;

void ring_body(void* p) {
  auto* rf = static_cast<RingFiber*>(p);
  for (;;) {
    g_counter = g_counter + 1;
    fiber_switch(rf->f, g_sched);
  }
}

Timed ring_ns_per_switch(std::size_t fibers, long rounds) {
  StackPool pool;
  std::vector<RingFiber> ring(fibers);
  g_ring = &ring;
  fiber_init_thread(g_sched);
  for (RingFiber& rf : ring) {
    rf.s = pool.allocate();
    fiber_init(rf.f, rf.s, ring_body, &rf);
    fiber_switch(g_sched, rf.f);  // warm-up: start it
  }
  g_counter = 0;
  const double c0 = thread_cpu_ns();
  auto t0 = clk::now();
  for (long r = 0; r < rounds; r++) {
    for (RingFiber& rf : ring) fiber_switch(g_sched, rf.f);
  }
  Timed t{ns_since(t0), thread_cpu_ns() - c0};
  if (g_counter != std::uint64_t(rounds) * fibers) fail("ring counter mismatch");
  for (RingFiber& rf : ring) {
    fiber_destroy(rf.f);
    pool.free(rf.s);
  }
  const double switches = 2.0 * double(rounds) * double(fibers);
  return {t.wall / switches, t.cpu / switches};
}

// ---- create + first switch + exit + destroy (warm pool) ----

void short_body(void* p) {
  auto* f = static_cast<Fiber*>(p);
  g_counter = g_counter + 1;
  fiber_exit(*f, g_main);
}

Timed create_destroy_ns(long n) {
  StackPool pool;
  fiber_init_thread(g_main);
  Fiber f;
  g_counter = 0;
  auto once = [&] {
    Stack s = pool.allocate();
    fiber_init(f, s, short_body, &f);
    fiber_switch(g_main, f);
    fiber_destroy(f);
    pool.free(s);
  };
  for (int i = 0; i < 1000; i++) once();
  const double c0 = thread_cpu_ns();
  auto t0 = clk::now();
  for (long i = 0; i < n; i++) once();
  Timed t{ns_since(t0), thread_cpu_ns() - c0};
  if (g_counter != std::uint64_t(n) + 1000) fail("create counter mismatch");
  return {t.wall / double(n), t.cpu / double(n)};
}

// ---- N parked fibers: spawn cost, RSS per fiber, release ----

void park_body(void* p) {
  auto* f = static_cast<Fiber*>(p);
  g_counter = g_counter + 1;
  fiber_switch(*f, g_main);  // parked here
  fiber_exit(*f, g_main);
}

void parked(std::size_t n) {
  StackPool pool;  // default configuration (64 KiB stacks)
  fiber_init_thread(g_main);
  g_counter = 0;
  const std::size_t rss0 = rss_bytes();
  double c0 = thread_cpu_ns();
  auto t0 = clk::now();
  std::unique_ptr<Fiber[]> fibers(new Fiber[n]);
  std::unique_ptr<Stack[]> stacks(new Stack[n]);
  for (std::size_t i = 0; i < n; i++) {
    stacks[i] = pool.allocate();
    fiber_init(fibers[i], stacks[i], park_body, &fibers[i]);
    fibers[i].id = std::int64_t(i) + 1;
    fiber_switch(g_main, fibers[i]);
  }
  const double spawn_ns = ns_since(t0);
  const double spawn_cpu_ns = thread_cpu_ns() - c0;
  const std::size_t rss1 = rss_bytes();
  if (g_counter != n) fail("parked counter mismatch");
  auto st = pool.stats();
  const double per = double(rss1 - rss0) / double(n);
  metric("fiber_parked_count", double(n), "fibers");
  metric("fiber_parked_spawn_ns_per_fiber", spawn_ns / double(n), "ns");
  metric("fiber_parked_spawn_cpu_ns_per_fiber", spawn_cpu_ns / double(n), "ns");
  metric("fiber_parked_rss_bytes_per_fiber", per, "bytes");
  metric("fiber_parked_rss_over_go", per / 2726.0, "ratio");
  metric("fiber_parked_address_space_gib", double(st.mapped_bytes) / double(1ull << 30), "GiB");
  metric("fiber_parked_slabs", double(st.slabs), "slabs");
  c0 = thread_cpu_ns();
  t0 = clk::now();
  for (std::size_t i = 0; i < n; i++) {
    fiber_switch(g_main, fibers[i]);  // resumes and exits
    fiber_destroy(fibers[i]);
    pool.free(stacks[i]);
  }
  metric("fiber_parked_release_ns_per_fiber", ns_since(t0) / double(n), "ns");
  metric("fiber_parked_release_cpu_ns_per_fiber", (thread_cpu_ns() - c0) / double(n), "ns");
  metric("fiber_released_rss_bytes_per_fiber", double(rss_bytes() - rss0) / double(n), "bytes");
}

}  // namespace

int main(int argc, char** argv) {
  const long round_trips = argc > 1 ? std::atol(argv[1]) : 50000000L;
  const std::size_t parked_n = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000000UL;

  // Wall time (comparable to the anchors) and this thread's CPU time.
  Timed raw = ping_pong_ns_per_switch<true>(round_trips);
  metric("switch_fiber_raw_ns_per_switch", raw.wall, "ns");
  metric("switch_fiber_raw_cpu_ns_per_switch", raw.cpu, "ns");
  Timed api = ping_pong_ns_per_switch<false>(round_trips);
  metric("switch_fiber_ns_per_switch", api.wall, "ns");
  metric("switch_fiber_cpu_ns_per_switch", api.cpu, "ns");
  metric("switch_fiber_ns_per_roundtrip", 2 * api.wall, "ns");
  Timed ring = ring_ns_per_switch(1000, round_trips / 2000 + 1);
  metric("switch_fiber_ring1000_ns_per_switch", ring.wall, "ns");
  metric("switch_fiber_ring1000_cpu_ns_per_switch", ring.cpu, "ns");
  Timed cd = create_destroy_ns(round_trips / 20 + 1);
  metric("fiber_create_destroy_ns", cd.wall, "ns");
  metric("fiber_create_destroy_cpu_ns", cd.cpu, "ns");
  if (parked_n > 0) parked(parked_n);
  return 0;
}
