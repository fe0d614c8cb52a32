// Semaphores for sync primitives (Go: sema.go semacquire1/semrelease1).
//
// As in Go, a Sema in an object is only its count; waiters queue in a global
// table of 251 roots hashed by the semaphore's address (Go's semtable). That
// is what makes it safe to free the object as soon as Wait or Lock returns:
// after semrelease adds to the count it touches only its root, never the
// object again, unless it dequeued a waiter that is still parked on it (and
// so still keeps the object alive). A semaphore in the object itself would be
// read by the releaser after the waiter had already taken the count and freed
// it (Go can rely on its GC for that; we cannot).
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/g.h"
#include "trace/event.h"

namespace gosim::runtime {

struct Sema {
  std::atomic<std::uint32_t> count{0};
};

// One parked waiter; lives on the waiting G's stack (Go's sudog).
struct SemaWaiter {
  const Sema* sema = nullptr;
  G* g = nullptr;
  SemaWaiter* next = nullptr;
  std::uint32_t ticket = 0;  // 1: the releaser handed us the count directly
};

// semacquire1: lifo queues ahead of the other waiters on the same semaphore
// (a woken mutex waiter that lost the race).
void semacquire(Sema* s, bool lifo, trace::BlockReason reason, trace::Why why, std::int64_t object);
// semrelease1: with handoff, the count goes straight to the first waiter, who
// runs next on this P (the releaser yields to the local queue).
void semrelease(Sema* s, bool handoff, trace::Why why);

}  // namespace gosim::runtime
