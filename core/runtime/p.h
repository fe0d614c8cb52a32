// A logical processor (Go: runtime2.go `type p`): the right to run Go code,
// with its local run queue, timers and caches.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "runtime/g.h"
#include "runtime/lock.h"
#include "runtime/runq.h"

namespace gosim::runtime {

struct M;

// P states (runtime2.go "P status").
enum class PStatus : std::uint32_t { Idle = 0, Running = 1, Syscall = 2, GCStop = 3, Dead = 4 };

struct Timer {
  std::int64_t when;
  G* g;
};

struct P {
  std::int32_t id = 0;
  std::atomic<PStatus> status{PStatus::Idle};
  P* link = nullptr;  // sched.pidle
  M* m = nullptr;     // owner (nil when idle or in a syscall)
  RunQueue<G> runq;

  // schedtick: bumped by execute for a new time slice; syscalltick: bumped on
  // syscall exit and retake. Written by the owner, read by sysmon (relaxed).
  std::atomic<std::uint32_t> schedtick{0};
  std::atomic<std::uint32_t> syscalltick{0};
  // sysmon's last observation (sysmontick), touched by sysmon only.
  std::uint32_t sm_schedtick = 0, sm_syscalltick = 0;
  std::int64_t sm_schedwhen = 0, sm_syscallwhen = 0;

  std::atomic<G*> running_g{nullptr};  // the G in its time slice (preemption target)
  std::atomic<G*> syscall_g{nullptr};  // the G in a syscall while _Psyscall (for the trace)
  std::int64_t slice_start = 0;        // when the current slice began (owner; for GoPreempt.a0)

  // Timers (time.go): a 4-ary min-heap by when, under timers_lock.
  Lock timers_lock;
  std::vector<Timer> timers;
  std::atomic<std::int64_t> timer0_when{0};  // earliest when, 0 = none

  // Free Gs (gfput/gfget), owner only.
  G* gfree = nullptr;
  std::int32_t gfree_n = 0;
  // goid cache (_GoidCacheBatch).
  std::int64_t goidcache = 0, goidcacheend = 0;

  // GC: fractional worker accounting (owner only).
  std::int64_t gc_fractional_ns = 0;

  std::int64_t tlast = 0;  // trace: last timestamp of an event about this P
};

}  // namespace gosim::runtime
