// Futex-based runtime lock and note (Go: lock_futex.go).
#include "runtime/lock.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/nanotime.h"

namespace gosim::runtime {
namespace {

long futex(std::atomic<std::uint32_t>* addr, int op, std::uint32_t val, const timespec* ts) {
  // std::atomic<uint32_t> is layout-compatible with uint32_t on Linux targets.
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), op | FUTEX_PRIVATE_FLAG, val, ts,
                   nullptr, 0);
}

constexpr int kActiveSpin = 4;      // Go: active_spin
constexpr int kActiveSpinCnt = 30;  // Go: active_spin_cnt
constexpr int kPassiveSpin = 1;     // Go: passive_spin

}  // namespace

void Lock::lock_slow() {
  // Go's lock2: speculatively mark "locked with sleepers" only when we sleep,
  // so an uncontended unlock stays a single exchange.
  std::uint32_t wait = key_.exchange(1, std::memory_order_acquire);
  if (wait == 0) return;
  for (;;) {
    for (int i = 0; i < kActiveSpin; i++) {
      while (key_.load(std::memory_order_relaxed) == 0) {
        std::uint32_t v = 0;
        if (key_.compare_exchange_weak(v, wait, std::memory_order_acquire)) return;
      }
      procyield(kActiveSpinCnt);
    }
    for (int i = 0; i < kPassiveSpin; i++) {
      while (key_.load(std::memory_order_relaxed) == 0) {
        std::uint32_t v = 0;
        if (key_.compare_exchange_weak(v, wait, std::memory_order_acquire)) return;
      }
      ::sched_yield();
    }
    // Sleep; from now on we must unlock with a wake (state 2).
    if (key_.exchange(2, std::memory_order_acquire) == 0) return;
    wait = 2;
    futex(&key_, FUTEX_WAIT, 2, nullptr);
  }
}

void Lock::wake() { futex(&key_, FUTEX_WAKE, 1, nullptr); }

void Note::wakeup() {
  if (key_.exchange(1, std::memory_order_release) != 0) return;  // already woken
  futex(&key_, FUTEX_WAKE, 1, nullptr);
}

void Note::sleep() {
  while (key_.load(std::memory_order_acquire) == 0) futex(&key_, FUTEX_WAIT, 0, nullptr);
}

bool Note::tsleep(std::int64_t ns) {
  if (ns < 0) {
    sleep();
    return true;
  }
  std::int64_t deadline = nanotime() + ns;
  while (key_.load(std::memory_order_acquire) == 0) {
    std::int64_t left = deadline - nanotime();
    if (left <= 0) return false;
    timespec ts{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
    futex(&key_, FUTEX_WAIT, 0, &ts);
  }
  return true;
}

}  // namespace gosim::runtime
