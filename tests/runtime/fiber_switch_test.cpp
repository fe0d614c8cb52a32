// Fiber create / switch / exit / destroy on one thread, on malloc'd and
// pooled stacks.
#include <doctest/doctest.h>

#include <cfenv>
#include <cstdint>
#include <cstdlib>
#include <vector>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "runtime/fiber.h"
#include "runtime/stack.h"

using namespace gosim::runtime;

namespace {

struct OwnedStack {
  explicit OwnedStack(std::size_t n = 64 * 1024) : size(n), mem(std::aligned_alloc(64, n)) {}
  ~OwnedStack() { std::free(mem); }
  OwnedStack(const OwnedStack&) = delete;
  OwnedStack& operator=(const OwnedStack&) = delete;
  std::size_t size;
  void* mem;
};

struct PingPong {
  Fiber main, co;
  long rounds = 0;
  long seen = 0;
  bool finished = false;
};

void ping_pong_body(void* arg) {
  auto* pp = static_cast<PingPong*>(arg);
  for (long i = 0; i < pp->rounds; i++) {
    pp->seen++;
    fiber_switch(pp->co, pp->main);
  }
  pp->finished = true;
  fiber_exit(pp->co, pp->main);
}

}  // namespace

TEST_CASE("fiber: create, ping-pong, exit, destroy") {
  OwnedStack stack;
  PingPong pp;
  pp.rounds = 100000;
  fiber_init_thread(pp.main);
  CHECK(pp.main.is_thread);
  fiber_init(pp.co, stack.mem, stack.size, ping_pong_body, &pp);
  CHECK(pp.co.sp != nullptr);
  for (long i = 0; i < pp.rounds; i++) {
    fiber_switch(pp.main, pp.co);
    REQUIRE(pp.seen == i + 1);
  }
  CHECK_FALSE(pp.finished);
  fiber_switch(pp.main, pp.co);  // the body leaves its loop and exits
  CHECK(pp.finished);
  fiber_destroy(pp.co);
  CHECK(pp.co.sp == nullptr);
}

TEST_CASE("fiber: a stack is reused by a new fiber after exit") {
  OwnedStack stack;
  PingPong pp;
  fiber_init_thread(pp.main);
  for (int run = 0; run < 100; run++) {
    pp.rounds = run % 5;
    pp.seen = 0;
    pp.finished = false;
    fiber_init(pp.co, stack.mem, stack.size, ping_pong_body, &pp);
    while (!pp.finished) fiber_switch(pp.main, pp.co);
    REQUIRE(pp.seen == pp.rounds);
    fiber_destroy(pp.co);
  }
}

namespace {

struct Ring {
  Fiber sched;
  std::vector<Fiber> fibers;
  std::vector<int> trace;  // which fiber ran, in order
  int rounds = 0;
};

struct RingArg {
  Ring* ring;
  int index;
};

void ring_body(void* p) {
  auto* a = static_cast<RingArg*>(p);
  for (int r = 0; r < a->ring->rounds; r++) {
    // A callee-saved value that must survive every switch.
    volatile long local = a->index * 1000 + r;
    a->ring->trace.push_back(a->index);
    fiber_switch(a->ring->fibers[a->index], a->ring->sched);
    REQUIRE(local == a->index * 1000 + r);
  }
  fiber_exit(a->ring->fibers[a->index], a->ring->sched);
}

}  // namespace

TEST_CASE("fiber: many fibers round-robin on pooled stacks") {
  StackPool pool(StackConfig{.stack_size = 64 * 1024, .stacks_per_slab = 16, .guarded_stacks = 8,
                             .cache_watermark = 4});
  constexpr int kFibers = 100;
  Ring ring;
  ring.rounds = 50;
  ring.fibers.resize(kFibers);
  std::vector<RingArg> args(kFibers);
  std::vector<Stack> stacks(kFibers);
  fiber_init_thread(ring.sched);
  for (int i = 0; i < kFibers; i++) {
    args[i] = {&ring, i};
    stacks[i] = pool.allocate();
    fiber_init(ring.fibers[i], stacks[i], ring_body, &args[i]);
    ring.fibers[i].id = i + 1;
  }
  for (int r = 0; r <= ring.rounds; r++) {
    for (int i = 0; i < kFibers; i++) fiber_switch(ring.sched, ring.fibers[i]);
  }
  REQUIRE(ring.trace.size() == std::size_t(kFibers) * ring.rounds);
  for (std::size_t k = 0; k < ring.trace.size(); k++) {
    REQUIRE(ring.trace[k] == int(k % kFibers));
  }
  for (int i = 0; i < kFibers; i++) {
    CHECK(fiber_stack_ok(ring.fibers[i]));
    fiber_destroy(ring.fibers[i]);
    pool.free(stacks[i]);
  }
  CHECK(pool.stats().in_use == 0);
}

