// Timers (Go: time.go addtimer/doaddtimer/runtimer, proc.go checkTimers,
// wakeNetPoller; time.Sleep: timeSleep, resetForSleep, goroutineReady).
#include "runtime/timers.h"

#include "runtime/nanotime.h"
#include "runtime/netpoll.h"
#include "runtime/sched.h"

namespace gosim::runtime {
namespace {

// 4-ary heap helpers (time.go siftupTimer / siftdownTimer).
void siftup(std::vector<Timer>& h, std::size_t i) {
  Timer t = h[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 4;
    if (t.when >= h[parent].when) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = t;
}

void siftdown(std::vector<Timer>& h, std::size_t i) {
  std::size_t n = h.size();
  Timer t = h[i];
  for (;;) {
    std::size_t c = i * 4 + 1;
    if (c >= n) break;
    std::size_t best = c;
    for (std::size_t k = c + 1; k < c + 4 && k < n; k++)
      if (h[k].when < h[best].when) best = k;
    if (h[best].when >= t.when) break;
    h[i] = h[best];
    i = best;
  }
  h[i] = t;
}

void update_timer0(P* p) { p->timer0_when.store(p->timers.empty() ? 0 : p->timers[0].when, std::memory_order_release); }

}  // namespace

void add_timer(P* p, std::int64_t when, G* gp) {
  LockGuard l(p->timers_lock);
  p->timers.push_back({when, gp});
  siftup(p->timers, p->timers.size() - 1);
  update_timer0(p);
}

std::int64_t check_timers(P* p, std::int64_t now, bool* ran) {
  std::int64_t w = p->timer0_when.load(std::memory_order_acquire);
  if (w == 0 || w > now) return w;
  G* fired = nullptr;
  {
    LockGuard l(p->timers_lock);
    while (!p->timers.empty() && p->timers[0].when <= now) {
      G* gp = p->timers[0].g;
      p->timers[0] = p->timers.back();
      p->timers.pop_back();
      if (!p->timers.empty()) siftdown(p->timers, 0);
      gp->schedlink = fired;
      fired = gp;
    }
    update_timer0(p);
    w = p->timer0_when.load(std::memory_order_relaxed);
  }
  M* m = getm();
  while (fired) {
    G* gp = fired;
    fired = gp->schedlink;
    gp->schedlink = nullptr;
    *ran = true;
    // goroutineReady: into the runnext of the P running the timer.
    trace_event(trace::EventKind::TimerFire, trace::Why::TimerExpired, 0, gp, m->p);
    goready(gp, trace::Why::WakeTimer, true);
  }
  return w;
}

void wake_netpoller(std::int64_t when) {
  if (sched->lastpoll.load(std::memory_order_acquire) == 0) {
    // An M is blocked in netpoll: interrupt it if it would sleep past `when`.
    std::int64_t pu = sched->pollUntil.load(std::memory_order_acquire);
    if (pu == 0 || pu > when) sched->netpoll->brk();
  } else {
    wakep();
  }
}

namespace {

struct SleepArgs {
  std::int64_t when;
};

// resetForSleep: the timer is added only once the G is off its stack, so it
// cannot fire before the G is parked.
bool reset_for_sleep(G* gp, void* arg) {
  // Copied first: once the timer is in the heap it may fire on another M and
  // gp may run on and reuse its stack (where *arg lives) before we return.
  std::int64_t when = static_cast<SleepArgs*>(arg)->when;
  add_timer(getm()->p, when, gp);
  wake_netpoller(when);
  return true;
}

}  // namespace

void time_sleep(std::int64_t ns) {
  if (ns <= 0) return;  // time.Sleep(0) returns at once
  SleepArgs a{nanotime() + ns};
  gopark(reset_for_sleep, &a, trace::BlockReason::Sleep, trace::Why::BlockSleep, -1, a.when - sched->start);
}

}  // namespace gosim::runtime
