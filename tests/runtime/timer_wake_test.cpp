// Lost timer wake-ups (issue #4): with every P idle, a due timer must be
// serviced by the scheduler itself (the M blocked in netpoll until the next
// timer, woken by netpollBreak when an earlier one is added), never by
// sysmon's overdue-timer safety net. These tests switch that net off: a
// lost wake-up then leaves the run hanging until its wall-time limit, and the
// test fails on the run's outcome and on the count of timers that fired.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "runtime/api.h"
#include "runtime/nanotime.h"
#include "runtime/netpoll.h"
#include "runtime/run_scenario.h"
#include "runtime/sysmon.h"
#include "scenario/program.h"
#include "no_timer_net.h"
#include "scenario_shapes.h"
#include "trace/sink.h"

namespace rt = gosim::rt;
namespace sc = gosim::scenario;
namespace grt = gosim::runtime;
using namespace std::chrono_literals;

namespace {

#if defined(GOSIM_TSAN) || defined(GOSIM_ASAN)
constexpr int kScale = 4;  // sanitizers are 5-20x slower
#else
constexpr int kScale = 1;
#endif

using gosim::test::NoTimerNet;

struct Lateness {
  std::atomic<std::int64_t> fired{0};
  std::atomic<std::int64_t> late{0};  // woke 20 ms or more after the deadline
  std::atomic<std::int64_t> worst{0};
  void record(std::int64_t due) {
    std::int64_t l = grt::nanotime() - due;
    fired.fetch_add(1, std::memory_order_relaxed);
    if (l >= 20'000'000) late.fetch_add(1, std::memory_order_relaxed);
    std::int64_t w = worst.load(std::memory_order_relaxed);
    while (l > w && !worst.compare_exchange_weak(w, l, std::memory_order_relaxed)) {
    }
  }
};

void timed_sleep(Lateness& l, std::int64_t us) {
  std::int64_t due = grt::nanotime() + us * 1000;
  rt::sleep(std::chrono::microseconds(us));
  l.record(due);
}

}  // namespace

// The suspect window: one G sleeping short durations while every other G
// blocks (network waits, channel receives, syscalls), so every P goes idle
// between its sleeps and an M must block in netpoll until its timer.
TEST_CASE("timers: short sleeps with every other G blocked all fire without sysmon's net" *
          doctest::test_suite("stress")) {
  NoTimerNet guard;
  const std::int64_t starts0 = grt::sysmon_debug.overdue_timer_starts.load();
  std::int64_t worst = 0, late = 0, runs = 0;
  for (int procs : {2, 3, 4, 8}) {
    for (int round = 0; round < 6 / kScale + 1; round++) {
      const int sleepers = 1 + round % 3;
      const int sleeps = 300 / kScale;
      const int blockers = 2 * procs;
      Lateness lat;
      std::atomic<int> blocker_ops{0};
      rt::Result r = rt::run(
          [&] {
            rt::WaitGroup wg;
            rt::Chan<int> ch;  // blockers park on it; each sleep wakes one
            std::atomic<bool> stop{false};
            wg.add(sleepers);
            for (int s = 0; s < sleepers; s++) {
              rt::go([&, s] {
                for (int i = 0; i < sleeps; i++) {
                  timed_sleep(lat, (i * 37 + s * 101) % 400);
                  ch.try_send(i);  // wakes a blocker parked on ch, if any
                }
                wg.done();
              });
            }
            rt::WaitGroup bwg;
            bwg.add(blockers);
            for (int b = 0; b < blockers; b++) {
              rt::go([&, b] {
                for (int i = 0; !stop.load(std::memory_order_relaxed); i++) {
                  switch ((i + b) % 4) {
                    case 0: grt::netwait(200'000 + (b * 53'000) % 900'000); break;
                    case 1: (void)ch.recv(); break;
                    case 2: rt::syscall_sleep(std::chrono::microseconds(50 + (b * 31) % 300)); break;
                    default: rt::sleep(std::chrono::microseconds(100 + (b * 71) % 700)); break;
                  }
                  blocker_ops.fetch_add(1, std::memory_order_relaxed);
                }
                bwg.done();
              });
            }
            wg.wait();
            stop.store(true);
            ch.close();
            bwg.wait();
          },
          {.procs = procs, .max_wall_time = 60s});
      CAPTURE(procs);
      CAPTURE(round);
      CAPTURE(r.message);
      REQUIRE(r.ok());
      CHECK(lat.fired.load() == static_cast<std::int64_t>(sleepers) * sleeps);
      CHECK(blocker_ops.load() > 0);
      worst = std::max(worst, lat.worst.load());
      late += lat.late.load();
      runs++;
    }
  }
  // The net was off: sysmon started no M for an overdue timer.
  CHECK(grt::sysmon_debug.overdue_timer_starts.load() == starts0);
  MESSAGE("runs " << runs << ", sleeps woken 20 ms late or more: " << late << ", worst lateness "
                  << worst / 1000 << " us");
}

// With work stealing switched off (a scenario's mechanisms.work_stealing), a
// sleeper's timer stays on the P it slept on; once that P is idle, the M
// woken for the timer takes the idle P on top of the LIFO list, often another
// one. Other Ps' expired timers must still run there (as sim mode does, and
// Go's stealWork always does), or the M spins on poll(0) and the sleeper
// never wakes.
TEST_CASE("timers: without work stealing, an idle P's expired timers still run" * doctest::test_suite("stress")) {
  NoTimerNet guard;
  for (int procs : {2, 4, 8}) {
    auto s = std::make_shared<sc::Scenario>();
    s->name = "sleepers-no-steal";
    s->config.gomaxprocs = procs;
    s->config.seed = static_cast<std::uint64_t>(procs);
    s->config.mechanisms.work_stealing = false;
    s->config.limits.max_wall_time = 60'000'000'000;
    s->waitgroups = {{"wg", {}}};
    const int workers = 2 * procs;
    sc::Function worker;
    worker.name = "worker";
    for (int i = 0; i < 40 / kScale; i++) {
      sc::Op op;
      op.kind = i % 5 == 4 ? sc::OpKind::NetWait : sc::OpKind::Sleep;
      op.dur = {sc::DurationSpec::Dist::Uniform, 20'000, 400'000};
      worker.ops.push_back(op);
    }
    worker.ops.push_back(gosim::test::wg_done_op());
    s->functions = {gosim::test::wait_group_main(workers), worker};
    s->entry = 0;
    sc::Program prog = sc::compile(s);
    gosim::trace::NullSink sink;
    gosim::trace::RunOutcome out = grt::run_scenario(prog, sink);
    CAPTURE(procs);
    CAPTURE(out.message);
    CHECK(out.status == gosim::trace::RunOutcome::Status::Ok);
  }
}
