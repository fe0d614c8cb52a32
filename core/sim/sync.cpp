// sync.Mutex and sync.WaitGroup over runtime semaphores
// (sync/mutex.go, sync/waitgroup.go, sema.go:semacquire1/semrelease1; §7.4-7.6).
//
// Mutex, normal mode: Lock takes a free mutex at once (a newcomer may barge
// ahead of a woken waiter); otherwise the G queues FIFO and parks
// ("semacquire"). Unlock wakes the head waiter (into the unlocker's runnext)
// unless a waiter is already woken; the woken waiter must compete again: if
// it loses, it re-queues at the head (LIFO), and if it has waited more than
// 1 ms (constants.mutex_starvation) it switches the mutex to starvation mode.
// Starvation mode: Unlock hands ownership directly to the head waiter
// (semrelease with handoff: waiter in runnext, the unlocker goyields to the
// local tail so the waiter runs at once); newcomers queue at the tail. It ends
// when the new owner is the last waiter or waited under 1 ms.
// Active spinning in Lock (sync_runtime_canSpin) is not modelled.
//
// WaitGroup: Add/Done change the counter (negative -> Go's panic); at zero
// every waiter is readied in FIFO order, each into the releaser's runnext.
#include "sim/sched.h"

namespace gosim::sim {

using trace::BlockReason;

bool Sched::mutex_lock(M& m, std::int32_t mu, bool retry) {
  MutexState& x = mutexes_[static_cast<std::size_t>(mu)];
  G& g = gs_[static_cast<std::size_t>(m.curg)];
  if (retry) {
    // A woken waiter (normal mode) competes for the lock again.
    x.woken = false;
    g.resume = Resume::None;
    if (!x.locked) {
      x.locked = true;
      return true;
    }
    if (now_ - cold(g).wait_since > cfg_.constants.mutex_starvation) x.starving = true;
    enqueue(x.q, sudog_new(m.curg, -1, false), /*lifo=*/true);
    ++x.waiters;
    g.resume = Resume::MutexRetry;
    gopark(m, BlockReason::Mutex, Why::BlockMutex, mu);
    return false;
  }
  if (!x.locked && !x.starving) {
    x.locked = true;
    return true;
  }
  cold(g).wait_since = now_;
  enqueue(x.q, sudog_new(m.curg, -1, false));
  ++x.waiters;
  g.resume = Resume::MutexRetry;
  gopark(m, BlockReason::Mutex, Why::BlockMutex, mu);
  return false;
}

// In starvation mode the unlocker yields (m.curg becomes -1).
void Sched::mutex_unlock(M& m, std::int32_t mu) {
  MutexState& x = mutexes_[static_cast<std::size_t>(mu)];
  if (!x.locked) {
    panic_run("sync: unlock of unlocked mutex", true);
    return;
  }
  if (x.starving) {
    std::int32_t w = dequeue(x.q);
    if (w >= 0) {
      --x.waiters;
      G& wg = gs_[static_cast<std::size_t>(w)];
      wg.resume = Resume::MutexOwned;  // ownership handed off: stays locked
      if (x.waiters == 0 || now_ - cold(wg).wait_since < cfg_.constants.mutex_starvation) x.starving = false;
      ready(w, m.curg, Why::WakeMutexHandoff, true, m.p);
      goyield(m);
      return;
    }
    x.starving = false;
  }
  x.locked = false;
  if (x.waiters > 0 && !x.woken) {
    std::int32_t w = dequeue(x.q);
    if (w >= 0) {
      --x.waiters;
      x.woken = true;
      ready(w, m.curg, Why::WakeMutex, true, m.p);
    }
  }
}

void Sched::wg_add(M& m, std::int32_t wg, std::int64_t delta) {
  WaitGroupState& x = wgs_[static_cast<std::size_t>(wg)];
  x.counter += delta;
  if (x.counter < 0) {
    panic_run("sync: negative WaitGroup counter", false);
    return;
  }
  if (x.counter == 0) {
    for (std::int32_t w; (w = dequeue(x.q)) >= 0;) ready(w, m.curg, Why::WakeWaitGroup, true, m.p);
  }
}

bool Sched::wg_wait(M& m, std::int32_t wg) {
  WaitGroupState& x = wgs_[static_cast<std::size_t>(wg)];
  if (x.counter == 0) return true;
  enqueue(x.q, sudog_new(m.curg, -1, false));
  gopark(m, BlockReason::WaitGroup, Why::BlockWaitGroup, wg);
  return false;
}

}  // namespace gosim::sim
