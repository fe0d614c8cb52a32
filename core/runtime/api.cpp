// The public C++ API (api.h) over the runtime.
#include "runtime/api.h"

#include <unistd.h>

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

void run_function(G* gp) {
  // Owned by this frame from the start: freed on return and when the G is
  // unwound at the run's end (GoroutineUnwind); gp->arg is freed by the
  // runtime only for a G that never started.
  std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()>*>(gp->arg));
  gp->arg = nullptr;
  (*f)();
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
  s->drop_arg = [](void* p) { delete static_cast<std::function<void()>*>(p); };
  auto* f = new std::function<void()>(std::move(main));
  trace::RunOutcome out = run_main(*s, run_function, f, -1, 0);
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

void go(std::function<void()> f) {
  require_goroutine("go");
  auto* fn = new std::function<void()>(std::move(f));
  if (!newproc(run_function, fn, -1, 0)) delete fn;
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
struct ChanBox {
  ChanBox(std::size_t elemsize, std::size_t cap) : c(elemsize, cap, -1) {}
  runtime::Chan c;
  WaitNode node;
};
struct MutexBox {
  runtime::Mutex m;
  WaitNode node;
};
struct WaitGroupBox {
  runtime::WaitGroup wg;
  WaitNode node;
};

runtime::Chan* chan_new(std::size_t elemsize, std::size_t cap, ChanBox** box) {
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
