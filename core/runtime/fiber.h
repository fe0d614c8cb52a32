// A fiber: a user-space execution context on its own stack, switched by our
// own assembly (arch/switch_<arch>.S). Goroutines are fibers; each M's own
// thread stack is a fiber too (its g0), so a switch is always fiber to fiber.
//
// Every switch tells the sanitizers: ASan (__sanitizer_start/finish_switch_fiber)
// and TSan (__tsan_switch_to_fiber), so the tests pass under both.
#pragma once

#include <cstddef>

namespace gosim::runtime {

struct Fiber {
  void* sp = nullptr;              // saved stack pointer (registers live on the stack)
  void* stack_lo = nullptr;        // lowest usable address ([lo, lo + size))
  std::size_t stack_size = 0;
  void* tsan_fiber = nullptr;      // TSan's handle, if built with TSan
  void* asan_fake_stack = nullptr; // ASan's fake stack saved across a switch
};

// Makes the calling thread's own stack a fiber (an M's g0).
void fiber_init_thread(Fiber& self);

// Prepares f to run entry(arg) on [stack_lo, stack_lo + size) at its first
// switch. entry must never return; it ends by switching away for good.
void fiber_init(Fiber& f, void* stack_lo, std::size_t size, void (*entry)(void*), void* arg);

// Saves the running context into `from` and resumes `to`. Returns when some
// fiber switches back to `from`.
void fiber_switch(Fiber& from, Fiber& to);

// Releases sanitizer state of a fiber that will not run again.
void fiber_destroy(Fiber& f);

}  // namespace gosim::runtime