namespace {

struct FpArg {
  Fiber main, co;
  int co_round_seen = -1;
  unsigned co_mxcsr_seen = 0;
  unsigned co_x87cw_seen = 0;
  double co_value = 0;
};

void fp_body(void* p) {
  auto* a = static_cast<FpArg*>(p);
  a->co_round_seen = std::fegetround();  // a new fiber starts with the defaults
#if defined(__x86_64__)
  a->co_mxcsr_seen = _mm_getcsr() & ~0x3Fu;  // control bits only
  std::uint16_t cw = 0;
  asm volatile("fnstcw %0" : "=m"(cw));
  a->co_x87cw_seen = cw;
#endif
  std::fesetround(FE_TOWARDZERO);
  fiber_switch(a->co, a->main);
  a->co_round_seen = std::fegetround();
  volatile double one = 1.0, three = 3.0;
  a->co_value = one / three;
  fiber_exit(a->co, a->main);
}

}  // namespace

TEST_CASE("fiber: FP control words are per fiber") {
  OwnedStack stack;
  FpArg a;
  const int saved = std::fegetround();
  fiber_init_thread(a.main);
  fiber_init(a.co, stack.mem, stack.size, fp_body, &a);
  std::fesetround(FE_UPWARD);
  fiber_switch(a.main, a.co);
  CHECK(a.co_round_seen == FE_TONEAREST);
#if defined(__x86_64__)
  CHECK(a.co_mxcsr_seen == 0x1F80u);  // ABI start values, not main's
  CHECK(a.co_x87cw_seen == 0x037Fu);
  std::uint16_t cw = 0;
  asm volatile("fnstcw %0" : "=m"(cw));
  CHECK((cw & 0x0C00) == 0x0800);  // main's x87 rounding is still upward
#endif
  CHECK(std::fegetround() == FE_UPWARD);  // the fiber's FE_TOWARDZERO stayed there
  volatile double one = 1.0, three = 3.0;
  const double up = one / three;
  fiber_switch(a.main, a.co);
  CHECK(a.co_round_seen == FE_TOWARDZERO);
  CHECK(std::fegetround() == FE_UPWARD);
  CHECK(a.co_value < up);  // rounded toward zero vs upward
  fiber_destroy(a.co);
  std::fesetround(saved);
}

namespace {

struct AlignArg {
  Fiber main, co;
  std::uintptr_t frame_addr = 1;
  std::uintptr_t local_addr = 1;
  float sum = 0;
};

__attribute__((noinline)) void aligned_work(AlignArg* a) {
  alignas(16) float v[4] = {1, 2, 3, 4};
#if defined(__x86_64__)
  // movaps faults on a misaligned address.
  __m128 x = _mm_load_ps(v);
  x = _mm_add_ps(x, x);
  _mm_store_ps(v, x);
#endif
  a->sum = v[0] + v[1] + v[2] + v[3];
  alignas(alignof(std::max_align_t)) char buf[32];
  a->local_addr = reinterpret_cast<std::uintptr_t>(buf);
  asm volatile("" : : "r"(buf) : "memory");
}

void align_body(void* p) {
  auto* a = static_cast<AlignArg*>(p);
  // At a function's entry the ABI gives sp + 8 (x86-64) or sp (AArch64) a
  // 16-byte alignment; __builtin_frame_address(0) is 16-aligned either way.
  a->frame_addr = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  aligned_work(a);
  fiber_exit(a->co, a->main);
}

}  // namespace

TEST_CASE("fiber: the stack is 16-byte aligned at entry") {
  for (std::size_t misalign : {0, 8, 4, 12}) {
    OwnedStack stack;
    AlignArg a;
    fiber_init_thread(a.main);
    // An odd stack size: fiber_init must round the top down itself.
    fiber_init(a.co, stack.mem, stack.size - misalign, align_body, &a);
    fiber_switch(a.main, a.co);
    fiber_destroy(a.co);
    CHECK(a.frame_addr % 16 == 0);
    CHECK(a.local_addr % alignof(std::max_align_t) == 0);
#if defined(__x86_64__)
    CHECK(a.sum == 20.0f);
#else
    CHECK(a.sum == 10.0f);
#endif
  }
}
