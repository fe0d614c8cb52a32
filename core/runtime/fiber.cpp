// Fiber setup and the sanitizer-aware switch around the assembly in
// arch/switch_<arch>.S. See docs/context-switch.md.
#include "runtime/fiber.h"

#include <pthread.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/arch/frame.h"
#include "runtime/stack.h"

#if defined(GOSIM_ASAN) || defined(__SANITIZE_ADDRESS__)
#define GOSIM_FIBER_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(GOSIM_TSAN) || defined(__SANITIZE_THREAD__)
#define GOSIM_FIBER_TSAN 1
#include <sanitizer/tsan_interface.h>
#endif

extern "C" {
// arch/switch_<arch>.S
void gosim_fiber_switch_raw(void** save_sp, void* load_sp);
// Called by gosim_fiber_trampoline on the new fiber's own stack; never returns.
[[noreturn]] void gosim_fiber_boot(void* arg, void (*entry)(void*), std::uint64_t* canary);
// arch/switch_<arch>.S: the first code a new fiber runs (jumped to from its
// boot frame, see init_boot_frame).
void gosim_fiber_trampoline();
}

namespace gosim::runtime {

namespace {

void default_overflow_handler(const Fiber& f) {
  char buf[256];
  std::fprintf(stderr, "%s\n", stack_overflow_message(f, buf, sizeof buf));
  std::abort();
}

std::atomic<StackOverflowHandler> overflow_handler{default_overflow_handler};

// Checked at every switch away: one load and compare on the hot path.
inline void check_stack(const Fiber& from) {
  if (from.canary != nullptr && __builtin_expect(!fiber_stack_ok(from), 0)) {
    overflow_handler.load(std::memory_order_relaxed)(from);
  }
}

inline void before_switch([[maybe_unused]] Fiber& from, [[maybe_unused]] Fiber& to,
                          [[maybe_unused]] bool from_dies) {
#ifdef GOSIM_FIBER_ASAN
  // A null save slot tells ASan the old stack is gone (frees its fake stack).
  __sanitizer_start_switch_fiber(from_dies ? nullptr : &from.asan_fake_stack, to.stack_lo,
                                 to.stack_size);
#endif
#ifdef GOSIM_FIBER_TSAN
  __tsan_switch_to_fiber(to.tsan_fiber, 0);  // flags 0: the switch synchronizes
#endif
}

inline void after_switch([[maybe_unused]] Fiber& self) {
#ifdef GOSIM_FIBER_ASAN
  __sanitizer_finish_switch_fiber(self.asan_fake_stack, nullptr, nullptr);
#endif
}

}  // namespace

void fiber_init_thread(Fiber& self) {
  self = Fiber{};
  self.is_thread = true;
  stack_guard_thread_init();  // guard-page faults report on an alternate stack
  // ASan needs the bounds of every stack it is told we switch to.
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* lo = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
      self.stack_lo = lo;
      self.stack_size = size;
    }
    pthread_attr_destroy(&attr);
  }
#ifdef GOSIM_FIBER_TSAN
  self.tsan_fiber = __tsan_get_current_fiber();
#endif
}

namespace {

// The first frame of a new fiber, in f.boot (see Fiber::boot): the switch
// pops it and jumps to the boot trampoline above, which moves to `top` on the
// fiber's stack; gosim_fiber_boot arms `canary` and calls entry(arg).
void init_boot_frame(Fiber& f, void (*entry)(void*), void* arg, std::uintptr_t top, std::uint64_t* canary) {
  static_assert(sizeof(Fiber::boot) == GOSIM_FRAME_SIZE);
  unsigned char* frame = f.boot;
  std::memset(frame, 0, sizeof f.boot);
  auto put = [&](int off, std::uint64_t v) { std::memcpy(frame + off, &v, sizeof v); };
#if defined(__x86_64__)
  std::uint32_t mxcsr = GOSIM_INIT_MXCSR;
  std::uint16_t x87cw = GOSIM_INIT_X87CW;
  std::memcpy(frame + GOSIM_FRAME_MXCSR, &mxcsr, sizeof mxcsr);
  std::memcpy(frame + GOSIM_FRAME_X87CW, &x87cw, sizeof x87cw);
  put(GOSIM_FRAME_R12, reinterpret_cast<std::uint64_t>(entry));
  put(GOSIM_FRAME_R13, reinterpret_cast<std::uint64_t>(arg));
  put(GOSIM_FRAME_RBX, top);
  put(GOSIM_FRAME_R14, reinterpret_cast<std::uint64_t>(canary));
  put(GOSIM_FRAME_PC, reinterpret_cast<std::uint64_t>(&gosim_fiber_trampoline));
#elif defined(__aarch64__)
  put(GOSIM_FRAME_X19, reinterpret_cast<std::uint64_t>(entry));
  put(GOSIM_FRAME_X20, reinterpret_cast<std::uint64_t>(arg));
  put(GOSIM_FRAME_X21, top);
  put(GOSIM_FRAME_X22, reinterpret_cast<std::uint64_t>(canary));
  put(GOSIM_FRAME_X30, reinterpret_cast<std::uint64_t>(&gosim_fiber_trampoline));
  put(GOSIM_FRAME_FPCR, GOSIM_INIT_FPCR);
#endif
  f.sp = frame;
}

void init_fiber(Fiber& f, void* stack_lo, std::size_t size) {
  f.stack_lo = stack_lo;
  f.stack_size = size;
  f.asan_fake_stack = nullptr;
  f.canary = nullptr;
#ifdef GOSIM_FIBER_ASAN
  // A reused stack may still carry redzones of a dead fiber's frames.
  __asan_unpoison_memory_region(stack_lo, size);
#endif
#ifdef GOSIM_FIBER_TSAN
  // Reuse the TSan fiber of a Fiber that was not fiber_destroy'ed.
  if (f.tsan_fiber == nullptr || f.is_thread) f.tsan_fiber = __tsan_create_fiber(0);
#endif
  f.is_thread = false;
}

std::uintptr_t stack_top(void* stack_lo, std::size_t size) {
  return (reinterpret_cast<std::uintptr_t>(stack_lo) + size) & ~std::uintptr_t{15};
}

}  // namespace

