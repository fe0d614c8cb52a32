// Semaphores for sync primitives (Go: sema.go semacquire1/semrelease1).
// One Sema per mutex or wait group (Go hashes addresses into 251 buckets of
// treaps; a direct queue per object has the same FIFO/LIFO behaviour).
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/g.h"
#include "runtime/lock.h"
#include "trace/event.h"

namespace gosim::runtime {

struct SemaWaiter {
  G* g = nullptr;
  SemaWaiter* next = nullptr;
  SemaWaiter* prev = nullptr;
  std::uint32_t ticket = 0;  // 1: the releaser handed us the count directly
};

struct Sema {
  Lock lock;
  std::atomic<std::uint32_t> count{0};
  std::atomic<std::uint32_t> nwait{0};
  SemaWaiter* head = nullptr;
  SemaWaiter* tail = nullptr;
};

// semacquire1: lifo queues at the head (a woken mutex waiter that lost the race).
void semacquire(Sema* s, bool lifo, trace::BlockReason reason, trace::Why why, std::int64_t object);
// semrelease1: with handoff, the count goes straight to the first waiter, who
// runs next on this P (the releaser yields to the local queue).
void semrelease(Sema* s, bool handoff, trace::Why why);

}  // namespace gosim::runtime
