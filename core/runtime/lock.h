// Runtime-internal locks and one-shot events, on Linux futexes, mirroring Go's
// lock_futex.go (lock/unlock: spin 4 x procyield(30), 1 osyield, then sleep;
// notesleep/notetsleep/notewakeup/noteclear).
//
// Why not std::mutex: a G can take a lock on its own stack and the M's g0
// releases it right after the switch (gopark's unlock function, as Go does).
// Both run on the same OS thread, but TSan sees two fibers and would report a
// pthread mutex unlocked "by the wrong thread". These locks are plain atomics,
// so TSan sees their acquire/release edges and nothing else.
#pragma once

#include <atomic>
#include <cstdint>

namespace gosim::runtime {

// One PAUSE (x86) / YIELD (arm64): what Go's procyield loops on.
inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}
inline void procyield(int n) {
  for (int i = 0; i < n; i++) cpu_relax();
}

// A full (StoreLoad) barrier: a store before it is visible to every thread
// before any load after it. Go gets one from atomic.Store, which is XCHG on
// amd64 (so runqput's StoreRel of the tail orders it before wakep's loads).
// An asm barrier because GCC rejects atomic_thread_fence under TSan (-Wtsan),
// which does not model store buffering anyway; `lock or` on the stack top is
// the Linux kernel's smp_mb() on x86-64, cheaper than MFENCE.
inline void storeload_barrier() {
#if defined(__x86_64__)
  asm volatile("lock orq $0, (%%rsp)" ::: "memory", "cc");
#elif defined(__aarch64__)
  asm volatile("dmb ish" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// Go's runtime.mutex: 0 unlocked, 1 locked, 2 locked with sleepers.
class Lock {
 public:
  void lock() {
    std::uint32_t v = 0;
    if (key_.compare_exchange_strong(v, 1, std::memory_order_acquire)) return;
    lock_slow();
  }
  bool try_lock() {
    std::uint32_t v = 0;
    return key_.compare_exchange_strong(v, 1, std::memory_order_acquire);
  }
  void unlock() {
    if (key_.exchange(0, std::memory_order_release) == 2) wake();
  }

 private:
  void lock_slow();
  void wake();
  std::atomic<std::uint32_t> key_{0};
};

class LockGuard {
 public:
  explicit LockGuard(Lock& l) : l_(l) { l_.lock(); }
  ~LockGuard() { l_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& l_;
};

// A one-shot event (Go's note): one sleeper, any number of wakeups until cleared.
class Note {
 public:
  void clear() { key_.store(0, std::memory_order_relaxed); }
  void wakeup();
  void sleep();
  // Sleeps at most ns; returns true if woken (false on timeout).
  bool tsleep(std::int64_t ns);
  bool is_set() const { return key_.load(std::memory_order_acquire) != 0; }

 private:
  std::atomic<std::uint32_t> key_{0};
};

}  // namespace gosim::runtime
