// The store-buffering litmus behind wakep's barrier (sched.cpp wakep, Go's
// "Worker thread parking/unparking" in proc.go). A submitter publishes work
// (runqput's release store of the tail), then reads nmspinning; a spinning M
// that gives up decrements nmspinning, then rechecks the run queues. If the
// submitter's load passes its own store (x86 store buffer), it sees the
// spinner still spinning and wakes nobody, while the spinner sees no work:
// a lost wake-up. Same memory orders as the runtime; storeload_barrier() is
// the one wakep() runs.
#include <doctest/doctest.h>

#include <sched.h>

#include <atomic>
#include <thread>

#include "runtime/lock.h"

#if !defined(GOSIM_TSAN)  // TSan does not model store buffering (and its atomics are slow)

namespace grt = gosim::runtime;

namespace {

// Returns how many of n rounds lost the wake-up.
long sb_rounds(long n, bool barrier) {
  std::atomic<std::uint32_t> tail{0};        // the P's runq tail
  std::atomic<std::int32_t> nmspinning{1};
  std::atomic<long> go{0}, done{0};
  int seen_spinning = 0, seen_work = 0;
  auto wait_for = [](std::atomic<long>& a, long v) {
    for (int k = 0; a.load(std::memory_order_acquire) != v; k++) {
      grt::cpu_relax();
      if (k > 200) ::sched_yield();  // 2 shared cores: let the other side run
    }
  };
  std::thread spinner([&] {
    for (long i = 1; i <= n; i++) {
      wait_for(go, i);
      nmspinning.fetch_sub(1, std::memory_order_seq_cst);  // findRunnable's give-up
      seen_work = tail.load(std::memory_order_acquire) != 0;  // the runq recheck
      done.store(i, std::memory_order_release);
    }
  });
  long lost = 0;
  for (long i = 1; i <= n; i++) {
    tail.store(0, std::memory_order_relaxed);
    nmspinning.store(1, std::memory_order_relaxed);
    go.store(i, std::memory_order_seq_cst);
    tail.store(1, std::memory_order_release);  // runqput
    if (barrier) grt::storeload_barrier();     // wakep
    seen_spinning = nmspinning.load(std::memory_order_acquire) != 0;
    wait_for(done, i);
    if (seen_spinning && !seen_work) lost++;
  }
  spinner.join();
  return lost;
}

}  // namespace

TEST_CASE("wakep: the StoreLoad barrier keeps a submitter and a spinning M from both missing the work") {
  const long n = 200'000;
  long without = sb_rounds(n, false);
  long with = sb_rounds(n, true);
  MESSAGE("lost wake-ups in " << n << " rounds: " << without << " without the barrier, " << with << " with it");
  CHECK(with == 0);
}
#endif
