// Channels (Go: chan.go chansend/send/chanrecv/recv/closechan).
//
// Every operation runs under the channel's lock. A blocked G enqueues a
// Sudog (on its own stack) and parks with an unlock function that releases
// the channel lock on g0 after the switch (invariant 2 in sched.cpp), so the
// partner that finds the Sudog can copy into/out of the parked G's stack and
// goready it. Readied partners go into the readier's runnext, as in Go.
#include "runtime/chan.h"

#include <cstring>

#include "runtime/sched.h"

namespace gosim::runtime {

using trace::Why;

void WaitQ::enqueue(Sudog* s) {
  s->next = nullptr;
  s->prev = last;
  if (last) last->next = s;
  else first = s;
  last = s;
}

void WaitQ::remove(Sudog* s) {
  if (s->prev) s->prev->next = s->next;
  else if (first == s) first = s->next;
  else return;  // not queued
  if (s->next) s->next->prev = s->prev;
  else last = s->prev;
  s->next = s->prev = nullptr;
}

Sudog* WaitQ::dequeue() {
  for (;;) {
    Sudog* s = first;
    if (!s) return nullptr;
    first = s->next;
    if (first) first->prev = nullptr;
    else last = nullptr;
    s->next = s->prev = nullptr;
    // A select G is woken by exactly one case: the one that wins this CAS.
    if (s->is_select) {
      std::uint32_t zero = 0;
      if (!s->g->selectDone.compare_exchange_strong(zero, 1, std::memory_order_acq_rel)) continue;
    }
    return s;
  }
}

Chan::Chan(std::size_t es, std::size_t cap, std::int32_t i) : elemsize(es), dataqsiz(cap), id(i) {
  if (cap > 0 && es > 0) buf.reset(new unsigned char[cap * es]());
}

namespace {

unsigned char* chanbuf(Chan* c, std::size_t i) { return c->buf.get() + i * c->elemsize; }

bool unlock_chan(G*, void* arg) {
  static_cast<Chan*>(arg)->lock.unlock();
  return true;
}

void copy_elem(Chan* c, void* dst, const void* src) {
  if (c->elemsize && dst && src) std::memcpy(dst, src, c->elemsize);
}

void ready_partner(Sudog* sg, Why why) {
  G* gp = sg->g;
  gp->param = sg;
  goready(gp, why, true);
}

}  // namespace

bool chansend(Chan* c, const void* ep, bool block) {
  c->lock.lock();
  if (c->closed) {
    c->lock.unlock();
    gopanic("panic: send on closed channel");
  }
  if (Sudog* sg = c->recvq.dequeue()) {
    // send: straight into the receiver's stack.
    copy_elem(c, sg->elem, ep);
    sg->success = true;
    c->lock.unlock();
    ready_partner(sg, Why::WakeChanSend);
    return true;
  }
  if (c->qcount < c->dataqsiz) {
    copy_elem(c, chanbuf(c, c->sendx), ep);
    if (++c->sendx == c->dataqsiz) c->sendx = 0;
    c->qcount++;
    c->lock.unlock();
    return true;
  }
  if (!block) {
    c->lock.unlock();
    return false;
  }
  G* gp = getm()->curg;
  Sudog sg;
  sg.g = gp;
  sg.elem = const_cast<void*>(ep);
  sg.c = c;
  gp->param = nullptr;
  c->sendq.enqueue(&sg);
  gopark(unlock_chan, c, trace::BlockReason::ChanSend, Why::BlockChanSend, c->id);
  if (!sg.success) gopanic("panic: send on closed channel");
  return true;
}

bool chanrecv(Chan* c, void* ep, bool block, bool* received) {
  c->lock.lock();
  if (c->closed && c->qcount == 0) {
    c->lock.unlock();
    if (ep && c->elemsize) std::memset(ep, 0, c->elemsize);
    *received = false;
    return true;
  }
  if (Sudog* sg = c->sendq.dequeue()) {
    // recv: unbuffered -> from the sender; full buffer -> head to us, the
    // sender's value into the freed tail slot.
    if (c->dataqsiz == 0) {
      copy_elem(c, ep, sg->elem);
    } else {
      copy_elem(c, ep, chanbuf(c, c->recvx));
      copy_elem(c, chanbuf(c, c->recvx), sg->elem);
      if (++c->recvx == c->dataqsiz) c->recvx = 0;
      c->sendx = c->recvx;
    }
    sg->success = true;
    c->lock.unlock();
    ready_partner(sg, Why::WakeChanRecv);
    *received = true;
    return true;
  }
  if (c->qcount > 0) {
    copy_elem(c, ep, chanbuf(c, c->recvx));
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->qcount--;
    c->lock.unlock();
    *received = true;
    return true;
  }
  if (!block) {
    c->lock.unlock();
    return false;
  }
  G* gp = getm()->curg;
  Sudog sg;
  sg.g = gp;
  sg.elem = ep;
  sg.c = c;
  gp->param = nullptr;
  c->recvq.enqueue(&sg);
  gopark(unlock_chan, c, trace::BlockReason::ChanRecv, Why::BlockChanRecv, c->id);
  *received = sg.success;
  if (!sg.success && ep && c->elemsize) std::memset(ep, 0, c->elemsize);
  return true;
}

void closechan(Chan* c) {
  c->lock.lock();
  if (c->closed) {
    c->lock.unlock();
    gopanic("panic: close of closed channel");
  }
  c->closed = true;
  // Go's closechan: every waiter's G on a list linked through G::schedlink
  // (free while it waits), readied after the unlock. Walking the dense Gs,
  // not the Sudogs on the waiters' stacks (a page each), keeps the walk over
  // the stacks to one pass. The order differs from Go's on purpose: Go
  // pushes on a gList (LIFO), readying the last sender first ... the first
  // receiver last; here receivers then senders are readied FIFO, so the
  // waiters resume in the order they parked. Go's order (schedlink pushes,
  // same single pass) made the release of 1M parked goroutines 13-29 %
  // slower cold (medians of 5-6 alternating A/B pairs: 1153 -> 1489 and
  // 954 -> 1078 ns per goroutine): the stacks are then resumed in reverse.
  G* head = nullptr;
  G** tail = &head;
  auto collect = [&](Sudog* sg) {
    sg->success = false;
    G* gp = sg->g;
    gp->param = sg;
    gp->schedlink = nullptr;
    *tail = gp;
    tail = &gp->schedlink;
  };
  while (Sudog* sg = c->recvq.dequeue()) {
    if (sg->elem && c->elemsize) std::memset(sg->elem, 0, c->elemsize);
    collect(sg);
  }
  while (Sudog* sg = c->sendq.dequeue()) collect(sg);
  c->lock.unlock();
  while (head) {
    G* gp = head;
    head = gp->schedlink;
    gp->schedlink = nullptr;
    goready(gp, Why::WakeChanClose, true);
  }
}

}  // namespace gosim::runtime