void fiber_init(Fiber& f, void* stack_lo, std::size_t size, void (*entry)(void*), void* arg) {
  init_fiber(f, stack_lo, size);
  init_boot_frame(f, entry, arg, stack_top(stack_lo, size), nullptr);
}

void fiber_init(Fiber& f, const Stack& stack, void (*entry)(void*), void* arg) {
  init_fiber(f, stack.lo, stack.size);
  f.canary = stack.canary;
  init_boot_frame(f, entry, arg, stack_top(stack.lo, stack.size), stack.canary);
  if (stack.owner != nullptr) stack.owner->store(&f.id, std::memory_order_release);
}

void fiber_switch(Fiber& from, Fiber& to) {
  check_stack(from);
  before_switch(from, to, false);
  gosim_fiber_switch_raw(&from.sp, to.sp);
  // Resumed, maybe on another thread: `from` is the running fiber now.
  after_switch(from);
}

void fiber_exit(Fiber& from, Fiber& to) {
  check_stack(from);
  before_switch(from, to, true);
  gosim_fiber_switch_raw(&from.sp, to.sp);
  std::fprintf(stderr, "gosim: fatal error: a fiber resumed after fiber_exit\n");
  std::abort();
}

void fiber_destroy(Fiber& f) {
#ifdef GOSIM_FIBER_TSAN
  if (!f.is_thread && f.tsan_fiber != nullptr) __tsan_destroy_fiber(f.tsan_fiber);
#endif
  f.tsan_fiber = nullptr;
  f.asan_fake_stack = nullptr;
  f.sp = nullptr;
}

bool fiber_stack_ok(const Fiber& f) {
  // Relaxed atomic: the pool may re-arm a neighbour's canary concurrently
  // (with the same value).
  return f.canary == nullptr || __atomic_load_n(f.canary, __ATOMIC_RELAXED) == kStackCanary;
}

StackOverflowHandler set_stack_overflow_handler(StackOverflowHandler h) {
  return overflow_handler.exchange(h != nullptr ? h : default_overflow_handler);
}

const char* stack_overflow_message(const Fiber& f, char* buf, std::size_t size) {
  auto lo = reinterpret_cast<std::uintptr_t>(f.stack_lo);
  std::snprintf(buf, size,
                "gosim: fatal error: stack overflow in goroutine %" PRId64
                " (stack [%#" PRIxPTR ", %#" PRIxPTR "), %zu bytes): the canary below the "
                "stack was overwritten; raise the stack size",
                f.id, lo, lo + f.stack_size, f.stack_size);
  return buf;
}

}  // namespace gosim::runtime

extern "C" [[noreturn]] void gosim_fiber_boot(void* arg, void (*entry)(void*), std::uint64_t* canary) {
#ifdef GOSIM_FIBER_ASAN
  // First entry: finish the switch that started us (no fake stack yet).
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
  // Armed here rather than by fiber_init: it lies in the top page of the
  // stack below ours, which the creator need not touch either.
  if (canary != nullptr) __atomic_store_n(canary, gosim::runtime::kStackCanary, __ATOMIC_RELAXED);
  entry(arg);
  std::fprintf(stderr, "gosim: fatal error: a fiber's entry returned (it must end with fiber_exit)\n");
  std::abort();
}
