// Semaphores (Go: sema.go). See sema.h.
#include "runtime/sema.h"

#include "runtime/sched.h"

namespace gosim::runtime {
namespace {

bool cansemacquire(Sema* s) {
  std::uint32_t v = s->count.load(std::memory_order_acquire);
  while (v != 0) {
    if (s->count.compare_exchange_weak(v, v - 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

bool unlock_sema(G*, void* arg) {
  static_cast<Sema*>(arg)->lock.unlock();
  return true;
}

}  // namespace

void semacquire(Sema* s, bool lifo, trace::BlockReason reason, trace::Why why, std::int64_t object) {
  if (cansemacquire(s)) return;
  SemaWaiter w;
  for (;;) {
    s->lock.lock();
    // Announce we are waiting before the re-check, so semrelease sees us.
    s->nwait.fetch_add(1, std::memory_order_acq_rel);
    if (cansemacquire(s)) {
      s->nwait.fetch_sub(1, std::memory_order_acq_rel);
      s->lock.unlock();
      return;
    }
    w = SemaWaiter{};
    w.g = getm()->curg;
    if (lifo && s->head) {
      w.next = s->head;
      s->head->prev = &w;
      s->head = &w;
    } else {
      w.prev = s->tail;
      if (s->tail) s->tail->next = &w;
      else s->head = &w;
      s->tail = &w;
    }
    gopark(unlock_sema, s, reason, why, object);
    if (w.ticket != 0 || cansemacquire(s)) return;
  }
}

void semrelease(Sema* s, bool handoff, trace::Why why) {
  s->count.fetch_add(1, std::memory_order_acq_rel);
  if (s->nwait.load(std::memory_order_acquire) == 0) return;  // easy case: no waiters
  s->lock.lock();
  if (s->nwait.load(std::memory_order_acquire) == 0) {
    s->lock.unlock();
    return;
  }
  SemaWaiter* w = s->head;
  if (w) {
    s->head = w->next;
    if (s->head) s->head->prev = nullptr;
    else s->tail = nullptr;
    w->next = w->prev = nullptr;
    s->nwait.fetch_sub(1, std::memory_order_acq_rel);
  }
  s->lock.unlock();
  if (!w) return;
  G* gp = w->g;
  if (handoff && cansemacquire(s)) w->ticket = 1;
  bool handed = w->ticket == 1;  // read before goready: w lives on gp's stack
  goready(gp, why, true);
  if (handed && handoff) goyield();  // let the waiter run now on this P
}

}  // namespace gosim::runtime
