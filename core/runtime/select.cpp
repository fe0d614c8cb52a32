// select (Go: select.go selectgo): a random poll order, channel locks taken
// in address order, the first ready case in poll order wins; otherwise a
// Sudog on every channel and one park; the waker that wins the CAS on
// g->selectDone (WaitQ::dequeue) picks the case.
#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/chan.h"
#include "runtime/sched.h"

namespace gosim::runtime {

using trace::Why;

namespace {

struct LockSet {
  Chan** chans;
  int n;
  void lock() const {
    for (int i = 0; i < n; i++) chans[i]->lock.lock();
  }
  void unlock() const {
    for (int i = n - 1; i >= 0; i--) chans[i]->lock.unlock();
  }
};

bool selparkcommit(G*, void* arg) {
  static_cast<LockSet*>(arg)->unlock();
  return true;
}

void ready(Sudog* sg, Why why) {
  sg->g->param = sg;
  goready(sg->g, why, true);
}

}  // namespace

int selectgo(SelectCase* cases, int n, bool block, bool* recv_ok) {
  *recv_ok = false;
  if (n == 0) {
    if (!block) return -1;
    // select {}: park forever.
    gopark(nullptr, nullptr, trace::BlockReason::SelectNoCases, Why::BlockSelect, -1, -1, true);
    return -1;
  }
  M* m = getm();
  // pollorder: a random permutation (fastrandn), lockorder: by address.
  constexpr int kSmall = 16;
  int order_small[kSmall];
  Chan* locks_small[kSmall];
  Sudog sg_small[kSmall];
  std::vector<int> order_big;
  std::vector<Chan*> locks_big;
  std::vector<Sudog> sg_big;
  int* order = order_small;
  Chan** locks = locks_small;
  Sudog* sgs = sg_small;
  if (n > kSmall) {
    order_big.resize(static_cast<std::size_t>(n));
    locks_big.resize(static_cast<std::size_t>(n));
    sg_big.resize(static_cast<std::size_t>(n));
    order = order_big.data();
    locks = locks_big.data();
    sgs = sg_big.data();
  }
  for (int i = 0; i < n; i++) {
    int j = static_cast<int>(m->fastrand.below(static_cast<std::uint64_t>(i) + 1));
    order[i] = order[j];
    order[j] = i;
  }
  int nl = 0;
  for (int i = 0; i < n; i++) locks[nl++] = cases[i].c;
  std::sort(locks, locks + nl);
  nl = static_cast<int>(std::unique(locks, locks + nl) - locks);
  LockSet ls{locks, nl};
  ls.lock();

  // Pass 1: a case that can proceed now.
  for (int k = 0; k < n; k++) {
    int i = order[k];
    SelectCase& cs = cases[i];
    Chan* c = cs.c;
    if (cs.is_send) {
      if (c->closed) {
        ls.unlock();
        gopanic("panic: send on closed channel");
      }
      if (Sudog* sg = c->recvq.dequeue()) {
        if (c->elemsize && sg->elem && cs.elem) std::memcpy(sg->elem, cs.elem, c->elemsize);
        sg->success = true;
        ls.unlock();
        ready(sg, Why::WakeChanSend);
        return i;
      }
      if (c->qcount < c->dataqsiz) {
        if (c->elemsize && cs.elem) std::memcpy(c->buf.get() + c->sendx * c->elemsize, cs.elem, c->elemsize);
        if (++c->sendx == c->dataqsiz) c->sendx = 0;
        c->qcount++;
        ls.unlock();
        return i;
      }
    } else {
      if (Sudog* sg = c->sendq.dequeue()) {
        if (c->dataqsiz == 0) {
          if (c->elemsize && sg->elem && cs.elem) std::memcpy(cs.elem, sg->elem, c->elemsize);
        } else {
          unsigned char* slot = c->buf.get() + c->recvx * c->elemsize;
          if (c->elemsize && cs.elem) std::memcpy(cs.elem, slot, c->elemsize);
          if (c->elemsize && sg->elem) std::memcpy(slot, sg->elem, c->elemsize);
          if (++c->recvx == c->dataqsiz) c->recvx = 0;
          c->sendx = c->recvx;
        }
        sg->success = true;
        ls.unlock();
        ready(sg, Why::WakeChanRecv);
        *recv_ok = true;
        return i;
      }
      if (c->qcount > 0) {
        if (c->elemsize && cs.elem) std::memcpy(cs.elem, c->buf.get() + c->recvx * c->elemsize, c->elemsize);
        if (++c->recvx == c->dataqsiz) c->recvx = 0;
        c->qcount--;
        ls.unlock();
        *recv_ok = true;
        return i;
      }
      if (c->closed) {
        ls.unlock();
        if (c->elemsize && cs.elem) std::memset(cs.elem, 0, c->elemsize);
        *recv_ok = false;
        return i;
      }
    }
  }
  if (!block) {
    ls.unlock();
    return -1;
  }

  // Pass 2: wait on every channel.
  G* gp = m->curg;
  gp->param = nullptr;
  gp->selectDone.store(0, std::memory_order_relaxed);
  for (int i = 0; i < n; i++) {
    Sudog& sg = sgs[i];
    sg = Sudog{};
    sg.g = gp;
    sg.elem = cases[i].elem;
    sg.c = cases[i].c;
    sg.is_select = true;
    sg.arm = i;
    (cases[i].is_send ? cases[i].c->sendq : cases[i].c->recvq).enqueue(&sg);
  }
  gopark(selparkcommit, &ls, trace::BlockReason::Select, Why::BlockSelect, -1);

  // Woken: gp->param is the winning Sudog; dequeue the others.
  gp = getm()->curg;
  auto* won = static_cast<Sudog*>(gp->param);
  ls.lock();
  for (int i = 0; i < n; i++) {
    if (&sgs[i] == won) continue;
    (cases[i].is_send ? cases[i].c->sendq : cases[i].c->recvq).remove(&sgs[i]);
  }
  ls.unlock();
  gp->param = nullptr;
  int i = won->arm;
  if (cases[i].is_send) {
    if (!won->success) gopanic("panic: send on closed channel");
  } else {
    *recv_ok = won->success;
  }
  return i;
}

}  // namespace gosim::runtime
