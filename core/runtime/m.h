// A machine: an OS thread (Go: runtime2.go `type m`). Its own thread stack is
// its g0 fiber, where all scheduling code runs (schedule, findRunnable,
// park_m, ...), as in Go.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>

#include "runtime/fiber.h"
#include "runtime/lock.h"
#include "scenario/rng.h"

namespace gosim::runtime {

struct G;
struct P;
struct TraceBuf;

// What a G asked its g0 to do after switching to it (Go: the mcall argument).
enum class McallOp : std::uint8_t { None, Park, Gosched, Preempt, Goexit, ExitSyscall, Yield, Dead };

// gopark's unlock function: returns false to cancel the park (run the G again).
using UnlockFn = bool (*)(G* gp, void* arg);

struct M {
  std::int32_t id = 0;
  Fiber g0;
  G* curg = nullptr;
  P* p = nullptr;
  P* nextp = nullptr;  // handed over by startm before the wakeup
  P* oldp = nullptr;   // held before the syscall
  bool spinning = false;
  bool is_sysmon = false;
  Note park;
  M* schedlink = nullptr;  // sched.midle
  pthread_t thread{};
  bool has_thread = false;  // false for m0 (the caller's thread)
  std::atomic<bool> exited{false};
  TraceBuf* trace = nullptr;
  std::uint32_t syscalltick = 0;
  scenario::Rng fastrand;

  // mcall hand-off: set by the G just before switching to g0.
  McallOp op = McallOp::None;
  UnlockFn unlockf = nullptr;
  void* unlock_arg = nullptr;
  std::uint8_t block_reason = 0;   // trace::BlockReason
  std::uint8_t block_why = 0;      // trace::Why
  std::int64_t block_a0 = -1;      // object index
  std::int64_t block_a1 = -1;      // ready time (sleep, netwait)
  bool block_forever = false;      // GoStop instead of GoBlock
};

}  // namespace gosim::runtime
