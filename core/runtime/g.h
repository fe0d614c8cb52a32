// A goroutine (Go: runtime2.go `type g`). Gs are fibers with their own
// stacks; they are never freed during a run, only recycled through the free
// lists (gfput/gfget), so a stale G* (e.g. sysmon's preemption target) always
// points at a valid G.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/fiber.h"
#include "runtime/stack.h"

namespace gosim::runtime {

struct M;
struct P;

// G states (runtime2.go "G status").
enum class GStatus : std::uint32_t {
  Idle = 0,
  Runnable = 1,
  Running = 2,
  Syscall = 3,
  Waiting = 4,
  Dead = 6,
};

// Go's pollDesc read slot, for one netwait at a time (netpoll.go): 0 = nothing,
// kPdReady = the fd fired before we parked, kPdWait = about to park, else the G.
struct PollDesc {
  std::atomic<std::uintptr_t> rg{0};
  int fd = -1;
};

struct G {
  Fiber fiber;
  Stack stack;  // from the run's StackPool; kept while the G is on a free list
  std::int64_t goid = 0;
  std::atomic<GStatus> status{GStatus::Idle};
  G* schedlink = nullptr;   // global run queue, free lists, injected lists
  M* m = nullptr;           // the M running it (owner only)
  std::atomic<bool> preempt{false};  // sysmon/STW asked it to stop at its next safe point

  // Park/ready hand-shake (chan.go, select.go, sema.go).
  void* param = nullptr;                  // the Sudog that woke us (set by the waker)
  std::atomic<std::uint32_t> selectDone{0};  // select: the waker that wins the CAS 0->1
  std::int64_t waker_goid = -1;           // for the trace: who readied us (-1: runtime)
  std::uint8_t wake_why = 0;              // trace::Why of the wake

  // Entry point: fn(this).
  void (*fn)(G*) = nullptr;
  void* arg = nullptr;        // API: its closure (api.cpp); scenario: unused
  std::int64_t u0 = 0;        // scenario: function index
  std::int64_t u1 = 0;        // scenario: the argument n

  std::int64_t retained = 0;  // bytes of live heap this G keeps (alloc retain)
  std::int64_t gc_assist_bytes = 0;
  std::int64_t tlast = 0;     // trace: last timestamp used for this G (causal order)
  PollDesc pd;
  bool is_main = false;

  // The API's closure (rt::go), moved in by newproc's init hook when it
  // fits (api.cpp): like Go's newproc1, which copies the go statement's
  // function value into the new G, a `go` costs no heap allocation.
  static constexpr std::size_t kClosureBytes = 64;
  alignas(16) unsigned char closure[kClosureBytes];

  // Unwinding at the run's end (sched.cpp, "Unwinding abandoned goroutines").
  bool started = false;      // gentry ran: the stack holds frames to unwind
  std::uint8_t unwind = 0;   // kUnwind* below
};

// G::unwind: the run is over and the unwinder resumes this G ...
constexpr std::uint8_t kUnwindNone = 0;
constexpr std::uint8_t kUnwindRequested = 1;  // ... to throw GoroutineUnwind at its park point
constexpr std::uint8_t kUnwindThrown = 2;     // ... it did; parks are real parks from now on
constexpr std::uint8_t kUnwindDone = 3;       // it exited (or was never started and was freed)

}  // namespace gosim::runtime
