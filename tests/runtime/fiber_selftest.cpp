// Self-contained fiber tests (no doctest, fmt or json): built by
// tests/runtime/CMakeLists.txt with other toolchains — clang++ -O2 (thread
// migration) and aarch64-linux-gnu-g++ -static, run under qemu-aarch64 — and
// included by tls_migration_test.cpp for the main (g++) build.
// Prints one line per check group and exits non-zero on any failure.
#include <atomic>
#include <cfenv>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/fiber.h"
#include "runtime/stack.h"
#include "runtime/tls.h"

namespace selftest {

using namespace gosim::runtime;

#ifdef GOSIM_SELFTEST_NAIVE_TLS
// Negative control (tests/runtime/CMakeLists.txt): per-M state read straight
// from a thread_local, which compilers may cache across the switch.
static thread_local M* naive_m = nullptr;
inline M* test_current_m() { return naive_m; }
inline void test_set_current_m(M* m) { naive_m = m; }
#else
inline M* test_current_m() { return current_m(); }
inline void test_set_current_m(M* m) { set_current_m(m); }
#endif

inline int failures = 0;
#ifdef GOSIM_SELFTEST_NO_MAIN
#define SELFTEST_SAY(...) ((void)0)  // quiet inside doctest
#else
#define SELFTEST_SAY(...) std::printf(__VA_ARGS__)
#endif
#define SELFTEST_CHECK(cond)                                                      \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ::selftest::failures++;                                                     \
    }                                                                             \
  } while (0)

// ---- ping-pong: many switches, callee-saved state and FP values survive ----

struct PingPong {
  Fiber main, co;
  long rounds = 0;
  long count = 0;
  double co_result = 0;
};

// Eight live doubles across every switch: at -O2 they sit in callee-saved
// FP registers (d8-d15 on AArch64) or are spilled (x86-64: none callee-saved).
__attribute__((noinline)) double fp_chain(Fiber& self, Fiber& other, long rounds, double seed,
                                          long* count) {
  double a = seed, b = seed * 2, c = seed * 3, d = seed * 4;
  double e = seed * 5, f = seed * 6, g = seed * 7, h = seed * 8;
  for (long i = 0; i < rounds; i++) {
    fiber_switch(self, other);
    (*count)++;
    a = a * 0.5 + b;
    b = b * 0.5 + c;
    c = c * 0.5 + d;
    d = d * 0.5 + e;
    e = e * 0.5 + f;
    f = f * 0.5 + g;
    g = g * 0.5 + h;
    h = h * 0.5 + 1.0;
  }
  return a + b + c + d + e + f + g + h;
}

double fp_chain_reference(long rounds, double seed) {
  volatile double a = seed, b = seed * 2, c = seed * 3, d = seed * 4;
  volatile double e = seed * 5, f = seed * 6, g = seed * 7, h = seed * 8;
  for (long i = 0; i < rounds; i++) {
    a = a * 0.5 + b;
    b = b * 0.5 + c;
    c = c * 0.5 + d;
    d = d * 0.5 + e;
    e = e * 0.5 + f;
    f = f * 0.5 + g;
    g = g * 0.5 + h;
    h = h * 0.5 + 1.0;
  }
  return a + b + c + d + e + f + g + h;
}

inline void ping_pong_body(void* p) {
  auto* pp = static_cast<PingPong*>(p);
  long dummy = 0;
  pp->co_result = fp_chain(pp->co, pp->main, pp->rounds, 3.25, &dummy);
  fiber_exit(pp->co, pp->main);
}

inline void test_ping_pong() {
  PingPong pp;
  pp.rounds = 200000;
  StackPool pool(StackConfig{.stack_size = 64 * 1024, .stacks_per_slab = 4, .guarded_stacks = 1,
                             .cache_watermark = 4});
  Stack s = pool.allocate();
  fiber_init_thread(pp.main);
  fiber_init(pp.co, s, ping_pong_body, &pp);
  pp.co.id = 1;
  fiber_switch(pp.main, pp.co);  // the fiber starts and waits in its first switch
  double mine = fp_chain(pp.main, pp.co, pp.rounds, 1.75, &pp.count);
  SELFTEST_CHECK(pp.count == pp.rounds);
  SELFTEST_CHECK(mine == fp_chain_reference(pp.rounds, 1.75));
  SELFTEST_CHECK(pp.co_result == fp_chain_reference(pp.rounds, 3.25));
  SELFTEST_CHECK(fiber_stack_ok(pp.co));
  fiber_destroy(pp.co);
  pool.free(s);
  SELFTEST_SAY("ping-pong: %ld round trips\n", pp.rounds);
}

