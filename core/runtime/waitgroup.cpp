// sync.WaitGroup (Go 1.19 sync/waitgroup.go Add/Wait).
#include "runtime/waitgroup.h"

#include "runtime/sched.h"

namespace gosim::runtime {

void wg_add(WaitGroup* wg, std::int64_t delta) {
  std::uint64_t st = wg->state.fetch_add(static_cast<std::uint64_t>(delta) << 32, std::memory_order_acq_rel) +
                     (static_cast<std::uint64_t>(delta) << 32);
  auto v = static_cast<std::int32_t>(st >> 32);
  auto w = static_cast<std::uint32_t>(st);
  if (v < 0) gopanic("panic: sync: negative WaitGroup counter");
  if (w != 0 && delta > 0 && v == static_cast<std::int32_t>(delta))
    gopanic("panic: sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || w == 0) return;
  // Counter is 0 and there are waiters: nobody may change the state now.
  if (wg->state.load(std::memory_order_acquire) != st)
    gopanic("panic: sync: WaitGroup misuse: Add called concurrently with Wait");
  wg->state.store(0, std::memory_order_release);
  for (; w != 0; w--) semrelease(&wg->sema, false, trace::Why::WakeWaitGroup);
}

void wg_wait(WaitGroup* wg) {
  std::uint64_t st = wg->state.load(std::memory_order_acquire);
  for (;;) {
    if ((st >> 32) == 0) return;
    if (wg->state.compare_exchange_weak(st, st + 1, std::memory_order_acq_rel)) {
      semacquire(&wg->sema, false, trace::BlockReason::WaitGroup, trace::Why::BlockWaitGroup, wg->id);
      return;
    }
  }
}

}  // namespace gosim::runtime
