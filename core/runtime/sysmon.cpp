// sysmon (Go 1.19 proc.go: sysmon, retake, preemptone): a thread without a
// P that wakes every 20 us, backing off (x2 per idle round after 50 idle
// rounds) to 10 ms, and
//   - retakes Ps from syscalls seen on two ticks (if the P has work, or no
//     P is idle/spinning, or 10 ms passed), handing them off (handoffp);
//   - asks a G that ran 10 ms on the same schedtick to stop (g->preempt; it
//     stops at its next safe point);
//   - polls the network if nobody did for 10 ms;
//   - deep-sleeps while every P is idle (or the world is stopped) until woken
//     by entersyscall/exitsyscall/startTheWorld;
//   - is the run's watchdog: limits.max_wall_time ends the run.
#include <time.h>

#include "runtime/nanotime.h"
#include "runtime/netpoll.h"
#include "runtime/sched.h"

namespace gosim::runtime {

using trace::EventKind;
using trace::Why;

namespace {

void preemptone(P* p) {
  if (G* g = p->running_g.load(std::memory_order_acquire)) g->preempt.store(true, std::memory_order_relaxed);
}

// retake: returns how many Ps were taken from syscalls.
int retake(M* m, std::int64_t now, int* preempted) {
  const auto& c = sched->cfg();
  int n = 0;
  for (auto& pp : sched->allp) {
    P* p = pp.get();
    PStatus s = p->status.load(std::memory_order_acquire);
    bool sysretake = false;
    if (s == PStatus::Running || s == PStatus::Syscall) {
      std::uint32_t t = p->schedtick.load(std::memory_order_relaxed);
      if (p->sm_schedtick != t) {
        p->sm_schedtick = t;
        p->sm_schedwhen = now;
      } else if (p->sm_schedwhen + c.constants.force_preempt <= now) {
        if (c.mechanisms.preemption && s == PStatus::Running) {
          preemptone(p);
          (*preempted)++;
        }
        sysretake = true;  // a syscall that kept its slice 10 ms is retaken at once
      }
    }
    if (s != PStatus::Syscall) continue;
    std::uint32_t t = p->syscalltick.load(std::memory_order_relaxed);
    if (!sysretake && p->sm_syscalltick != t) {
      p->sm_syscalltick = t;
      p->sm_syscallwhen = now;
      continue;
    }
    if (!c.mechanisms.syscall_handoff) continue;
    if (p->runq.empty() && sched->nmspinning.load() + sched->npidle.load() > 0 &&
        p->sm_syscallwhen + c.constants.syscall_retake > now)
      continue;
    // Stamp before the CAS: the returning M stamps its GoSysExit after seeing it.
    std::int64_t ts = cputicks();  // trace ticks (tracebuf.h)
    G* sg = p->syscall_g.load(std::memory_order_acquire);
    PStatus expect = PStatus::Syscall;
    if (p->status.compare_exchange_strong(expect, PStatus::Idle, std::memory_order_acq_rel)) {
      // The P may have left and re-entered _Psyscall (another G's syscall)
      // since ts: stamp after its GoSysCall too. p->tlast is ours to use now
      // (entersyscall published it with the status we just took).
      if (ts <= p->tlast) ts = p->tlast + 1;
      p->tlast = ts;
      trace_event_at(m, ts, EventKind::GoSysBlock, Why::HandoffRetake, 0, sg ? static_cast<std::int32_t>(sg->goid) : -1,
                     p->id);
      n++;
      p->syscalltick.fetch_add(1, std::memory_order_relaxed);
      handoffp_from(p, sched->allm_count.load() > 0 ? -1 : -1, trace::HandoffReason::SyscallRetake);
    }
  }
  return n;
}

}  // namespace

void sysmon_wake() {
  LockGuard l(sched->sysmonlock);
  if (sched->sysmonwait.load(std::memory_order_acquire)) {
    sched->sysmonwait.store(false, std::memory_order_release);
    sched->sysmonnote.wakeup();
  }
}

void sysmon_main() {
  M* m = getm();
  const auto& c = sched->cfg();
  const std::int64_t deadline = sched->start + c.limits.max_wall_time;
  std::int64_t idle = 0;
  std::int64_t delay = 0;
  for (;;) {
    if (sched->exiting.load(std::memory_order_acquire)) return;
    if (idle == 0) delay = c.constants.sysmon_min_delay;
    else if (idle > c.constants.sysmon_idle_rounds) delay *= 2;
    if (delay > c.constants.sysmon_max_delay) delay = c.constants.sysmon_max_delay;
    std::int64_t now = nanotime();
    std::int64_t sleep = std::min(delay, deadline - now);
    if (sleep > 0) {
      timespec ts{static_cast<time_t>(sleep / 1'000'000'000), static_cast<long>(sleep % 1'000'000'000)};
      ::nanosleep(&ts, nullptr);
    }
    now = nanotime();
    if (sched->exiting.load(std::memory_order_acquire)) return;
    if (now >= deadline) {
      finish_run(trace::RunOutcome::Status::LimitExceeded,
                 "gosim: the run exceeded limits.max_wall_time (" + std::to_string(c.limits.max_wall_time / 1000000) +
                     " ms) and was stopped");
      return;
    }
    // Deep sleep while nothing runs, but only until the next timer, as Go's
    // sysmon does (timeSleepUntil); with a timer already due it stays awake.
    std::int64_t next = time_sleep_until();
    if ((sched->gcwaiting.load(std::memory_order_acquire) ||
         sched->npidle.load(std::memory_order_acquire) == sched->gomaxprocs) &&
        (next == 0 || next > now)) {
      bool slept = false;
      {
        LockGuard l(sched->sysmonlock);
        if (sched->gcwaiting.load() || sched->npidle.load() == sched->gomaxprocs) {
          sched->sysmonnote.clear();
          sched->sysmonwait.store(true, std::memory_order_release);
          slept = true;
        }
      }
      if (slept) {
        std::int64_t sleep = std::min<std::int64_t>(60'000'000'000LL, deadline - nanotime());  // forcegcperiod/2
        if (next != 0) sleep = std::min(sleep, next - now);
        sched->sysmonnote.tsleep(sleep);
        LockGuard l(sched->sysmonlock);
        sched->sysmonwait.store(false, std::memory_order_release);
        idle = 0;
        delay = c.constants.sysmon_min_delay;
        continue;
      }
    }
    // Poll the network if nobody did for 10 ms.
    std::int64_t lastpoll = sched->lastpoll.load(std::memory_order_acquire);
    if (c.mechanisms.netpoller && lastpoll != 0 && lastpoll + c.constants.sysmon_netpoll < now &&
        sched->netpoll->waiters() > 0) {
      if (sched->lastpoll.compare_exchange_strong(lastpoll, now)) {
        if (G* list = sched->netpoll->poll(0)) injectglist(list);
      }
    }
    // Timers that should already have run: start an M to run them. Go 1.19
    // does this only on NetBSD, whose kernel can miss a netpollBreak (Go issue
    // 42515); we keep it everywhere as a safety net, because a wake-up missed
    // somewhere in our netpoll/timer hand-over once left a due timer unserviced
    // with every P idle (see docs/runtime.md). It costs at most a sysmon delay.
    if (next != 0 && next < now && !sched->exiting.load(std::memory_order_acquire) &&
        sched->npidle.load(std::memory_order_acquire) > 0)
      startm(nullptr, false);
    int preempted = 0;
    int n = retake(m, now, &preempted);
    if (n > 0 || preempted > 0)
      trace_event_at(m, cputicks(), EventKind::SysmonWake, Why::SysmonTick, 0, -1, -1, delay, idle, 0, -1);
    if (n > 0) idle = 0;
    else idle++;
  }
}

}  // namespace gosim::runtime