#if defined(__aarch64__)
// d8-d15 across the raw switch, set and read by assembly so that no compiler
// choice can hide a missing save: the other fiber overwrites all of them.
extern "C" void gosim_fiber_switch_raw(void** save_sp, void* load_sp);
extern "C" void selftest_switch_with_d8_d15(void** save_sp, void* load_sp, const double* in,
                                            double* out);
asm(R"(
    .text
    .globl selftest_switch_with_d8_d15
    .type selftest_switch_with_d8_d15,@function
selftest_switch_with_d8_d15:
    stp x29, x30, [sp, #-48]!
    mov x29, sp
    stp d8, d9, [sp, #16]       // ours are callee-saved for our caller
    str x3, [sp, #32]
    ldp d8, d9, [x2, #0]
    ldp d10, d11, [x2, #16]
    ldp d12, d13, [x2, #32]
    ldp d14, d15, [x2, #48]
    bl gosim_fiber_switch_raw
    ldr x3, [sp, #32]
    stp d8, d9, [x3, #0]
    stp d10, d11, [x3, #16]
    stp d12, d13, [x3, #32]
    stp d14, d15, [x3, #48]
    ldp d8, d9, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
    .size selftest_switch_with_d8_d15, .-selftest_switch_with_d8_d15
)");

struct DRegs {
  Fiber main, co;
  double co_in[8] = {-1, -2, -3, -4, -5, -6, -7, -8};
  double co_out[8] = {};
};

inline void dregs_body(void* p) {
  auto* r = static_cast<DRegs*>(p);
  // Runs while main's d8-d15 are suspended: clobber them all, switch back.
  selftest_switch_with_d8_d15(&r->co.sp, r->main.sp, r->co_in, r->co_out);
  fiber_exit(r->co, r->main);
}

inline void test_d8_d15() {
  std::vector<unsigned char> stack(64 * 1024);
  DRegs r;
  fiber_init_thread(r.main);
  fiber_init(r.co, stack.data(), stack.size(), dregs_body, &r);
  const double in[8] = {1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5};
  double out[8] = {};
  selftest_switch_with_d8_d15(&r.main.sp, r.co.sp, in, out);
  for (int i = 0; i < 8; i++) SELFTEST_CHECK(out[i] == in[i]);
  // Resume the fiber: its d8-d15 come back too.
  fiber_switch(r.main, r.co);
  for (int i = 0; i < 8; i++) SELFTEST_CHECK(r.co_out[i] == r.co_in[i]);
  fiber_destroy(r.co);
  SELFTEST_SAY("d8-d15: preserved across the raw switch\n");
}
#endif

// ---- FP control register per fiber (MXCSR/x87 CW or FPCR) ----

struct Fenv {
  Fiber main, co;
  int co_round_at_start = -1;
  int co_round_after = -1;
};

inline void fenv_body(void* p) {
  auto* f = static_cast<Fenv*>(p);
  f->co_round_at_start = std::fegetround();
  std::fesetround(FE_DOWNWARD);
  fiber_switch(f->co, f->main);
  f->co_round_after = std::fegetround();
  fiber_exit(f->co, f->main);
}

inline void test_fenv() {
  std::vector<unsigned char> stack(64 * 1024);
  Fenv f;
  const int saved = std::fegetround();
  fiber_init_thread(f.main);
  fiber_init(f.co, stack.data(), stack.size(), fenv_body, &f);
  std::fesetround(FE_TOWARDZERO);
  fiber_switch(f.main, f.co);
  SELFTEST_CHECK(f.co_round_at_start == FE_TONEAREST);
  SELFTEST_CHECK(std::fegetround() == FE_TOWARDZERO);
  std::fesetround(FE_UPWARD);
  fiber_switch(f.main, f.co);
  SELFTEST_CHECK(f.co_round_after == FE_DOWNWARD);
  SELFTEST_CHECK(std::fegetround() == FE_UPWARD);
  fiber_destroy(f.co);
  std::fesetround(saved);
  SELFTEST_SAY("fenv: rounding mode is per fiber\n");
}

// ---- stack alignment at entry ----

struct Align {
  Fiber main, co;
  std::uintptr_t frame = 1, local = 1;
};

inline void align_body(void* p) {
  auto* a = static_cast<Align*>(p);
  alignas(16) volatile unsigned char buf[48];
  buf[0] = 1;
  a->frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  a->local = reinterpret_cast<std::uintptr_t>(&buf[0]);
  fiber_exit(a->co, a->main);
}

inline void test_alignment() {
  for (std::size_t trim : {0, 4, 8, 12}) {
    std::vector<unsigned char> stack(64 * 1024);
    Align a;
    fiber_init_thread(a.main);
    fiber_init(a.co, stack.data(), stack.size() - trim, align_body, &a);
    fiber_switch(a.main, a.co);
    fiber_destroy(a.co);
    SELFTEST_CHECK(a.frame % 16 == 0);
    SELFTEST_CHECK(a.local % 16 == 0);
  }
  SELFTEST_SAY("alignment: 16 bytes at entry\n");
}

// ---- migration between OS threads: current_m() follows the thread ----

// Stand-ins for two Ms: only their addresses are compared.
inline char m_tags[2];
inline M* fake_m(int i) { return reinterpret_cast<M*>(&m_tags[i]); }

struct Worker;

struct Task {
  Fiber fiber;
  std::vector<unsigned char> stack;
  Worker* host = nullptr;  // the worker currently running this fiber
  long rounds = 0;
  long migrations = 0;     // resumed by the other worker (seen by the fiber)
  long wrong_m = 0;        // current_m() disagreed with the host's M
  bool done = false;
};

struct Worker {
  Fiber g0;
  M* m = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Task*> runq;
  Worker* other = nullptr;

  void push(Task* t) {
    {
      std::lock_guard lock(mu);
      runq.push_back(t);
    }
    cv.notify_one();
  }
};

// Per-M reads before and after every switch, in one function, as the
// scheduler's code does: a cached thread_local address would read the old M.
__attribute__((noinline)) void task_loop(Task* t) {
  for (long r = 0; r < t->rounds; r++) {
    M* before = test_current_m();
    Worker* host = t->host;
    if (before != host->m) t->wrong_m++;
    fiber_switch(t->fiber, host->g0);
    M* after = test_current_m();
    if (after != t->host->m) t->wrong_m++;
    if (after != before) t->migrations++;
  }
}

inline void task_body(void* p) {
  auto* t = static_cast<Task*>(p);
  task_loop(t);
  t->done = true;
  fiber_exit(t->fiber, t->host->g0);
}

inline void worker_main(Worker* w, int index, std::atomic<int>* remaining) {
  test_set_current_m(fake_m(index));
  w->m = test_current_m();
  fiber_init_thread(w->g0);
  for (;;) {
    Task* t = nullptr;
    {
      std::unique_lock lock(w->mu);
      w->cv.wait(lock, [&] { return !w->runq.empty(); });
      t = w->runq.front();
      w->runq.pop_front();
    }
    if (t == nullptr) break;  // stop
    t->host = w;
    fiber_switch(w->g0, t->fiber);
    if (t->done) {
      fiber_destroy(t->fiber);
      if (remaining->fetch_sub(1) == 1) {
        w->push(nullptr);
        w->other->push(nullptr);
      }
    } else {
      w->other->push(t);  // every resume happens on the other thread
    }
  }
  test_set_current_m(nullptr);
}

// Returns the number of migrations seen by the fibers.
inline long test_migration(int tasks = 8, long rounds = 2000) {
  Worker w[2];
  w[0].other = &w[1];
  w[1].other = &w[0];
  std::vector<Task> ts(static_cast<std::size_t>(tasks));
  std::atomic<int> remaining{tasks};
  for (int i = 0; i < tasks; i++) {
    Task& t = ts[static_cast<std::size_t>(i)];
    t.stack.resize(64 * 1024);
    t.rounds = rounds;
    fiber_init(t.fiber, t.stack.data(), t.stack.size(), task_body, &t);
    w[i % 2].runq.push_back(&t);
  }
  std::thread a(worker_main, &w[0], 0, &remaining);
  std::thread b(worker_main, &w[1], 1, &remaining);
  a.join();
  b.join();
  long migrations = 0;
  for (Task& t : ts) {
    SELFTEST_CHECK(t.done);
    SELFTEST_CHECK(t.wrong_m == 0);
    SELFTEST_CHECK(t.migrations == rounds);  // strict alternation: every resume moved
    migrations += t.migrations;
  }
  SELFTEST_CHECK(test_current_m() == nullptr);  // the main thread never set one
  SELFTEST_SAY("migration: %ld migrations between 2 threads, current_m() right after each\n",
              migrations);
  return migrations;
}

}  // namespace selftest

#ifndef GOSIM_SELFTEST_NO_MAIN
int main() {
  selftest::test_ping_pong();
#if defined(__aarch64__)
  selftest::test_d8_d15();
#endif
  selftest::test_fenv();
  selftest::test_alignment();
  selftest::test_migration();
  if (selftest::failures != 0) {
    std::printf("fiber selftest: %d check(s) FAILED\n", selftest::failures);
    return 1;
  }
  std::printf("fiber selftest: all checks passed\n");
  return 0;
}
#endif
