// Stress: a million goroutines, a 10,000-goroutine channel ring, and random
// programs mixing syscalls, network waits, sleeps, channels and mutexes on 1
// to 8 Ps. Every run must complete (no lost wake-up), and threads and fds
// must return to their baseline (no leak). Bounded: each case is a few
// seconds on 2 cores (more under sanitizers, still well under a minute).
#include <doctest/doctest.h>


#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <vector>

#include "no_timer_net.h"
#include "process_counts.h"
#include "runtime/api.h"
#include "runtime/netpoll.h"
#include "runtime/sched.h"
#include "runtime/run_scenario.h"
#include "runtime/sysmon.h"
#include "scenario/program.h"
#include "scenario/rng.h"
#include "scenario_shapes.h"
#include "trace/check.h"
#include "trace/sink.h"

namespace rt = gosim::rt;
namespace sc = gosim::scenario;
using namespace std::chrono_literals;

namespace {

using gosim::test::fds_now;
using gosim::test::threads_now;

#if defined(GOSIM_TSAN) || defined(GOSIM_ASAN)
constexpr int kSanitizerDivisor = 10;  // sanitizers are 5-20x slower
// Random programs per case: 3 cases of 12 s (the 30 s) in the normal
// build; 3 x 4 s under a sanitizer.
constexpr auto kRandomBudget = std::chrono::seconds(4);
#else
constexpr int kSanitizerDivisor = 1;
constexpr auto kRandomBudget = std::chrono::seconds(12);
#endif
// TSan gives every fiber a thread slot and dies beyond 8128 live ones, and
// creating one costs ~1 ms of its bookkeeping: far fewer Gs there.
#if defined(GOSIM_TSAN)
constexpr int kMaxLiveGs = 2000;
constexpr int kSpawnDivisor = 50;
#else
constexpr int kMaxLiveGs = 1 << 30;
constexpr int kSpawnDivisor = kSanitizerDivisor;
#endif

}  // namespace

TEST_CASE("stress: one million goroutines spawned and joined" * doctest::test_suite("stress")) {
  const int n = 1'000'000 / kSpawnDivisor;
  std::atomic<int> ran{0};
  rt::Result r = rt::run(
      [&] {
        // In waves only under TSan (its fiber limit); otherwise all at once.
        for (int left = n; left > 0;) {
          int wave = std::min(left, kMaxLiveGs);
          left -= wave;
          rt::WaitGroup wg;
          wg.add(wave);
          for (int i = 0; i < wave; i++) {
            rt::go([&] {
              ran.fetch_add(1, std::memory_order_relaxed);
              wg.done();
            });
          }
          wg.wait();
        }
      },
      {.procs = 2});
  CHECK(r.ok());
  CHECK(ran.load() == n);
}

