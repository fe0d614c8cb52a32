// Semaphores (Go: sema.go). See sema.h.
#include "runtime/sema.h"

#include <cstddef>

#include "runtime/lock.h"
#include "runtime/sched.h"

namespace gosim::runtime {
namespace {

// Go's semaRoot: one lock, a waiter count for the fast path, and the waiters
// of every semaphore that hashes here. Go keeps a treap of addresses; a
// scenario has a handful of mutexes and wait groups, so one list in arrival
// order (searched by address) has the same FIFO/LIFO behaviour per semaphore.
struct alignas(64) SemaRoot {
  Lock lock;
  std::atomic<std::uint32_t> nwait{0};
  SemaWaiter* head = nullptr;
};

constexpr std::size_t kSemTabSize = 251;  // Go's semTabSize
SemaRoot semtable[kSemTabSize];

SemaRoot* semroot(const Sema* s) {
  return &semtable[(reinterpret_cast<std::uintptr_t>(s) >> 3) % kSemTabSize];
}

bool cansemacquire(Sema* s) {
  // seq_cst: with semrelease's count/nwait pair below, a Dekker hand-shake
  // (store one, load the other on each side; Go's atomics are all seq_cst).
  std::uint32_t v = s->count.load(std::memory_order_seq_cst);
  while (v != 0) {
    if (s->count.compare_exchange_weak(v, v - 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

// semaRoot.queue: FIFO goes after the last waiter; LIFO before the first
// waiter on the same semaphore.
void queue(SemaRoot* root, SemaWaiter* w, bool lifo) {
  SemaWaiter** link = &root->head;
  if (lifo) {
    while (*link && (*link)->sema != w->sema) link = &(*link)->next;
  } else {
    while (*link) link = &(*link)->next;
  }
  w->next = *link;
  *link = w;
}

// semaRoot.dequeue: the first waiter on s, or null.
SemaWaiter* dequeue(SemaRoot* root, const Sema* s) {
  for (SemaWaiter** link = &root->head; *link; link = &(*link)->next) {
    SemaWaiter* w = *link;
    if (w->sema == s) {
      *link = w->next;
      w->next = nullptr;
      return w;
    }
  }
  return nullptr;
}

bool unlock_root(G*, void* arg) {
  static_cast<SemaRoot*>(arg)->lock.unlock();
  return true;
}

}  // namespace

void semacquire(Sema* s, bool lifo, trace::BlockReason reason, trace::Why why, std::int64_t object) {
  if (cansemacquire(s)) return;
  SemaRoot* root = semroot(s);
  SemaWaiter w;
  for (;;) {
    root->lock.lock();
    // Announce we are waiting before the re-check, so semrelease sees us.
    root->nwait.fetch_add(1, std::memory_order_seq_cst);
    if (cansemacquire(s)) {
      root->nwait.fetch_sub(1, std::memory_order_acq_rel);
      root->lock.unlock();
      return;
    }
    w = SemaWaiter{};
    w.sema = s;
    w.g = getm()->curg;
    queue(root, &w, lifo);
    gopark(unlock_root, root, reason, why, object);
    if (w.ticket != 0 || cansemacquire(s)) return;
  }
}

void semrelease(Sema* s, bool handoff, trace::Why why) {
  SemaRoot* root = semroot(s);
  s->count.fetch_add(1, std::memory_order_seq_cst);
  // From here on s may already be freed by a waiter that took the count
  // without parking: touch it again only with a parked waiter in hand.
  if (root->nwait.load(std::memory_order_seq_cst) == 0) return;  // easy case: no waiters
  root->lock.lock();
  if (root->nwait.load(std::memory_order_acquire) == 0) {
    root->lock.unlock();
    return;
  }
  SemaWaiter* w = dequeue(root, s);
  if (w) root->nwait.fetch_sub(1, std::memory_order_acq_rel);
  root->lock.unlock();
  if (!w) return;
  G* gp = w->g;
  if (handoff && cansemacquire(s)) w->ticket = 1;
  bool handed = w->ticket == 1;  // read before goready: w lives on gp's stack
  goready(gp, why, true);
  if (handed && handoff) goyield();  // let the waiter run now on this P
}

}  // namespace gosim::runtime
