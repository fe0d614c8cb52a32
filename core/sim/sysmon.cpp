// sysmon: proc.go:sysmon, retake, preemptone (§4.5, §4.6, §5.1).
//
// sysmon runs on its own timeline without a P (event who = -1). Each tick
// follows Go's loop: sleep 20 us while it keeps retaking Ps; after 50
// consecutive idle rounds the sleep doubles each round up to 10 ms. When all
// Ps are idle (or a stop-the-world is pending) it sleeps deeply until the
// next timer (at most 60 s); entersyscall, exitsyscall taking an idle P and
// startTheWorld wake it early, resetting the delay to 20 us.
//
// Each tick: a network poll if nobody polled for 10 ms; retake: preempt a G
// whose P has had the same schedtick for 10 ms of sysmon observation (so a
// slice lasts 10-20 ms), and take Ps from syscalls seen on two ticks unless
// the P has no work, someone spins or idles, and 10 ms have not passed. A
// P's first syscall is taken at sysmon's first look: p.syscalltick moves
// only when a syscall ends (exitsyscall) or its P is taken (retake,
// entersyscallblock, a stop-the-world), so it is still 0 = the zeroed
// sysmontick, and the 10 ms grace counts from syscallwhen = 0, long ago.
// (Not on P0, where os init made syscalls before main: see entersyscall.)
//
// Preemption is asynchronous (SIGURG, Go 1.14+): a `compute` op can be
// stopped at any nanosecond; the rest of it runs when the G is next
// scheduled. Other ops are atomic: a request made during one takes effect
// at its end (the next safe point). With mechanisms.preemption off sysmon
// never preempts and stop-the-world waits for the end of the current op.
//
// SysmonWake events are emitted only for ticks that did something or changed
// the delay, to keep traces of long runs small.
#include "sim/sched.h"

namespace gosim::sim {

using trace::HandoffReason;
using trace::PreemptReason;
using trace::ProcStopReason;

void Sched::sysmon_wake(bool syscall) {
  if (!sm_wait_) return;
  // notetsleep returns true for any notewakeup, so every early wake resets
  // the delay (`syscallWake` in sysmon); `syscall` only documents the caller.
  (void)syscall;
  sm_syscall_wake_ = true;
  push(now_, -1, ++sm_gen_);
}

void Sched::sysmon_tick() {
  const auto& k = cfg_.constants;
  bool woke = false;
  if (sm_wait_) {
    sm_wait_ = false;
    woke = true;
    if (sm_syscall_wake_) {
      sm_idle_ = 0;
      sm_delay_ = k.sysmon_min_delay;
    }
    sm_syscall_wake_ = false;
  } else if (gcwaiting_ || pidle_.size() == ps_.size()) {
    // Deep sleep until the next timer, at most forcegcperiod/2.
    sm_wait_ = true;
    Nanos next = std::min(now_ + 60 * kSecond, std::max(earliest_timer(), now_ + 1));
    push(next, -1, ++sm_gen_);
    return;
  }
  // Poll the network if nobody has for 10 ms.
  if (netpoll_waiters_ && lastpoll_ != 0 && lastpoll_ + k.sysmon_netpoll < now_) {
    lastpoll_ = now_;
    std::vector<std::int32_t> list;
    netpoll(list, -1);
    if (!list.empty()) injectglist(list, nullptr, Why::WakeNetpoll);
  }
  std::int64_t n = retake(now_);
  if (done_) return;
  sm_idle_ = n > 0 ? 0 : sm_idle_ + 1;
  const Nanos old = sm_delay_;
  if (sm_idle_ == 0) {
    sm_delay_ = k.sysmon_min_delay;
  } else if (sm_idle_ > k.sysmon_idle_rounds) {
    sm_delay_ *= 2;
  }
  if (sm_delay_ > k.sysmon_max_delay) sm_delay_ = k.sysmon_max_delay;
  if (n > 0 || woke || old != sm_delay_) {
    emit(EventKind::SysmonWake, Why::SysmonTick, kNoG, -1, -1, sm_delay_, sm_idle_);
  }
  push(now_ + sm_delay_, -1, ++sm_gen_);
}

std::int64_t Sched::retake(Nanos now) {
  const auto& k = cfg_.constants;
  const auto& mech = cfg_.mechanisms;
  std::int64_t n = 0;
  for (P& p : ps_) {
    bool sysretake = false;
    if (p.status == PStatus::Running || p.status == PStatus::Syscall) {
      if (p.sm_schedtick != p.schedtick) {
        p.sm_schedtick = p.schedtick;
        p.sm_schedwhen = now;
      } else if (p.sm_schedwhen + k.force_preempt <= now) {
        if (mech.preemption && p.status == PStatus::Running) preemptone(p, PreemptReason::TimeSlice);
        sysretake = true;
      }
    }
    if (p.status != PStatus::Syscall || !mech.syscall_handoff) continue;
    // "more than 1 sysmon tick" only if the tick moved since the last look;
    // a first syscall (tick 0 on both sides) falls through (see the top).
    if (!sysretake && p.sm_syscalltick != p.syscalltick) {
      p.sm_syscalltick = p.syscalltick;
      p.sm_syscallwhen = now;
      continue;
    }
    if (p.runq.empty() && nmspinning_ + static_cast<std::int64_t>(pidle_.size()) > 0 &&
        p.sm_syscallwhen + k.syscall_retake > now) {
      continue;
    }
    // Retake: the M in the syscall keeps running in the kernel without a P.
    const std::int32_t from = p.m;
    p.status = PStatus::Idle;
    p.m = -1;
    ++p.syscalltick;
    ++n;
    std::int32_t g = from >= 0 ? ms_[static_cast<std::size_t>(from)].curg : kNoG;
    emit(EventKind::GoSysBlock, Why::HandoffRetake, g, p.id, from);
    emit(EventKind::ProcStop, Why::None, kNoG, p.id, from, 0, 0, 0,
         static_cast<std::uint8_t>(ProcStopReason::Syscall));
    handoffp(p.id, from, HandoffReason::SyscallRetake);
    if (done_) break;
  }
  return n;
}

// proc.go:preemptone: ask the G on P to stop. With async preemption the
// running compute op is cut at once; otherwise at the next safe point.
void Sched::preemptone(P& p, PreemptReason reason) {
  if (p.m < 0) return;
  M& m = ms_[static_cast<std::size_t>(p.m)];
  if (m.curg < 0) {
    // A mark worker is a G in Go (gcBgMarkWorker): it gets gp.preempt too.
    if (p.worker != 0) p.worker_preempt = true;
    return;
  }
  G& g = gs_[static_cast<std::size_t>(m.curg)];
  if (g.status != GStatus::Running && g.status != GStatus::Syscall) return;
  if (g.status == GStatus::Running && g.in_compute && cfg_.mechanisms.preemption &&
      m.status == MStatus::Running && m.act == MAct::RunG) {
    cold(g).left = m.wake_at - now_;
    g.cold_work = true;
    g.in_compute = false;
    cancel(m);
    gopreempt(m, reason, reason == PreemptReason::STW ? Why::PreemptSTW : Why::PreemptTimeSlice);
    return;
  }
  g.preempt = true;
}

}  // namespace gosim::sim
