// The per-P local run queue: a lock-free ring of 256 slots plus `runnext`,
// mirroring Go 1.19's proc.go: runqput, runqputslow, runqget, runqgrab,
// runqsteal, runqempty.
//
// Ownership (the invariant everything below relies on):
//   - Only the P's owner (the M holding the P) appends: it alone writes `tail_`
//     and the slot at `tail_`. Appends are published by a release store of tail.
//   - Anyone (the owner, or a thief on another M) consumes from the head by a
//     CAS on `head_`. A consumer reads slots *before* its CAS; the CAS succeeding
//     proves nobody consumed those slots meanwhile, hence the owner could not
//     have reused them (it only writes slot t when t - head < 256).
//   - Slots are std::atomic<T*> read/written relaxed: Go reads them racily and
//     lets the CAS validate; in C++ a racy plain read is UB (and TSan would say
//     so), a relaxed atomic read is not. Ordering comes from tail (release /
//     acquire) and head (CAS acq_rel).
//   - `runnext_` may be set only by the owner (exchange); anyone may clear it
//     (CAS to null), which is how a thief steals it.
//
// T is any object type; the runtime uses it with G, the unit tests with ints.
#pragma once

#include <atomic>
#include <cstdint>

namespace gosim::runtime {

template <typename T, std::uint32_t N = 256>
class RunQueue {
  static_assert((N & (N - 1)) == 0, "N must be a power of two");

 public:
  static constexpr std::uint32_t kCapacity = N;

  // Approximate length of the ring (not runnext), as schedtrace prints it.
  std::uint32_t size() const {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      std::uint32_t t = tail_.load(std::memory_order_acquire);
      if (h == head_.load(std::memory_order_acquire)) return t - h;
    }
  }

  // runqempty: true only if the ring and runnext are both empty. A consistent
  // snapshot: re-read tail so that a G moving from runnext to the ring (owner
  // putting a new runnext) is not missed.
  bool empty() const {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      std::uint32_t t = tail_.load(std::memory_order_acquire);
      T* next = runnext_.load(std::memory_order_acquire);
      if (tail_.load(std::memory_order_acquire) == t) return h == t && next == nullptr;
    }
  }

  T* runnext() const { return runnext_.load(std::memory_order_acquire); }

  // runqput (owner only). With next, x goes into runnext and the previous
  // runnext (if any) to the tail. Returns false if the ring is full: the
  // caller then runs put_slow (runqputslow) to move half to the global queue.
  // `kicked` receives the G that must still be queued when false is returned.
  bool put(T* x, bool next, T** kicked) {
    if (next) {
      T* old = runnext_.exchange(x, std::memory_order_acq_rel);
      if (old == nullptr) return true;
      x = old;  // kick the old runnext to the tail
    }
    std::uint32_t h = head_.load(std::memory_order_acquire);
    std::uint32_t t = tail_.load(std::memory_order_relaxed);  // we are the only writer
    if (t - h < N) {
      slots_[t % N].store(x, std::memory_order_relaxed);
      tail_.store(t + 1, std::memory_order_release);  // publishes the slot
      return true;
    }
    *kicked = x;
    return false;
  }

  // runqputslow, part 1 (owner only): grabs the oldest N/2 Gs into batch if
  // the ring is still full. Returns how many were grabbed (0: a thief took
  // some meanwhile, retry put()).
  std::uint32_t grab_half_for_overflow(T** batch) {
    std::uint32_t h = head_.load(std::memory_order_acquire);
    std::uint32_t t = tail_.load(std::memory_order_relaxed);
    std::uint32_t n = (t - h) / 2;
    if (n != N / 2) return 0;  // not full any more
    for (std::uint32_t i = 0; i < n; i++) batch[i] = slots_[(h + i) % N].load(std::memory_order_relaxed);
    // Commit the consume; on failure a thief took some, the ring is not full.
    if (!head_.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return 0;
    return n;
  }

  // runqget (owner only: consumes runnext, which only the owner may run
  // with inheritTime). Returns null if empty; *inherit is true for runnext.
  T* get(bool* inherit) {
    T* next = runnext_.load(std::memory_order_acquire);
    // A thief may CAS runnext to null concurrently; our CAS decides who got it.
    while (next != nullptr) {
      if (runnext_.compare_exchange_weak(next, nullptr, std::memory_order_acq_rel)) {
        *inherit = true;
        return next;
      }
    }
    *inherit = false;
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      std::uint32_t t = tail_.load(std::memory_order_relaxed);
      if (t == h) return nullptr;
      T* g = slots_[h % N].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel)) return g;
    }
  }

  // runqputbatch (owner only): appends as many of batch[0..n) as fit;
  // returns how many were appended (the caller sends the rest to the global queue).
  std::uint32_t put_batch(T* const* batch, std::uint32_t n) {
    std::uint32_t h = head_.load(std::memory_order_acquire);
    std::uint32_t t = tail_.load(std::memory_order_relaxed);
    std::uint32_t i = 0;
    for (; i < n && t - h < N; i++, t++) slots_[t % N].store(batch[i], std::memory_order_relaxed);
    tail_.store(t, std::memory_order_release);
    return i;
  }

  // runqgrab (any thread): takes ceil(n/2) Gs from the head into batch
  // (capacity N/2). If the ring is empty and steal_runnext, takes runnext
  // instead; before_runnext_steal() runs first (Go's usleep(3) when the
  // victim is running, so it can run its runnext itself).
  template <typename Backoff>
  std::uint32_t grab(T** batch, bool steal_runnext, Backoff&& before_runnext_steal) {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      std::uint32_t t = tail_.load(std::memory_order_acquire);  // pairs with the owner's release
      std::uint32_t n = t - h;
      n = n - n / 2;
      if (n == 0) {
        if (steal_runnext) {
          T* next = runnext_.load(std::memory_order_acquire);
          if (next != nullptr) {
            if (!before_runnext_steal()) return 0;
            // The victim may have consumed or replaced it meanwhile; the CAS
            // takes exactly the G we saw, or fails.
            if (!runnext_.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) continue;
            batch[0] = next;
            return 1;
          }
        }
        return 0;
      }
      if (n > N / 2) continue;  // h and t read inconsistently (h moved past t); retry
      for (std::uint32_t i = 0; i < n; i++) batch[i] = slots_[(h + i) % N].load(std::memory_order_relaxed);
      if (head_.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return n;
    }
  }

  // runqsteal (thief is the owner of *this*): moves half of victim's Gs to
  // our tail and returns the last one to run (null if nothing). *stolen gets
  // how many were taken, *victim_len the victim's ring length we saw.
  template <typename Backoff>
  T* steal_from(RunQueue& victim, bool steal_runnext, Backoff&& backoff, std::uint32_t* stolen) {
    T* batch[N / 2];
    std::uint32_t n = victim.grab(batch, steal_runnext, backoff);
    *stolen = n;
    if (n == 0) return nullptr;
    T* run = batch[n - 1];
    if (n > 1) {
      std::uint32_t put = put_batch(batch, n - 1);
      // Our ring was empty when we decided to steal (we are in findRunnable), and
      // only we append to it, so n-1 <= N/2 - 1 always fits.
      (void)put;
    }
    return run;
  }

  // Drains everything (owner, when the run ends or a P is destroyed).
  template <typename F>
  void drain(F&& f) {
    bool inherit = false;
    while (T* g = get(&inherit)) f(g);
  }

 private:
  alignas(64) std::atomic<std::uint32_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::atomic<T*> runnext_{nullptr};
  std::atomic<T*> slots_[N] = {};
};

}  // namespace gosim::runtime
