// The public C++ API (api.h) over the runtime.
#include "runtime/api.h"

#include <unistd.h>

#include <atomic>

#include <thread>

#include "runtime/chan.h"
#include "runtime/compute.h"
#include "runtime/mutex.h"
#include "runtime/netpoll.h"
#include "runtime/sched.h"
#include "runtime/timers.h"
#include "runtime/waitgroup.h"

namespace gosim::rt {

using namespace gosim::runtime;

namespace {

void require_goroutine(const char* what) {
  M* m = runtime::sched ? getm() : nullptr;
  if (!m || !m->curg) {
    std::fprintf(stderr, "gosim::rt::%s: must be called from a goroutine (inside rt::run)\n", what);
    std::abort();
  }
}

// A goroutine's closure as the G holds it (G::closure): the ops, then the
// callable itself (or, for big ones, a pointer to its heap copy).
struct ClosureSlot {
  const detail::ClosureOps* ops;
  bool heap_slot;  // the slot itself is on the heap (the main goroutine's)
  alignas(16) unsigned char obj[detail::kClosureInlineBytes];
};
static_assert(sizeof(ClosureSlot) <= G::kClosureBytes && alignof(ClosureSlot) <= alignof(G));

void drop_closure(void* p) {
  auto* c = static_cast<ClosureSlot*>(p);
  c->ops->destroy(c->obj);
  if (c->heap_slot) delete c;
}

void run_function(G* gp) {
  // Owned by this frame from the start: destroyed on return and when the G is
  // unwound at the run's end (GoroutineUnwind); gp->arg is dropped by the
  // runtime only for a G that never started.
  struct Owner {
    ClosureSlot* c;
    ~Owner() { drop_closure(c); }
  } owner{static_cast<ClosureSlot*>(gp->arg)};
  gp->arg = nullptr;
  owner.c->ops->call(owner.c->obj);
}

// newproc's init hook: moves the closure into the new G before it is published.
struct GoCtx {
  const detail::ClosureOps* ops;
  void* obj;
};
void init_closure(G* gp, void* ctx) {
  auto* g = static_cast<GoCtx*>(ctx);
  auto* c = ::new (static_cast<void*>(gp->closure)) ClosureSlot;
  c->ops = g->ops;
  c->heap_slot = false;
  g->ops->relocate(c->obj, g->obj);
  gp->arg = c;
}

}  // namespace

Result run(std::function<void()> main, Options o) {
  RunOptions ro;
  ro.config.gomaxprocs = o.procs > 0 ? o.procs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ro.config.limits.max_wall_time = o.max_wall_time.count();
  ro.config.limits.max_goroutines = o.max_goroutines;
  ro.tracing = false;
  ro.stack_size = o.stack_size;
  auto s = std::make_unique<Sched>(ro);
  s->drop_arg = drop_closure;
  using MainFn = std::function<void()>;
  static_assert(detail::closure_fits<MainFn>);
  auto* c = new ClosureSlot;
  c->ops = &detail::inline_ops<MainFn>;
  c->heap_slot = true;
  ::new (static_cast<void*>(c->obj)) MainFn(std::move(main));
  trace::RunOutcome out = run_main(*s, run_function, c, -1, 0);
  Result r;
  r.threads_created = s->mcreated;
  switch (out.status) {
    case trace::RunOutcome::Status::Ok: r.status = Result::Status::Ok; break;
    case trace::RunOutcome::Status::Deadlock: r.status = Result::Status::Deadlock; break;
    case trace::RunOutcome::Status::LimitExceeded: r.status = Result::Status::LimitExceeded; break;
    case trace::RunOutcome::Status::Error: r.status = Result::Status::Error; break;
  }
  r.message = out.message;
  runtime::sched = nullptr;
  return r;
}

bool detail::go_closure(const ClosureOps* ops, void* obj) {
  require_goroutine("go");
  GoCtx ctx{ops, obj};
  return newproc(run_function, nullptr, -1, 0, init_closure, &ctx) != nullptr;
}

void yield() {
  require_goroutine("yield");
  gosched();
}

void sleep(std::chrono::nanoseconds d) {
  require_goroutine("sleep");
  time_sleep(d.count());
}

void blocking(const std::function<void()>& fn) {
  require_goroutine("blocking");
  entersyscall(-1);
  fn();
  exitsyscall();
}

void syscall_sleep(std::chrono::nanoseconds d) {
  require_goroutine("syscall_sleep");
  entersyscall(d.count());
  blocking_syscall_sleep(d.count());
  exitsyscall();
}

void checkpoint() {
  require_goroutine("checkpoint");
  check_preempt();
}

void compute(std::chrono::nanoseconds d) {
  require_goroutine("compute");
  runtime::compute(d.count());
}

std::int64_t num_goroutine() { return runtime::sched ? runtime::sched->ngoroutines.load() : 0; }
std::int64_t num_threads() {
  if (!runtime::sched) return 0;
  LockGuard l(runtime::sched->lock);
  return runtime::sched->mcount;
}
std::int64_t goid() {
  require_goroutine("goid");
  return getm()->curg->goid;
}

namespace detail {

// A runtime object with its entry in the unwinder's registry (sched.h).
//
// Channels with no or a small buffer keep it inline, and their boxes are recycled
// through a per-thread cache without leaving the registry (like Go's per-P
// mcache, which makes `make(chan T, n)` a local allocation): a channel's
// make and its end then cost no malloc/free and no registry lock, whose
// global list is shared by every thread (a short-lived channel per goroutine
// is the fan-out pattern). A cached box has no waiters, which is all the
// unwinder looks for in the registry.
struct ChanBox {
  static constexpr std::size_t kInlineBuf = 64;  // bytes of buffer kept inline
  ChanBox(std::size_t elemsize, std::size_t cap) : c(elemsize, small(elemsize, cap) ? 0 : cap, -1) {
    if (small(elemsize, cap)) use_inline(cap);
  }
  ~ChanBox() {
    if (inline_buf) (void)c.buf.release();  // not from new[]
  }
  static bool small(std::size_t elemsize, std::size_t cap) {
    return cap <= kInlineBuf && elemsize <= kInlineBuf && cap * elemsize <= kInlineBuf;
  }
  // The Chan's buffer is ours: make(chan T, cap) with Chan's own constructor
  // (no buffer), then the capacity and the inline buffer.
  void use_inline(std::size_t cap) {
    c.dataqsiz = cap;
    c.buf.reset(buf);
    inline_buf = true;
  }
  runtime::Chan c;
  WaitNode node;
  bool inline_buf = false;
  ChanBox* next_free = nullptr;  // ChanCache
  alignas(16) unsigned char buf[kInlineBuf] = {};
};

// The calling thread's recycled boxes (any goroutine on this M; chan_new and
// chan_free never switch, so the thread cannot change under them). Boxes
// made on one thread often end on another (a stolen goroutine): beyond kMax,
// half of them move to a central list in one batch, where an empty cache
// takes a batch from (Go's mcache and mcentral). Freed with the thread (an M
// at the run's end; the caller's thread at exit), the central ones never
// (still registered, they stay reachable).
struct ChanBoxList {
  ChanBox* head = nullptr;
  int n = 0;
  void push(ChanBox* b) {
    b->next_free = head;
    head = b;
    n++;
  }
  ChanBox* pop() {
    ChanBox* b = head;
    if (b != nullptr) {
      head = b->next_free;
      b->next_free = nullptr;
      n--;
    }
    return b;
  }
};
struct ChanCentral {
  Lock lock;
  ChanBoxList list;
  std::atomic<int> n{0};  // list.n, for a peek without the lock
};
ChanCentral& chan_central() {
  static ChanCentral* c = new ChanCentral;  // never destroyed: used until exit
  return *c;
}
struct ChanCache {
  static constexpr int kMax = 128, kBatch = kMax / 2, kCentralMax = 16384;
  ChanBoxList list;
  ~ChanCache() {
    while (ChanBox* b = list.pop())
      wait_object_retire(&b->node, false, [](void* p) { delete static_cast<ChanBox*>(p); }, b);
  }
  ChanBox* get() {
    if (list.head == nullptr) {
      ChanCentral& c = chan_central();
      if (c.n.load(std::memory_order_relaxed) == 0) return nullptr;  // a hint: the lock decides
      LockGuard l(c.lock);
      for (int i = 0; i < kBatch; i++) {
        ChanBox* b = c.list.pop();
        if (b == nullptr) break;
        list.push(b);
      }
      c.n.store(c.list.n, std::memory_order_relaxed);
    }
    return list.pop();
  }
  void put(ChanBox* b) {
    list.push(b);
    if (list.n < kMax) return;
    ChanCentral& c = chan_central();
    {
      LockGuard l(c.lock);
      if (c.list.n < kCentralMax) {
        for (int i = 0; i < kBatch; i++) c.list.push(list.pop());
        c.n.store(c.list.n, std::memory_order_relaxed);
        return;
      }
    }
    for (int i = 0; i < kBatch; i++) {  // enough spare boxes: really free these
      ChanBox* b = list.pop();
      wait_object_retire(&b->node, false, [](void* p) { delete static_cast<ChanBox*>(p); }, b);
    }
  }
};
thread_local ChanCache chan_cache;

struct MutexBox {
  runtime::Mutex m;
  WaitNode node;
};
struct WaitGroupBox {
  runtime::WaitGroup wg;
  WaitNode node;
};

runtime::Chan* chan_new(std::size_t elemsize, std::size_t cap, ChanBox** box) {
  if (ChanBox* b = ChanBox::small(elemsize, cap) ? chan_cache.get() : nullptr) {
    // A fresh Chan in the same place, still registered (node.obj == &b->c).
    (void)b->c.buf.release();
    b->c.~Chan();
    ::new (static_cast<void*>(&b->c)) runtime::Chan(elemsize, 0, -1);
    b->use_inline(cap);
    *box = b;
    return &b->c;
  }
  auto* b = new ChanBox(elemsize, cap);
  wait_object_add(&b->node, &b->c);  // for the unwinder (sched.h)
  *box = b;
  return &b->c;
}
void chan_free(ChanBox* b) {
  bool waiters = false;
  {
    LockGuard l(b->c.lock);
    waiters = b->c.recvq.first != nullptr || b->c.sendq.first != nullptr;
  }
  if (!waiters && b->inline_buf) {
    chan_cache.put(b);
    return;
  }
  // With Gs still parked on it (main returned, say), it lives until the run's
  // end, as Go's GC would keep it: they may still touch it.
  wait_object_retire(&b->node, waiters, [](void* p) { delete static_cast<ChanBox*>(p); }, b);
}
void chan_send(runtime::Chan* c, const void* v) {
  require_goroutine("Chan::send");
  chansend(c, v, true);
}
bool chan_try_send(runtime::Chan* c, const void* v) {
  require_goroutine("Chan::try_send");
  return chansend(c, v, false);
}
bool chan_recv(runtime::Chan* c, void* v) {
  require_goroutine("Chan::recv");
  bool ok = false;
  chanrecv(c, v, true, &ok);
  return ok;
}
int chan_try_recv(runtime::Chan* c, void* v) {
  require_goroutine("Chan::try_recv");
  bool ok = false;
  if (!chanrecv(c, v, false, &ok)) return -1;
  return ok ? 1 : 0;
}
void chan_close(runtime::Chan* c) {
  require_goroutine("Chan::close");
  closechan(c);
}
std::size_t chan_len(runtime::Chan* c) {
  LockGuard l(c->lock);
  return c->qcount;
}
int select(RawCase* cases, int n, bool has_default, bool* recv_ok) {
  require_goroutine("select");
  runtime::SelectCase cs[64];
  std::unique_ptr<runtime::SelectCase[]> big;
  runtime::SelectCase* p = cs;
  if (n > 64) {
    big.reset(new runtime::SelectCase[static_cast<std::size_t>(n)]);
    p = big.get();
  }
  for (int i = 0; i < n; i++) p[i] = {cases[i].c, cases[i].is_send, cases[i].elem};
  return selectgo(p, n, !has_default, recv_ok);
}

}  // namespace detail

Mutex::Mutex() : box_(new detail::MutexBox), m_(&box_->m) { wait_object_add(&box_->node, &m_->sema); }
Mutex::~Mutex() {
  bool waiters = (m_->state.load(std::memory_order_acquire) >> 3) != 0;  // mutexWaiterShift
  wait_object_retire(&box_->node, waiters, [](void* p) { delete static_cast<detail::MutexBox*>(p); }, box_);
}
void Mutex::lock() {
  require_goroutine("Mutex::lock");
  mutex_lock(m_);
}
void Mutex::unlock() {
  require_goroutine("Mutex::unlock");
  mutex_unlock(m_);
}
bool Mutex::try_lock() { return mutex_trylock(m_); }

WaitGroup::WaitGroup() : box_(new detail::WaitGroupBox), wg_(&box_->wg) { wait_object_add(&box_->node, &wg_->sema); }
WaitGroup::~WaitGroup() {
  bool waiters = static_cast<std::uint32_t>(wg_->state.load(std::memory_order_acquire)) != 0;  // Wait()ers
  wait_object_retire(&box_->node, waiters, [](void* p) { delete static_cast<detail::WaitGroupBox*>(p); }, box_);
}
void WaitGroup::add(std::int64_t delta) {
  require_goroutine("WaitGroup::add");
  wg_add(wg_, delta);
}
void WaitGroup::wait() {
  require_goroutine("WaitGroup::wait");
  wg_wait(wg_);
}

}  // namespace gosim::rt
