// System calls (Go 1.19 proc.go: reentersyscall, entersyscall_gcwait,
// exitsyscall, exitsyscallfast, exitsyscall0).
//
// entersyscall leaves the P in _Psyscall, still affine to this M but takeable
// by anyone with a CAS (sysmon's retake, a STW). exitsyscall tries, in order:
// the old P (CAS _Psyscall -> _Prunning: no scheduling at all), any idle P,
// then the slow path on g0 (global queue, park the M).
#include <poll.h>
#include <time.h>

#include <cerrno>

#include "runtime/nanotime.h"
#include "runtime/sched.h"

namespace gosim::runtime {

using trace::EventKind;
using trace::Why;

void entersyscall(std::int64_t dur) {
  M* m = getm();
  G* gp = m->curg;
  P* p = m->p;
  trace_event(EventKind::GoSysCall, Why::None, 0, gp, p, dur);
  gp->status.store(GStatus::Syscall, std::memory_order_release);
  m->syscalltick = p->syscalltick.load(std::memory_order_relaxed);
  p->running_g.store(nullptr, std::memory_order_relaxed);
  p->syscall_g.store(gp, std::memory_order_relaxed);
  p->m = nullptr;
  m->oldp = p;
  m->p = nullptr;
  // Publishes everything we did as owner; from here on sysmon/STW may CAS it away.
  p->status.store(PStatus::Syscall, std::memory_order_release);
  if (sched->sysmonwait.load(std::memory_order_acquire)) sysmon_wake();
  if (sched->gcwaiting.load(std::memory_order_acquire)) {
    // entersyscall_gcwait: give the P to the stopping world right away.
    PStatus s = PStatus::Syscall;
    if (p->status.compare_exchange_strong(s, PStatus::GCStop, std::memory_order_acq_rel)) {
      trace_event_at(m, cputicks(), EventKind::GoSysBlock, Why::HandoffSTW, 0, static_cast<std::int32_t>(gp->goid),
                     p->id);
      LockGuard l(sched->lock);
      if (--sched->stopwait == 0) sched->stopnote.wakeup();
    }
  }
}

void exitsyscall() {
  M* m = getm();  // same thread as entersyscall: the G did not switch
  G* gp = m->curg;
  P* oldp = m->oldp;
  m->oldp = nullptr;
  // Fast path 1: our P is still waiting for us.
  PStatus s = PStatus::Syscall;
  if (oldp && oldp->status.compare_exchange_strong(s, PStatus::Running, std::memory_order_acq_rel)) {
    m->p = oldp;
    oldp->m = m;
    oldp->syscall_g.store(nullptr, std::memory_order_relaxed);
    oldp->syscalltick.fetch_add(1, std::memory_order_relaxed);
    gp->status.store(GStatus::Running, std::memory_order_release);
    oldp->running_g.store(gp, std::memory_order_release);
    trace_event(EventKind::GoSysExit, Why::SysExitFast, static_cast<std::uint8_t>(trace::SysExitPath::FastOldP), gp,
                oldp);
    return;
  }
  // Our P was taken (sysmon's retake, a STW): its GoSysBlock is stamped at
  // most max(its clock reading before the CAS, our GoSysCall + 1) (p->tlast
  // + 1). Our GoSysExit reads the clock after the failed CAS and is above
  // gp->tlast, our GoSysCall: one more step makes it strictly later in both
  // cases, even when the stamps run ahead of the clock (a tie let the merge
  // put GoSysExit first: "loses its P in a syscall but it is ended").
  if (tracing_on()) gp->tlast++;
  // Fast path 2: any idle P (exitsyscallfast_pidle).
  if (sched->npidle.load(std::memory_order_acquire) > 0 && !sched->exiting.load(std::memory_order_acquire)) {
    sched->lock.lock();
    P* p = pidleget();
    sched->lock.unlock();
    if (p) {
      acquirep(p);
      p->syscalltick.fetch_add(1, std::memory_order_relaxed);
      gp->status.store(GStatus::Running, std::memory_order_release);
      p->running_g.store(gp, std::memory_order_release);
      if (tracing_on()) p->slice_start = cputicks();  // only GoPreempt's trace reads it
      // GoSysExit with a P: the G runs on (no GoStart, as the trace rules say).
      trace_event(EventKind::GoSysExit, Why::SysExitIdleP, static_cast<std::uint8_t>(trace::SysExitPath::FastIdleP),
                  gp, p);
      if (sched->sysmonwait.load(std::memory_order_acquire)) sysmon_wake();
      return;
    }
  }
  // Slow path on g0 (exitsyscall0); we resume later on some M with a P.
  m->op = McallOp::ExitSyscall;
  fiber_switch(gp->fiber, m->g0);
  unwind_point();  // the run ended while we waited: resumed only to unwind
}

void blocking_syscall_sleep(std::int64_t ns) {
  // A real blocking system call: the thread sleeps in the kernel for ns. The
  // run's abort eventfd makes it return early when the run is over.
  std::int64_t deadline = nanotime() + ns;
  pollfd fd{sched->abort_fd, POLLIN, 0};
  for (;;) {
    std::int64_t left = deadline - nanotime();
    if (left <= 0) return;
    timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    int r = ::ppoll(&fd, 1, &ts, nullptr);
    if (r > 0) return;  // the run is over
    if (r < 0 && errno != EINTR) return;
  }
}

}  // namespace gosim::runtime
