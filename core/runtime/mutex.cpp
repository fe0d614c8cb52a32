// sync.Mutex (Go 1.19 sync/mutex.go Lock/lockSlow/Unlock/unlockSlow, and
// proc.go sync_runtime_canSpin/doSpin).
//
// Normal mode: waiters queue FIFO but a woken waiter competes with new
// arrivals (which may spin a little first) and usually loses; if it loses it
// re-queues at the head. A waiter that waited more than 1 ms switches the
// mutex to starvation mode: Unlock hands ownership straight to the head
// waiter (semrelease with handoff), newcomers neither spin nor grab. It
// switches back when the waiter is the last one or waited less than 1 ms.
#include "runtime/mutex.h"

#include "runtime/nanotime.h"
#include "runtime/sched.h"

namespace gosim::runtime {
namespace {

constexpr std::int32_t kLocked = 1;
constexpr std::int32_t kWoken = 2;
constexpr std::int32_t kStarving = 4;
constexpr std::int32_t kWaiterShift = 3;

// sync_runtime_canSpin: only briefly, on a multicore machine, when another P
// is running (so the holder can release it) and our run queue is empty.
bool can_spin(int iter) {
  if (iter >= 4) return false;
  static const long ncpu = [] {
    long n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    return n;
  }();
  if (ncpu <= 1) return false;
  if (sched->gomaxprocs <= sched->npidle.load(std::memory_order_relaxed) +
                               sched->nmspinning.load(std::memory_order_relaxed) + 1)
    return false;
  P* p = getm()->p;
  return p && p->runq.empty();
}

void lock_slow(Mutex* mu) {
  std::int64_t wait_start = 0;
  bool starving = false;
  bool awoke = false;
  int iter = 0;
  const std::int64_t threshold = sched->cfg().constants.mutex_starvation;
  std::int32_t old = mu->state.load(std::memory_order_relaxed);
  for (;;) {
    if ((old & (kLocked | kStarving)) == kLocked && can_spin(iter)) {
      // Tell Unlock not to wake anyone: we are awake and will try to take it.
      if (!awoke && (old & kWoken) == 0 && (old >> kWaiterShift) != 0 &&
          mu->state.compare_exchange_strong(old, old | kWoken, std::memory_order_acq_rel))
        awoke = true;
      procyield(30);
      iter++;
      old = mu->state.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t nw = old;
    if ((old & kStarving) == 0) nw |= kLocked;  // don't grab a starving mutex
    if ((old & (kLocked | kStarving)) != 0) nw += 1 << kWaiterShift;
    if (starving && (old & kLocked) != 0) nw |= kStarving;
    if (awoke) nw &= ~kWoken;
    if (mu->state.compare_exchange_strong(old, nw, std::memory_order_acq_rel)) {
      if ((old & (kLocked | kStarving)) == 0) break;  // locked with CAS
      bool lifo = wait_start != 0;
      if (wait_start == 0) wait_start = nanotime();
      semacquire(&mu->sema, lifo, trace::BlockReason::Mutex, trace::Why::BlockMutex, mu->id);
      starving = starving || nanotime() - wait_start > threshold;
      old = mu->state.load(std::memory_order_relaxed);
      if ((old & kStarving) != 0) {
        // Handed off to us in starvation mode: fix up the state and own it.
        std::int32_t delta = kLocked - (1 << kWaiterShift);
        if (!starving || (old >> kWaiterShift) == 1) delta -= kStarving;  // exit starvation mode
        mu->state.fetch_add(delta, std::memory_order_acq_rel);
        break;
      }
      awoke = true;
      iter = 0;
    } else {
      old = mu->state.load(std::memory_order_relaxed);
    }
  }
}

void unlock_slow(Mutex* mu, std::int32_t nw) {
  if (((nw + kLocked) & kLocked) == 0) gopanic("fatal error: sync: unlock of unlocked mutex");
  if ((nw & kStarving) == 0) {
    std::int32_t old = nw;
    for (;;) {
      // Nobody to wake, or someone is already awake / holds it / it is starving.
      if ((old >> kWaiterShift) == 0 || (old & (kLocked | kWoken | kStarving)) != 0) return;
      std::int32_t n2 = (old - (1 << kWaiterShift)) | kWoken;
      if (mu->state.compare_exchange_strong(old, n2, std::memory_order_acq_rel)) {
        semrelease(&mu->sema, false, trace::Why::WakeMutex);
        return;
      }
    }
  } else {
    semrelease(&mu->sema, true, trace::Why::WakeMutexHandoff);
  }
}

}  // namespace

void mutex_lock(Mutex* mu) {
  std::int32_t zero = 0;
  if (mu->state.compare_exchange_strong(zero, kLocked, std::memory_order_acquire)) return;
  lock_slow(mu);
}

bool mutex_trylock(Mutex* mu) {
  std::int32_t old = mu->state.load(std::memory_order_relaxed);
  if ((old & (kLocked | kStarving)) != 0) return false;
  return mu->state.compare_exchange_strong(old, old | kLocked, std::memory_order_acquire);
}

void mutex_unlock(Mutex* mu) {
  std::int32_t nw = mu->state.fetch_sub(kLocked, std::memory_order_release) - kLocked;
  if (nw != 0) unlock_slow(mu, nw);
}

}  // namespace gosim::runtime
