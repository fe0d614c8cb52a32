// sync.Mutex with Go 1.19's normal and starvation modes (sync/mutex.go).
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/sema.h"

namespace gosim::runtime {

struct Mutex {
  std::atomic<std::int32_t> state{0};
  Sema sema;
  std::int32_t id = -1;  // scenario index (trace GoBlock.a0)
};

void mutex_lock(Mutex* m);
void mutex_unlock(Mutex* m);
bool mutex_trylock(Mutex* m);

}  // namespace gosim::runtime
