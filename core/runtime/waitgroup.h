// sync.WaitGroup (Go 1.19 sync/waitgroup.go): counter and waiter count in
// one 64-bit word, waiters parked on a semaphore.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/sema.h"

namespace gosim::runtime {

struct WaitGroup {
  std::atomic<std::uint64_t> state{0};  // high 32: counter, low 32: waiters
  Sema sema;
  std::int32_t id = -1;
};

void wg_add(WaitGroup* wg, std::int64_t delta);
void wg_wait(WaitGroup* wg);

}  // namespace gosim::runtime
