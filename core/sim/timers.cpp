// Timers: per-P heaps (time.go:addtimer, proc.go:checkTimers, wakeNetPoller; §7.7, §7.8).
//
// Only time.Sleep creates timers here. A sleeping G's timer goes on the heap
// of the P it parked on, after the park (resetForSleep). Timers run only when
// an M with a P calls checkTimers: at the top of findRunnable for its own P,
// and for victims in the last steal round (readying into the thief's P). An
// idle runtime waits for the earliest timer in the blocking netpoll, with
// epoll's millisecond granularity (netpoll.cpp).
#include <algorithm>

#include "sim/sched.h"

namespace gosim::sim {

namespace {
bool timer_later(const TimerEntry& a, const TimerEntry& b) {
  return a.when != b.when ? a.when > b.when : a.seq > b.seq;
}
}  // namespace

void Sched::addtimer(P& p, std::int32_t g, Nanos when) {
  p.timers.push_back({when, timer_seq_++, g});
  std::push_heap(p.timers.begin(), p.timers.end(), timer_later);
  wake_netpoller(when);
}

// checkTimers(p): run p's expired timers; each readies its G into run_on's
// runnext (goroutineReady -> goready). Returns how many ran: the caller's M
// spends costs.timer on each (runtimer).
std::int64_t Sched::check_timers(P& p, P& run_on) {
  std::int64_t ran = 0;
  while (!p.timers.empty() && p.timers.front().when <= now_) {
    std::pop_heap(p.timers.begin(), p.timers.end(), timer_later);
    TimerEntry t = p.timers.back();
    p.timers.pop_back();
    emit(EventKind::TimerFire, Why::TimerExpired, t.g, run_on.id, run_on.m, t.when);
    ready(t.g, kNoG, Why::WakeTimer, true, run_on.id);
    ++ran;
  }
  return ran;
}

Nanos Sched::earliest_timer() const {
  Nanos t = kForever;
  for (const P& p : ps_) {
    if (!p.timers.empty()) t = std::min(t, p.timers.front().when);
  }
  return t;
}

// wakeNetPoller: an M blocked in netpoll must wake by `when`; with none, wakep.
void Sched::wake_netpoller(Nanos when) {
  if (lastpoll_ == 0) {
    M& m = ms_[static_cast<std::size_t>(netpoll_m_)];
    if (when < m.wake_at) {
      // netpollBreak: the poll returns now and the M re-runs findRunnable.
      m.wake_at = now_;
      at(m, now_, MAct::NetpollReturn);
    }
    return;
  }
  wakep();
}

}  // namespace gosim::sim
