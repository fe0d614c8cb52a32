// Stress: a million goroutines, a 10,000-goroutine channel ring, and random
// programs mixing syscalls, network waits, sleeps, channels and mutexes on 1
// to 8 Ps. Every run must complete (no lost wake-up), and threads and fds
// must return to their baseline (no leak). Bounded: each case is a few
// seconds on 2 cores (more under sanitizers, still well under a minute).
#include <doctest/doctest.h>


#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "process_counts.h"
#include "runtime/api.h"
#include "runtime/run_scenario.h"
#include "scenario/program.h"
#include "scenario/rng.h"
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
#else
constexpr int kSanitizerDivisor = 1;
#endif
// TSan gives every fiber a thread slot and dies beyond 8128 live ones.
#if defined(GOSIM_TSAN)
constexpr int kMaxLiveGs = 4000;
#else
constexpr int kMaxLiveGs = 1 << 30;
#endif

}  // namespace

TEST_CASE("stress: one million goroutines spawned and joined" * doctest::test_suite("stress")) {
  const int n = 1'000'000 / kSanitizerDivisor;
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

TEST_CASE("stress: 10,000 goroutines pass tokens around a channel ring" * doctest::test_suite("stress")) {
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
  sc::Op done;
  done.kind = sc::OpKind::WgDone;
  done.target = 0;
  worker.ops.push_back(done);
  sc::Function main;
  main.name = "main";
  sc::Op add;
  add.kind = sc::OpKind::WgAdd;
  add.target = 0;
  add.count = workers;
  sc::Op go;
  go.kind = sc::OpKind::Go;
  go.target = 1;
  go.count = workers;
  sc::Op wait;
  wait.kind = sc::OpKind::WgWait;
  wait.target = 0;
  main.ops = {add, go, wait};
  s->functions = {main, worker};
  s->entry = 0;
  return s;
}

// Runs random programs from first_seed on until `budget` has passed.
void run_random_batch(std::uint64_t first_seed, int runs, std::chrono::seconds budget) {
  int t0 = threads_now();
  int f0 = fds_now();
  auto start = std::chrono::steady_clock::now();
  int done = 0;
  for (int i = 0; i < runs; i++) {
    if (std::chrono::steady_clock::now() - start > budget) break;
    std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    int procs = 1 + static_cast<int>(seed % 8);
    auto scn = random_scenario(seed, procs, 8 + static_cast<int>(seed % 25), 30 / kSanitizerDivisor + 5);
    sc::Program prog = sc::compile(scn);
    gosim::trace::RecordingSink sink;
    gosim::trace::TraceHeader header;
    header.mode = "real";
    header.gomaxprocs = procs;
    sink.begin(header);
    gosim::trace::RunOutcome out = gosim::runtime::run_scenario(prog, sink);
    sink.end(out);
    CAPTURE(seed);
    CAPTURE(out.message);
    REQUIRE(out.status == gosim::trace::RunOutcome::Status::Ok);
    gosim::trace::Trace t = sink.take();
    t.header.config = nlohmann::json::object();
    std::string all;
    int problems_n = 0;
    for (const auto& p : gosim::trace::check_trace(t)) {
      // As in Go, the run ends when main returns: a worker that readied main
      // with its final wg_done may not have reached GoEnd yet. That is not a
      // scheduler bug; everything else is.
      if (p.find("at the end, but the run is reported ok") != std::string::npos) continue;
      all += p + "\n";
      problems_n++;
    }
    CHECK_MESSAGE(problems_n == 0, all);
    done++;
  }
  CHECK(done >= 3);
  CHECK(threads_now() == t0);
  CHECK(fds_now() == f0);
}

}  // namespace

// Three cases of ~12 s each: at least 36 s of random programs in total.
TEST_CASE("stress: random syscall/netwait/channel/mutex programs (seeds from 1)" * doctest::test_suite("stress")) { run_random_batch(1, 100000, 12s); }
TEST_CASE("stress: random syscall/netwait/channel/mutex programs (seeds from 100000)" * doctest::test_suite("stress")) { run_random_batch(100000, 100000, 12s); }
TEST_CASE("stress: random syscall/netwait/channel/mutex programs (seeds from 200000)" * doctest::test_suite("stress")) { run_random_batch(200000, 100000, 12s); }
