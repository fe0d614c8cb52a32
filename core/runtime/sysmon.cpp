// sysmon (Go 1.19 proc.go: sysmon, retake, preemptone): a thread without a
// P that wakes every 20 us, backing off (x2 per idle round after 50 idle
// rounds) to 10 ms, and
//   - retakes Ps from syscalls seen on two ticks (if the P has work, or no
//     P is idle/spinning, or 10 ms passed), handing them off (handoffp);
//   - asks a G that ran 10 ms on the same schedtick to stop (g->preempt; it
//     stops at its next safe point);
//   - polls the network if nobody did for 10 ms;
//   - deep-sleeps while every P is idle (or the world is stopped) until woken
//     by entersyscall/exitsyscall/startTheWorld, or until the next timer
//     (timeSleepUntil);
//   - starts an M for a timer overdue by more than 10 ms (a defence beyond
//     Go 1.19 on Linux; sysmon.h switches it off for tests);
//   - is the run's watchdog: limits.max_wall_time ends the run.
#include "runtime/sysmon.h"

#include <time.h>

#include <cstdio>

#include "runtime/nanotime.h"
#include "runtime/netpoll.h"
#include "runtime/sched.h"

namespace gosim::runtime {

using trace::EventKind;
using trace::Why;

SysmonDebug sysmon_debug;

namespace {

// The scheduler's state as sysmon sees it, without locks (a debugging aid).
// `slept`: how long sysmon's own last sleep took (asked: `asked`); much
// longer means the whole process was off the CPU, not a lost wake-up.
void report_stall(std::int64_t now, std::int64_t next, std::int64_t slept, std::int64_t asked) {
  std::fprintf(stderr,
               "gosim: sysmon: timer overdue by %lld us (sysmon slept %lld us, asked %lld): npidle=%d/%d "
               "nmspinning=%d nmidle=%d mcount=%d runqsize=%d lastpoll=%lld pollUntil=%lld us from now "
               "netpoll waiters=%d break_pending=%d\n",
               static_cast<long long>((now - next) / 1000), static_cast<long long>(slept / 1000),
               static_cast<long long>(asked / 1000), sched->npidle.load(), sched->gomaxprocs,
               sched->nmspinning.load(), sched->nmidle, sched->mcount, sched->runqsize.load(),
               static_cast<long long>(sched->lastpoll.load()),
               static_cast<long long>(sched->pollUntil.load() == 0 ? 0 : (sched->pollUntil.load() - now) / 1000),
               sched->netpoll->waiters(), sched->netpoll->break_pending() ? 1 : 0);
  for (auto& p : sched->allp) {
    std::int64_t w = p->timer0_when.load();
    std::fprintf(stderr, "  P%d status=%u runq=%u timer0=%lld us\n", p->id, static_cast<unsigned>(p->status.load()),
                 p->runq.size(), w == 0 ? 0LL : static_cast<long long>((w - now) / 1000));
  }
}

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
    PStatus expect = PStatus::Syscall;
    if (p->status.compare_exchange_strong(expect, PStatus::Idle, std::memory_order_acq_rel)) {
      // The P may have left and re-entered _Psyscall (another G's syscall)
      // since we looked: the G is the one in the syscall we just took the P
      // from, read after the CAS (as Go's traceGoSysBlock reads pp.m.curg
      // after it; syscall_g cannot change until handoffp gives the P away),
      // and the stamp is after its GoSysCall too. p->tlast is ours to use
      // now (entersyscall published it with the status we just took).
      G* sg = p->syscall_g.load(std::memory_order_acquire);
      if (ts <= p->tlast) ts = p->tlast + 1;
      p->tlast = ts;
      trace_event_at(m, ts, EventKind::GoSysBlock, Why::HandoffRetake, 0, sg ? static_cast<std::int32_t>(sg->goid) : -1,
                     p->id);
      n++;
      p->syscalltick.fetch_add(1, std::memory_order_relaxed);
      handoffp_from(p, -1, trace::HandoffReason::SyscallRetake);  // -1: no M gives it (sysmon took it)
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
  bool reported = false;  // report_stall: once per run
  for (;;) {
    if (sched->exiting.load(std::memory_order_acquire)) return;
    if (idle == 0) delay = c.constants.sysmon_min_delay;
    else if (idle > c.constants.sysmon_idle_rounds) delay *= 2;
    if (delay > c.constants.sysmon_max_delay) delay = c.constants.sysmon_max_delay;
    std::int64_t now = nanotime();
    const std::int64_t slept_from = now;
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
    if (next != 0 && next < now) {
      std::int64_t stall = sysmon_debug.stall_report_ns.load(std::memory_order_relaxed);
      if (stall > 0 && now - next > stall && !reported &&
          sched->npidle.load(std::memory_order_acquire) == sched->gomaxprocs) {
        reported = true;
        report_stall(now, next, now - slept_from, sleep);
      }
    }
    // Timers that should long have run: start an M to run them. Go 1.19 does
    // this only on NetBSD, whose kernel can miss a netpollBreak (Go issue
    // 42515), and for any overdue timer. We keep it everywhere as a defence
    // (see docs/runtime.md), but only past a grace of sysmon_netpoll (10 ms):
    // the M blocked in netpoll wakes within the epoll granularity (1 ms) of
    // its timer, so a timer later than that was missed (or the machine is
    // overloaded), while a timer a few microseconds due is about to run and
    // starting an M for it is a wasted wake-up (it was ~5 per random stress
    // run without the grace).
    if (next != 0 && now - next > c.constants.sysmon_netpoll &&
        sysmon_debug.overdue_timer_startm.load(std::memory_order_relaxed) &&
        !sched->exiting.load(std::memory_order_acquire) && sched->npidle.load(std::memory_order_acquire) > 0) {
      sysmon_debug.overdue_timer_starts.fetch_add(1, std::memory_order_relaxed);
      startm(nullptr, false);
    }
    int preempted = 0;
    int n = retake(m, now, &preempted);
    if (n > 0 || preempted > 0)
      trace_event_at(m, cputicks(), EventKind::SysmonWake, Why::SysmonTick, 0, -1, -1, delay, idle, 0, -1);
    if (n > 0) idle = 0;
    else idle++;
  }
}

}  // namespace gosim::runtime
