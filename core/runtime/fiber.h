// A fiber: a user-space execution context on its own stack, switched by our
// own assembly (arch/switch_<arch>.S). Goroutines are fibers; each M's own
// thread stack is a fiber too (its g0), so a switch is always fiber to fiber.
//
// Every switch tells the sanitizers: ASan (__sanitizer_start/finish_switch_fiber)
// and TSan (__tsan_switch_to_fiber), so the tests pass under both.
//
// A fiber may be resumed on a different OS thread than the one it was
// suspended on (Gs migrate between Ms): code that can switch must reach
// per-M state through current_m() (tls.h), never through a thread_local.
// See docs/context-switch.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/arch/frame.h"

namespace gosim::runtime {

struct Stack;

struct Fiber {
  void* sp = nullptr;              // saved stack pointer (registers live on the stack)
  void* stack_lo = nullptr;        // lowest usable address ([lo, lo + size))
  std::size_t stack_size = 0;
  void* tsan_fiber = nullptr;      // TSan's handle, if built with TSan
  void* asan_fake_stack = nullptr; // ASan's fake stack saved across a switch
  // Stack-overflow canary below stack_lo (stacks from a StackPool), checked
  // at every switch away from this fiber; nullptr = not checked.
  const std::uint64_t* canary = nullptr;
  std::int64_t id = -1;            // owner's id for error messages (goroutine id)
  bool is_thread = false;          // an OS thread's own stack (fiber_init_thread)
  // A new fiber's first frame (fiber_init): sp points here until its first
  // switch-in, whose trampoline moves to the fiber's own stack. So creating a
  // fiber writes nothing on its stack: the first touch of a lazily committed
  // stack (a page fault) happens on the thread that first runs it, not on the
  // creator (Go's newproc writes the new stack; a 2 KiB Go stack shares its
  // page, ours never do).
  alignas(16) unsigned char boot[GOSIM_FRAME_SIZE];
};

// Makes the calling thread's own stack a fiber (an M's g0).
void fiber_init_thread(Fiber& self);

// Prepares f to run entry(arg) on [stack_lo, stack_lo + size) at its first
// switch. entry must never return; it ends with fiber_exit. The stack top is
// rounded down to 16 bytes; entry starts with the ABI's stack alignment.
// Touches only f: the stack is first written when f first runs.
void fiber_init(Fiber& f, void* stack_lo, std::size_t size, void (*entry)(void*), void* arg);

// Same on a pooled stack (stack.h); its overflow canary is (re)armed when f
// first runs, before entry.
void fiber_init(Fiber& f, const Stack& stack, void (*entry)(void*), void* arg);

// Saves the running context into `from` and resumes `to`. Returns when some
// fiber switches back to `from` (possibly on another OS thread).
void fiber_switch(Fiber& from, Fiber& to);

// The last switch away from a dying fiber: like fiber_switch, but `from`
// never runs again (ASan frees its fake stack). After it, another fiber may
// fiber_destroy `from` and reuse its stack.
[[noreturn]] void fiber_exit(Fiber& from, Fiber& to);

// Releases sanitizer state of a fiber that will not run again. Call it from
// another fiber, before reusing the Fiber with fiber_init.
void fiber_destroy(Fiber& f);

// True if f's overflow canary is intact (or f has none).
bool fiber_stack_ok(const Fiber& f);

// Called when a switch away from f finds its canary overwritten. The default
// prints "gosim: fatal error: stack overflow in goroutine <id> ..." to stderr
// and aborts; a handler that returns lets the switch go on (tests).
using StackOverflowHandler = void (*)(const Fiber& f);
StackOverflowHandler set_stack_overflow_handler(StackOverflowHandler h);

// Writes the overflow message for f into buf (NUL-terminated); returns buf.
const char* stack_overflow_message(const Fiber& f, char* buf, std::size_t size);

}  // namespace gosim::runtime