TEST_CASE("stress: 10000 goroutines pass tokens around a channel ring" * doctest::test_suite("stress")) {
  const int n = std::min(10'000, kMaxLiveGs);
  const int laps = 3;
  long delivered = 0;
  rt::Result r = rt::run(
      [&] {
        std::vector<std::unique_ptr<rt::Chan<int>>> ring;
        for (int i = 0; i <= n; i++) ring.push_back(std::make_unique<rt::Chan<int>>());
        rt::WaitGroup wg;
        for (int i = 0; i < n; i++) {
          wg.add(1);
          rt::go([&, i] {
            for (int k = 0; k < laps; k++) ring[static_cast<std::size_t>(i + 1)]->send(*ring[static_cast<std::size_t>(i)]->recv() + 1);
            wg.done();
          });
        }
        for (int k = 0; k < laps; k++) {
          ring[0]->send(0);
          delivered += *ring[static_cast<std::size_t>(n)]->recv();
        }
        wg.wait();
      },
      {.procs = 4});
  CHECK(r.ok());
  CHECK(delivered == static_cast<long>(n) * laps);
}

// A lost wake-up found by the random programs: a netpollBreak (a new earlier
// timer, the run's end) was consumed by a non-blocking poll (findRunnable's,
// sysmon's) racing with the M about to block in epoll, which then slept on.
// With one P, busy running main, nobody else polls here.
TEST_CASE("netpoll: a non-blocking poll leaves a pending break to the blocking one") {
  bool pending_after_nonblocking = false;
  bool pending_after_blocking = true;
  rt::Result r = rt::run(
      [&] {
        gosim::runtime::Netpoll& np = *gosim::runtime::sched->netpoll;
        np.brk();
        CHECK(np.poll(0) == nullptr);
        pending_after_nonblocking = np.break_pending();
        if (!pending_after_nonblocking) return;  // lost: a blocking poll would sleep for ever
        CHECK(np.poll(-1) == nullptr);  // returns at once: the break is still there
        pending_after_blocking = np.break_pending();
      },
      {.procs = 1});
  CHECK(r.ok());
  CHECK(pending_after_nonblocking);
  CHECK_FALSE(pending_after_blocking);
}

namespace {

// A random deadlock-free scenario: workers mix compute, syscalls, netwaits,
// sleeps, yields, a shared mutex, allocation, a token channel (send then
// receive on a channel with room for everyone, so it never blocks forever)
// and non-blocking selects on an unbuffered channel; main waits on a wait group.
std::shared_ptr<sc::Scenario> random_scenario(std::uint64_t seed, int procs, int workers, int ops) {
  auto s = std::make_shared<sc::Scenario>();
  s->name = "stress";
  s->config.gomaxprocs = procs;
  s->config.seed = seed;
  s->config.limits.max_wall_time = 60'000'000'000;
  s->channels = {{"tokens", workers, {}}, {"unbuf", 0, {}}};
  s->mutexes = {{"mu", {}}};
  s->waitgroups = {{"wg", {}}};
  sc::Rng rng = sc::rng_for(seed, 999);
  auto us = [](std::int64_t n) { return sc::DurationSpec::fixed(n * 1000); };
  sc::Function worker;
  worker.name = "worker";
  for (int i = 0; i < ops; i++) {
    sc::Op op;
    switch (rng.below(10)) {
      case 0: op.kind = sc::OpKind::Compute; op.dur = {sc::DurationSpec::Dist::Uniform, 10'000, 300'000}; break;
      case 1: op.kind = sc::OpKind::Syscall; op.dur = us(static_cast<std::int64_t>(50 + rng.below(500))); break;
      case 2: op.kind = sc::OpKind::NetWait; op.dur = us(static_cast<std::int64_t>(50 + rng.below(1500))); break;
      case 3: op.kind = sc::OpKind::Sleep; op.dur = us(static_cast<std::int64_t>(rng.below(800))); break;
      case 4: op.kind = sc::OpKind::Yield; break;
      case 5: {
        sc::Op lock;
        lock.kind = sc::OpKind::Lock;
        lock.target = 0;
        worker.ops.push_back(lock);
        sc::Op work;
        work.kind = sc::OpKind::Compute;
        work.dur = us(static_cast<std::int64_t>(rng.below(60)));
        worker.ops.push_back(work);
        op.kind = sc::OpKind::Unlock;
        op.target = 0;
        break;
      }
      case 6: {
        sc::Op send;
        send.kind = sc::OpKind::Send;
        send.target = 0;
        worker.ops.push_back(send);
        op.kind = sc::OpKind::Recv;
        op.target = 0;
        break;
      }
      case 7: {
        op.kind = sc::OpKind::Select;
        op.has_default = true;
        sc::SelectCase a;
        a.is_send = true;
        a.chan = 1;
        sc::SelectCase b;
        b.is_send = false;
        b.chan = 1;
        op.cases = {a, b};
        break;
      }
      case 8: op.kind = sc::OpKind::Alloc; op.count = static_cast<std::int64_t>(64 << 10); op.retain = rng.below(2) == 0; break;
      default: op.kind = sc::OpKind::Yield; break;
    }
    worker.ops.push_back(op);
  }
  worker.ops.push_back(gosim::test::wg_done_op());
  s->functions = {gosim::test::wait_group_main(workers), worker};
  s->entry = 0;
  return s;
}

// Runs a scenario in real mode with tracing; returns its outcome and what
// check_trace says about its trace (one line per problem).
struct TracedRun {
  gosim::trace::RunOutcome out;
  std::string problems;
};
TracedRun run_traced(const std::shared_ptr<sc::Scenario>& scn) {
  sc::Program prog = sc::compile(scn);
  gosim::trace::RecordingSink sink;
  gosim::trace::TraceHeader header;
  header.mode = "real";
  header.gomaxprocs = static_cast<std::int32_t>(scn->config.gomaxprocs);
  sink.begin(header);
  TracedRun r;
  r.out = gosim::runtime::run_scenario(prog, sink);
  sink.end(r.out);
  gosim::trace::Trace t = sink.take();
  t.header.config = nlohmann::json::object();
  for (const auto& p : gosim::trace::check_trace(t)) r.problems += p + "\n";
  return r;
}

// Runs random programs from first_seed on until `budget` has passed.
// GOSIM_STRESS_SEED_BASE shifts every seed (to loop the test over new programs by hand).
void run_random_batch(std::uint64_t first_seed, int runs, std::chrono::steady_clock::duration budget) {
  if (const char* base = std::getenv("GOSIM_STRESS_SEED_BASE")) first_seed += std::strtoull(base, nullptr, 10);
  // Without sysmon's overdue-timer net: a lost timer wake-up then fails the
  // run instead of costing 10 ms (no_timer_net.h).
  gosim::test::NoTimerNet no_net;
  auto& dbg = gosim::runtime::sysmon_debug;
  const std::int64_t starts0 = dbg.overdue_timer_starts.load();
  // The baseline is taken after the first run: a sanitizer's own background
  // thread may start during it. A leak per run still shows in the later ones.
  int t0 = -1;
  int f0 = -1;
  auto start = std::chrono::steady_clock::now();
  int done = 0;
  for (int i = 0; i < runs; i++) {
    // At least 3 programs even on a loaded machine, where one can take the
    // whole budget under TSan.
    if (i >= 3 && std::chrono::steady_clock::now() - start > budget) break;
    if (i == 1) {
      t0 = threads_now();
      f0 = fds_now();
    }
    std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    int procs = 1 + static_cast<int>(seed % 8);
    auto scn = random_scenario(seed, procs, 8 + static_cast<int>(seed % 25), 30 / kSanitizerDivisor + 5);
    CAPTURE(seed);
    TracedRun r = run_traced(scn);
    CAPTURE(r.out.message);
    REQUIRE(r.out.status == gosim::trace::RunOutcome::Status::Ok);
    CHECK_MESSAGE(r.problems.empty(), r.problems);
    done++;
  }
  REQUIRE(done >= 3);
  CHECK(dbg.overdue_timer_starts.load() == starts0);  // the net was off
  CHECK(threads_now() == t0);
  CHECK(fds_now() == f0);
}

}  // namespace

// The run ends when main returns, as in Go, while other Gs may still run.
// Here the worker's wg_done readies main, which another P steals and ends
// the run while the worker computes on: the trace must stop there,
// consistently (it once showed the worker's P stopping while the worker
// "ran": finish_run's preemption parked it without an event, then its P
// was released with a ProcStop).
TEST_CASE("stress: a trace stays consistent when main returns while a G runs" * doctest::test_suite("stress")) {
  for (int i = 0; i < 200 / kSanitizerDivisor; i++) {
    auto s = std::make_shared<sc::Scenario>();
    s->name = "main-returns-first";
    s->config.gomaxprocs = 2;
    s->config.seed = static_cast<std::uint64_t>(i) + 1;
    s->waitgroups = {{"wg", {}}};
    sc::Function worker;
    worker.name = "worker";
    worker.ops.resize(2);
    worker.ops[0] = gosim::test::wg_done_op();
    worker.ops[1].kind = sc::OpKind::Compute;
    worker.ops[1].dur = sc::DurationSpec::fixed(2'000'000);  // 2 ms: main ends first
    s->functions = {gosim::test::wait_group_main(1), worker};
    s->entry = 0;
    CAPTURE(i);
    TracedRun r = run_traced(s);
    REQUIRE(r.out.status == gosim::trace::RunOutcome::Status::Ok);
    CHECK_MESSAGE(r.problems.empty(), r.problems);
  }
}

// Three cases of kRandomBudget each: at least 36 s of random programs in total
// (12 s under a sanitizer).
TEST_CASE("stress: random syscall/netwait/channel/mutex programs (seeds from 1)" * doctest::test_suite("stress")) { run_random_batch(1, 100000, kRandomBudget); }
TEST_CASE("stress: random syscall/netwait/channel/mutex programs (seeds from 100000)" * doctest::test_suite("stress")) { run_random_batch(100000, 100000, kRandomBudget); }
TEST_CASE("stress: random syscall/netwait/channel/mutex programs (seeds from 200000)" * doctest::test_suite("stress")) { run_random_batch(200000, 100000, kRandomBudget); }
