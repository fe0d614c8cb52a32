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
  auto* f = static_cast<std::function<void()>*>(gp->arg);
  (*f)();
  delete f;
  getm()->curg->arg = nullptr;
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
  // Goroutines dropped at the end still own their closures: free them.
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

runtime::Chan* chan_new(std::size_t elemsize, std::size_t cap) { return new runtime::Chan(elemsize, cap, -1); }
void chan_free(runtime::Chan* c) { delete c; }
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

Mutex::Mutex() : m_(std::make_unique<runtime::Mutex>()) {}
Mutex::~Mutex() = default;
void Mutex::lock() {
  require_goroutine("Mutex::lock");
  mutex_lock(m_.get());
}
void Mutex::unlock() {
  require_goroutine("Mutex::unlock");
  mutex_unlock(m_.get());
}
bool Mutex::try_lock() { return mutex_trylock(m_.get()); }

WaitGroup::WaitGroup() : wg_(std::make_unique<runtime::WaitGroup>()) {}
WaitGroup::~WaitGroup() = default;
void WaitGroup::add(std::int64_t delta) {
  require_goroutine("WaitGroup::add");
  wg_add(wg_.get(), delta);
}
void WaitGroup::wait() {
  require_goroutine("WaitGroup::wait");
  wg_wait(wg_.get());
}

}  // namespace gosim::rt
