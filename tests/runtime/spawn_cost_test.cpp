// What makes `go` and short-lived channels cheap (issue #4): a goroutine's
// closure lives in its G (no heap copy when it fits), a new fiber writes
// nothing on its stack until it first runs (the first touch of a lazily
// committed stack happens on the thread that runs it), and small channels are
// recycled through per-thread caches. Each test checks the behaviour the
// optimisation must keep: closures are moved, run and destroyed exactly once
// (also for goroutines that never ran), stacks are armed before they run,
// and recycled channels start empty and open.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "resident_pages.h"
#include "runtime/api.h"
#include "runtime/fiber.h"
#include "runtime/stack.h"

namespace rt = gosim::rt;
using namespace gosim::runtime;

using gosim::test::kPage;
using gosim::test::resident_pages;

namespace {

struct Boot {
  Fiber main, co;
  const Stack* stack = nullptr;
  bool canary_ok_at_start = false;
  bool ran = false;
};

void boot_body(void* arg) {
  auto* b = static_cast<Boot*>(arg);
  b->canary_ok_at_start = *b->stack->canary == kStackCanary;
  b->ran = true;
  fiber_exit(b->co, b->main);
}

// Counts live copies and calls: a closure must be moved (never copied) into
// its goroutine and destroyed exactly once, run or not.
struct Probe {
  std::atomic<int>* live;
  std::atomic<int>* calls;
  Probe(std::atomic<int>& l, std::atomic<int>& c) : live(&l), calls(&c) { live->fetch_add(1); }
  Probe(Probe&& o) noexcept : live(o.live), calls(o.calls) { live->fetch_add(1); }
  Probe(const Probe&) = delete;
  ~Probe() { live->fetch_sub(1); }
  void operator()() const { calls->fetch_add(1); }
};

}  // namespace

TEST_CASE("spawn cost: a new fiber touches none of its fresh stack until it runs, then arms its canary") {
  StackPool pool(StackConfig{.stack_size = 64 * 1024, .stacks_per_slab = 8, .guarded_stacks = 0,
                             .cache_watermark = 8});
  Stack below = pool.allocate(false);
  Stack s = pool.allocate(false);
  // Unarmed allocation: nothing resident, neither our stack nor the top page
  // of the stack below (where our canary lives).
  CHECK(resident_pages(below.lo, below.size) == 0);
  CHECK(resident_pages(s.lo, s.size) == 0);
  Boot b;
  b.stack = &s;
  fiber_init_thread(b.main);
  fiber_init(b.co, s, boot_body, &b);
  CHECK(resident_pages(s.lo, s.size) == 0);
  CHECK(resident_pages(below.lo, below.size) == 0);
  CHECK_FALSE(b.ran);
  fiber_switch(b.main, b.co);
  CHECK(b.ran);
  CHECK(b.canary_ok_at_start);  // armed before the entry function ran
  CHECK(fiber_stack_ok(b.co));
  CHECK(resident_pages(s.lo, s.size) >= 1);  // its frames, on its own stack
  fiber_destroy(b.co);
  pool.free(s);
  pool.free(below);
}

TEST_CASE("spawn cost: go moves small, big and move-only closures into the goroutine, destroys each once") {
  std::atomic<int> live{0}, calls{0};
  std::atomic<long> sum{0};
  rt::Result r = rt::run(
      [&] {
        rt::WaitGroup wg;
        for (int i = 0; i < 100; i++) {
          wg.add(3);
          rt::go([p = Probe(live, calls), &wg] {  // inline in the G
            p();
            wg.done();
          });
          std::array<long, 32> big{};  // 256 bytes: a heap copy
          big[31] = i;
          rt::go([big, p = Probe(live, calls), &wg, &sum] {
            p();
            sum += big[31];
            wg.done();
          });
          auto owned = std::make_unique<long>(i);  // move-only
          rt::go([owned = std::move(owned), &wg, &sum] {
            sum += *owned;
            wg.done();
          });
        }
        wg.wait();
      },
      {.procs = 2});
  CHECK(r.ok());
  CHECK(calls.load() == 200);
  CHECK(sum.load() == 2 * (99 * 100 / 2));
  CHECK(live.load() == 0);
}

TEST_CASE("spawn cost: closures of goroutines that never ran are destroyed when the run ends") {
  std::atomic<int> live{0}, calls{0};
  rt::Result r = rt::run(
      [&] {
        // On one P main never yields: none of these starts before main returns.
        for (int i = 0; i < 10; i++) rt::go(Probe(live, calls));
        std::array<char, 200> big{};
        for (int i = 0; i < 10; i++) rt::go([big, p = Probe(live, calls)] { p(); (void)big; });
        CHECK(live.load() == 20);
      },
      {.procs = 1});
  CHECK(r.ok());
  CHECK(calls.load() == 0);
  CHECK(live.load() == 0);
}

TEST_CASE("spawn cost: recycled channels start empty and open, with their own capacity") {
  long total = 0;
  rt::Result r = rt::run(
      [&] {
        for (int round = 0; round < 300; round++) {
          std::size_t cap = static_cast<std::size_t>(round % 5);  // 0..4: all small, recycled
          rt::Chan<long> c(cap);
          CHECK(c.len() == 0);
          if (round % 7 == 0) c.close();  // a closed one goes back to the cache too
          else if (cap == 0) {
            rt::go([&c, round] { c.send(round); });
            total += *c.recv();
          } else {
            for (std::size_t k = 0; k < cap; k++) CHECK(c.try_send(static_cast<long>(k)));
            CHECK_FALSE(c.try_send(-1));  // full at exactly its capacity
            for (std::size_t k = 0; k < cap; k++) total += *c.recv();
          }
        }
        // A big buffer is not recycled but still works.
        rt::Chan<long> big(100);
        for (long k = 0; k < 100; k++) big.send(k);
        CHECK_FALSE(big.try_send(1));
        for (long k = 0; k < 100; k++) total += *big.recv();
      },
      {.procs = 2});
  CHECK(r.ok());
  long want = 99 * 100 / 2;
  for (int round = 0; round < 300; round++) {
    int cap = round % 5;
    if (round % 7 == 0) continue;
    if (cap == 0) want += round;
    else want += cap * (cap - 1) / 2;
  }
  CHECK(total == want);
}
