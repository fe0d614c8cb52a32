// The scheduler of gosim's real M:N runtime, mirroring Go 1.19's proc.go.
//
// Design
// ------
// Three kinds of object, named and behaving as in Go:
//   G  a goroutine: a fiber on its own pooled stack (g.h, stack.h, fiber.h).
//   M  an OS thread (m.h). Its own thread stack is its g0 fiber: every
//      scheduling decision runs there (schedule_loop, findRunnable, park_m,
//      goexit0, ...), exactly like Go's mcall/systemstack.
//   P  a processor (p.h): the right to run Gs, with a lock-free local run
//      queue of 256 + runnext (runq.h), a timer heap and a free-G cache.
// plus the global `Sched` (sched.h: Go's schedt) holding the global run queue,
// the idle P and idle M lists, spinning counters and STW state.
//
// A G never calls the scheduler on its own stack. To block, yield, exit or
// finish a syscall without a P, it stores what it wants in its M (m->op and
// the park arguments) and switches to g0 ("mcall"); g0's loop (schedule_loop)
// performs it and picks the next G (findRunnable), then switches to it
// (execute). Switching G -> g0 -> G' costs two fiber switches, as in Go.
//
// Invariants
// ----------
// 1. A G is run by at most one M: its status moves Runnable -> Running only
//    in execute, by the M that took it off a queue (queues hand out each G
//    once: the local ring by CAS on head, runnext by CAS, the global queue
//    under sched.lock).
// 2. A parking G is not visible to wakers until it is off its stack: park_m
//    runs on g0 *after* the switch, sets the status to Waiting and only then
//    calls the unlock function that releases the channel/sema/timer lock the
//    waker needs (Go's gopark unlockf). So goready never sees a G that is
//    still running.
// 3. Only a P's owner appends to its ring and sets runnext. Ownership moves
//    by acquirep/releasep under sched.lock (idle list), by startm's nextp
//    hand-off (the sleeping M is woken after the assignment; the futex wake
//    is the release/acquire edge), or by a CAS on p->status from Syscall
//    (sysmon's retake, STW, the returning syscall itself: exactly one wins).
// 4. Code that runs on a G stack never keeps an M* across a switch: the G may
//    resume on another thread, so it asks getm() again (tls.h). Code on g0
//    may keep its M: g0 never migrates.
// 5. An M never busy-waits forever: with nothing to do it parks on its futex
//    (stopm), or one M (holder of the lastpoll token) blocks in epoll until
//    the next timer or network event.
// 6. Deadlock: when the last running M parks (checkdead, under sched.lock)
//    with live Gs, no timers, no network waiters and nothing runnable, the run
//    ends with Go's message.
//
// Safe points: Gs are preempted cooperatively. sysmon (or a STW) sets
// g->preempt; a G checks it between scenario ops, in compute loops every
// ~20 us (compute.cpp), and in blocking-free loops of the API. There is no
// signal-based async preemption (Go 1.14+ has it); see docs/runtime.md.
//
// What each function mirrors is named in its comment.
#include "runtime/sched.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "runtime/api.h"
#include "runtime/chan.h"
#include "runtime/gc.h"
#include "runtime/nanotime.h"
#include "runtime/netpoll.h"
#include "runtime/sema.h"
#include "runtime/timers.h"
#include "runtime/tls.h"

namespace gosim::runtime {

using trace::EventKind;
using trace::Why;

Sched* sched = nullptr;

namespace {

constexpr std::int32_t kGfreeMax = 64;        // gfput: trim at 64 ...
constexpr std::int32_t kGfreeKeep = 32;       // ... down to < 32; gfget refills 32

std::vector<std::uint32_t> coprimes;  // stealOrder (randomOrder.reset)

}  // namespace

M* getm() { return current_m(); }

std::int64_t now_rel() { return nanotime() - sched->start; }

// ---------------------------------------------------------------- tracing
//
// Stamps (tracebuf.h) are cputicks, mapped to ns at the merge: trace_event
// reads the clock; trace_event_shared uses the M's latest reading
// (TraceBuf::clock), which schedule_loop refreshes once per switch. Both then
// make the stamp nondecreasing in the M's buffer and strictly increasing per
// G and per P (tlast), which keeps causal order.

namespace {

// Clamps t to the buffer's and the objects' last stamps (see above).
inline std::int64_t order_stamp(TraceBuf* b, std::int64_t t, G* g, P* p) {
  if (t < b->tlast) t = b->tlast;
  if (g) {
    if (t <= g->tlast) t = g->tlast + 1;
    g->tlast = t;
  }
  if (p) {
    if (t <= p->tlast) t = p->tlast + 1;
    p->tlast = t;
  }
  b->tlast = t;
  return t;
}

// A new chunk: account it against the limit (a shared counter, once per
// chunk). False: the run is over and the event is dropped.
[[gnu::noinline]] bool trace_chunk_ok(TraceBuf* b) {
  std::int64_t n = sched->trace_events.fetch_add(static_cast<std::int64_t>(b->next_chunk_events()),
                                                 std::memory_order_relaxed);
  if (n > sched->cfg().limits.max_trace_events) {
    sched->tracing.store(false, std::memory_order_relaxed);
    finish_run(trace::RunOutcome::Status::LimitExceeded,
               "gosim: the run exceeded limits.max_trace_events (" +
                   std::to_string(sched->cfg().limits.max_trace_events) + " events)");
    return false;
  }
  return true;
}

// Inline: at the hot call sites the compiler sees which fields are constant
// (a1, a2, the flags) and drops put()'s fit tests for them.
[[gnu::always_inline]] inline void emit(M* m, std::int64_t t, EventKind k, Why why, std::uint8_t reason,
                                        std::int32_t g, std::int32_t p, std::int32_t mid, std::int64_t a0,
                                        std::int64_t a1, std::int64_t a2, std::uint8_t flags = 0) {
  TraceBuf* b = m->trace;
  if (b->full() && !trace_chunk_ok(b)) [[unlikely]]
    return;
  b->put(t, k, reason, why, g, p, mid, a0, a1, a2, flags);
}

// The hot-path event: the switch's shared stamp, the caller's M.
// flags: TraceBuf::kA0Ticks when a0 is a duration in ticks.
[[gnu::always_inline]] inline void trace_event_shared(M* m, EventKind k, Why why, std::uint8_t reason, G* g, P* p,
                                                      std::int64_t a0 = 0, std::int64_t a1 = 0, std::int64_t a2 = 0,
                                                      std::uint8_t flags = 0) {
  TraceBuf* b = m->trace;
  std::int64_t t = order_stamp(b, b->clock, g, p);
  emit(m, t, k, why, reason, g ? static_cast<std::int32_t>(g->goid) : -1, p ? p->id : -1, m->id, a0, a1, a2, flags);
}

// One clock reading for the events of a switch (tracing only).
inline void trace_clock(M* m) { m->trace->saw_clock(cputicks()); }

}  // namespace

void trace_event(EventKind k, Why why, std::uint8_t reason, G* g, P* p, std::int64_t a0, std::int64_t a1,
                 std::int64_t a2) {
  if (!tracing_on()) return;
  M* m = getm();
  TraceBuf* b = m->trace;
  std::int64_t now = cputicks();
  b->saw_clock(now);
  std::int64_t t = order_stamp(b, now, g, p);
  emit(m, t, k, why, reason, g ? static_cast<std::int32_t>(g->goid) : -1, p ? p->id : -1, m->id, a0, a1, a2);
}

void trace_event_at(M* m, std::int64_t t, EventKind k, Why why, std::uint8_t reason, std::int32_t g,
                    std::int32_t p, std::int64_t a0, std::int64_t a1, std::int64_t a2, std::int32_t mid) {
  if (!tracing_on()) return;
  emit(m, t, k, why, reason, g, p, mid == -2 ? m->id : mid, a0, a1, a2);
}

namespace {

// An event whose m field is another M (MUnpark, HandoffP), in our buffer.
void trace_event_m(EventKind k, Why why, std::uint8_t reason, std::int32_t g, P* p, std::int32_t mid,
                   std::int64_t a0 = 0, std::int64_t a1 = 0, std::int64_t a2 = 0) {
  if (!tracing_on()) return;
  M* m = getm();
  TraceBuf* b = m->trace;
  std::int64_t now = cputicks();
  b->saw_clock(now);
  std::int64_t t = order_stamp(b, now, nullptr, p);
  emit(m, t, k, why, reason, g, p ? p->id : -1, mid, a0, a1, a2);
}

template <typename E>
std::uint8_t R(E e) {
  return static_cast<std::uint8_t>(e);
}

}  // namespace

// ---------------------------------------------------------------- run end

void finish_run(trace::RunOutcome::Status status, const std::string& message) {
  {
    LockGuard g(sched->outcome_lock);
    if (sched->exiting.load(std::memory_order_acquire)) return;
    sched->outcome.status = status;
    sched->outcome.message = message;
    sched->outcome.end_time = now_rel();
    // The trace ends here, as Go's does when main returns: nothing about the
    // Gs dropped now (no GoEnd) nor the Ps stopped for the exit. Before
    // `exiting`, so an M that sees the run over sees tracing off too.
    sched->tracing.store(false, std::memory_order_relaxed);
    sched->exiting.store(true, std::memory_order_release);
  }
  // Wake everything that may be waiting, without sched.lock (we may be
  // called under it, from checkdead). allm never reallocates (reserved at
  // start) and its size is published with release, so this walk is safe.
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t w = ::write(sched->abort_fd, &one, sizeof one);  // syscalls in progress
  if (sched->netpoll) sched->netpoll->brk();
  sched->sysmonnote.wakeup();
  sched->stopnote.wakeup();
  std::size_t n = sched->allm_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; i++) sched->allm[i]->park.wakeup();
  for (auto& p : sched->allp) {
    if (G* g = p->running_g.load(std::memory_order_acquire)) g->preempt.store(true, std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------- queues

// globrunqput (sched.lock held): tail of the global queue.
void globrunqput(G* gp) {
  gp->schedlink = nullptr;
  if (sched->runqtail) sched->runqtail->schedlink = gp;
  else sched->runqhead = gp;
  sched->runqtail = gp;
  // Only holders of sched.lock write runqsize: a plain store, no locked RMW.
  sched->runqsize.store(sched->runqsize.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

namespace {

// globrunqputbatch (sched.lock held).
void globrunqputbatch(G* head, G* tail, std::int32_t n) {
  tail->schedlink = nullptr;
  if (sched->runqtail) sched->runqtail->schedlink = head;
  else sched->runqhead = head;
  sched->runqtail = tail;
  sched->runqsize.store(sched->runqsize.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

G* globrunqpop() {
  G* gp = sched->runqhead;
  if (!gp) return nullptr;
  sched->runqhead = gp->schedlink;
  if (!sched->runqhead) sched->runqtail = nullptr;
  sched->runqsize.store(sched->runqsize.load(std::memory_order_relaxed) - 1, std::memory_order_release);
  return gp;
}

void runqput(P* p, G* gp, bool next);

// globrunqget (sched.lock held): a batch for p, min(size, size/GOMAXPROCS+1,
// 128, max); the first is returned, the rest go to p's local queue (which is
// empty here, so they fit).
G* globrunqget(P* p, std::int32_t max) {
  std::int32_t size = sched->runqsize.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  std::int32_t n = std::min(size, size / sched->gomaxprocs + 1);
  if (max > 0 && n > max) n = max;
  n = std::min<std::int32_t>(n, static_cast<std::int32_t>(RunQueue<G>::kCapacity / 2));
  G* gp = globrunqpop();
  for (std::int32_t i = 1; i < n; i++) {
    G* g1 = globrunqpop();
    G* kicked = nullptr;
    bool ok = p->runq.put(g1, false, &kicked);
    assert(ok);
    (void)ok;
  }
  return gp;
}

// runqput: runnext or the local tail; overflow moves half to the global queue
// (runqputslow).
void runqput(P* p, G* gp, bool next) {
  if (!sched->cfg().mechanisms.runnext) next = false;
  for (;;) {
    G* kicked = nullptr;
    if (p->runq.put(gp, next, &kicked)) return;
    G* batch[RunQueue<G>::kCapacity / 2 + 1];
    std::uint32_t n = p->runq.grab_half_for_overflow(batch);
    if (n == 0) {  // a thief made room: retry the plain put with the kicked G
      gp = kicked;
      next = false;
      continue;
    }
    batch[n] = kicked;
    for (std::uint32_t i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1];
    trace_event(EventKind::Counter, Why::OverflowToGlobal, R(trace::CounterId::LocalRunq), nullptr, p,
                p->runq.size());
    LockGuard l(sched->lock);
    globrunqputbatch(batch[0], batch[n], static_cast<std::int32_t>(n + 1));
    return;
  }
}

}  // namespace

bool runqempty(P* p) { return p->runq.empty(); }

// pidleput / pidleget (sched.lock held): LIFO idle P stack.
void pidleput(P* p) {
  p->status.store(PStatus::Idle, std::memory_order_release);
  p->link = sched->pidle;
  sched->pidle = p;
  sched->npidle.fetch_add(1, std::memory_order_release);
}

P* pidleget() {
  P* p = sched->pidle;
  if (p) {
    sched->pidle = p->link;
    sched->npidle.fetch_sub(1, std::memory_order_release);
  }
  return p;
}

namespace {

// mput / mget (sched.lock held): LIFO idle M stack.
void mput(M* m) {
  m->schedlink = sched->midle;
  sched->midle = m;
  sched->nmidle++;
}

M* mget() {
  M* m = sched->midle;
  if (m) {
    sched->midle = m->schedlink;
    sched->nmidle--;
  }
  return m;
}

}  // namespace

// acquirep / releasep: wire P and the current M.
void acquirep(P* p) {
  M* m = getm();
  m->p = p;
  p->m = m;
  p->status.store(PStatus::Running, std::memory_order_release);
  trace_event(EventKind::ProcStart, Why::None, 0, nullptr, p);
}

P* releasep() {
  M* m = getm();
  P* p = m->p;
  trace_event(EventKind::ProcStop, Why::ProcIdleNoWork, R(trace::ProcStopReason::Idle), nullptr, p);
  p->running_g.store(nullptr, std::memory_order_relaxed);
  m->p = nullptr;
  p->m = nullptr;
  return p;
}

// ---------------------------------------------------------------- deadlock

namespace {

bool any_timers() {
  for (auto& p : sched->allp)
    if (p->timer0_when.load(std::memory_order_acquire) != 0) return true;
  return false;
}

bool anything_runnable() {
  if (sched->runqsize.load(std::memory_order_acquire) != 0) return true;
  for (auto& p : sched->allp)
    if (!p->runq.empty()) return true;
  return false;
}

// checkdead (sched.lock held): no M is running any more.
void checkdead() {
  std::int32_t run = sched->mcount - sched->nmidle - sched->nmsys;
  if (run > 0) return;
  if (sched->exiting.load(std::memory_order_acquire)) return;
  if (sched->ngoroutines.load(std::memory_order_acquire) == 0) return;
  // Timers or network waiters will wake someone (an M blocked in epoll is
  // not on midle, so we would not be here, but stay conservative).
  if (any_timers() || (sched->netpoll && sched->netpoll->waiters() > 0)) return;
  if (anything_runnable()) return;  // Go throws "checkdead: runnable g"; we never declare a false deadlock
  if (sched->gc && gc_busy()) return;
  finish_run(trace::RunOutcome::Status::Deadlock, "fatal error: all goroutines are asleep - deadlock!");
}

}  // namespace

// ---------------------------------------------------------------- Ms

namespace {

void* mstart(void* arg);

// newm: a new OS thread that starts with p (may be null: sysmon).
void newm(P* p, bool spinning, bool sysmon) {
  M* m = nullptr;
  std::int32_t threads = 0;
  {
    LockGuard l(sched->lock);
    if (sched->exiting.load(std::memory_order_acquire)) {
      // The run is over and run_main may already have counted the Ms it
      // joins: a thread started now would never be joined.
      if (p) pidleput(p);
      if (spinning) sched->nmspinning.fetch_sub(1);
      return;
    }
    if (sched->mcount >= sched->cfg().constants.max_threads) {
      // Go: "runtime: program exceeds 10000-thread limit" / "thread exhaustion".
      if (p) pidleput(p);
      if (spinning) sched->nmspinning.fetch_sub(1);
      finish_run(trace::RunOutcome::Status::LimitExceeded,
                 "runtime: program exceeds " + std::to_string(sched->cfg().constants.max_threads) +
                     "-thread limit\nfatal error: thread exhaustion");
      return;
    }
    std::size_t idx = sched->allm_count.load(std::memory_order_relaxed);
    if (idx >= sched->allm.size()) {
      if (p) pidleput(p);
      if (spinning) sched->nmspinning.fetch_sub(1);
      finish_run(trace::RunOutcome::Status::LimitExceeded, "fatal error: thread exhaustion");
      return;
    }
    sched->allm[idx] = std::make_unique<M>();
    m = sched->allm[idx].get();
    m->id = sched->mcreated++;
    m->nextp = p;
    m->spinning = spinning;
    m->is_sysmon = sysmon;
    m->fastrand = scenario::rng_for(sched->cfg().seed ^ 0x5eed, static_cast<std::uint64_t>(m->id) + 1);
    sched->tracebufs.push_back(std::make_unique<TraceBuf>());
    m->trace = sched->tracebufs.back().get();
    m->trace->tclock = sched->tracebufs.front()->tclock;  // m0's: the run's
    m->trace->mid = m->id;
    sched->mcount++;
    if (sysmon) sched->nmsys++;
    // Set before the thread exists (and read by the joiner under the lock),
    // so run_main never misses a thread it must join.
    m->has_thread = true;
    sched->allm_count.store(idx + 1, std::memory_order_release);
    threads = sched->mcount;
  }
  trace_event_m(EventKind::MStart, sysmon ? Why::None : Why::MNewNoIdle, 0, -1, p, m->id, threads);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);  // g0 stacks: scheduling code only
  int rc = pthread_create(&m->thread, &attr, mstart, m);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    LockGuard l(sched->lock);
    m->has_thread = false;
    sched->mcount--;
    if (p) pidleput(p);
    if (spinning) sched->nmspinning.fetch_sub(1);
    finish_run(trace::RunOutcome::Status::LimitExceeded,
               std::string("runtime: failed to create new OS thread: ") + std::strerror(rc));
    return;
  }
}

}  // namespace

// startm: run p (or an idle P) on an idle M, or a new one (proc.go:startm).
// `handoff` >= 0 records a HandoffP of p from that M.
namespace {
void startm_impl(P* p, bool spinning, std::int32_t handoff_from, trace::HandoffReason hr) {
  sched->lock.lock();
  if (!p) {
    p = pidleget();
    if (!p) {
      sched->lock.unlock();
      if (spinning) sched->nmspinning.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
  }
  M* nmp = sched->exiting.load(std::memory_order_relaxed) ? nullptr : mget();
  if (!nmp) {
    sched->lock.unlock();
    if (handoff_from >= 0)
      trace_event_m(EventKind::HandoffP, Why::HandoffRetake, R(hr), -1, p, -1, handoff_from);
    newm(p, spinning, false);
    return;
  }
  // Trace while we still own p: once nextp is set the M may run with it.
  if (handoff_from >= 0)
    trace_event_m(EventKind::HandoffP, hr == trace::HandoffReason::STW ? Why::HandoffSTW : Why::HandoffRetake,
                  R(hr), -1, p, nmp->id, handoff_from);
  trace_event_m(EventKind::MUnpark, spinning ? Why::WakepIdleP : Why::MReuseIdle, 0, -1, p, nmp->id);
  nmp->spinning = spinning;
  nmp->nextp = p;
  sched->lock.unlock();
  nmp->park.wakeup();  // the M reads nextp under sched.lock after waking
}
}  // namespace

void startm(P* p, bool spinning) { startm_impl(p, spinning, -1, trace::HandoffReason::SyscallRetake); }

// wakep: another M to run an idle P, if there is one and nobody is spinning.
void wakep() {
  // The submitter's half of "Worker thread parking/unparking" (proc.go): the
  // work it just published (runqput's tail store, a timer) must be visible
  // before it reads nmspinning, or it and a spinning M dropping out (which
  // decrements nmspinning, then rechecks the queues) can both miss the work.
  // Go's runqput stores the tail with XCHG on amd64; our release store can
  // pass the load below (tests/runtime/wakep_litmus_test.cpp shows it).
  // With one P there is no spinning M to race with: the barrier (20-40 ns
  // here) is skipped.
  if (sched->gomaxprocs > 1) storeload_barrier();
  if (sched->npidle.load(std::memory_order_acquire) == 0) return;
  if (!sched->cfg().mechanisms.spinning) {
    // Without spinning Ms every submission wakes a thread for an idle P
    // (the thundering herd spinning avoids).
    startm(nullptr, false);
    return;
  }
  std::int32_t zero = 0;
  if (sched->nmspinning.load(std::memory_order_acquire) != 0 ||
      !sched->nmspinning.compare_exchange_strong(zero, 1, std::memory_order_acq_rel))
    return;
  startm(nullptr, true);
}

namespace {

void resetspinning(M* m) {
  m->spinning = false;
  sched->nmspinning.fetch_sub(1, std::memory_order_acq_rel);
  trace_event(EventKind::MSpinStop, Why::SpinFoundWork, 0, nullptr, m->p, 1);
  wakep();
}

// stopm: park the M on the idle list until startm gives it a P. Returns false
// if the M should exit (run over, or the thread cache is off).
bool stopm(M* m) {
  sched->lock.lock();
  if (sched->exiting.load(std::memory_order_acquire)) {
    sched->lock.unlock();
    return false;
  }
  if (!sched->cfg().mechanisms.thread_cache && m->has_thread) {
    sched->mcount--;
    m->exited.store(true, std::memory_order_release);
    trace_event(EventKind::MExit, Why::None, 0, nullptr, nullptr, sched->mcount);
    checkdead();
    sched->lock.unlock();
    return false;
  }
  trace_event(EventKind::MPark, Why::MParkNoWork, 0, nullptr, nullptr);
  mput(m);
  checkdead();
  sched->lock.unlock();
  P* p = nullptr;
  for (;;) {
    m->park.sleep();
    m->park.clear();
    // nextp is written by startm under sched.lock; read it the same way (the
    // run's end also wakes us, maybe while a startm is in flight).
    sched->lock.lock();
    p = m->nextp;
    m->nextp = nullptr;
    sched->lock.unlock();
    if (p || sched->exiting.load(std::memory_order_acquire)) break;
  }
  if (p) {
    acquirep(p);
    if (m->spinning) trace_event(EventKind::MSpin, Why::SpinLookForWork, 0, nullptr, p);
  }
  return true;
}

}  // namespace

// handoffp: p was released by an M in a syscall (or the world is stopping):
// give it to someone (proc.go:handoffp).
void handoffp_from(P* p, std::int32_t from, trace::HandoffReason hr) {
  if (!runqempty(p) || sched->runqsize.load(std::memory_order_acquire) != 0) {
    startm_impl(p, false, from, hr);
    return;
  }
  if (sched->gc && gc_has_mark_work()) {
    startm_impl(p, false, from, hr);
    return;
  }
  std::int32_t zero = 0;
  if (sched->cfg().mechanisms.spinning &&
      sched->nmspinning.load() + sched->npidle.load() == 0 &&
      sched->nmspinning.compare_exchange_strong(zero, 1)) {
    startm_impl(p, true, from, hr);
    return;
  }
  sched->lock.lock();
  if (sched->gcwaiting.load(std::memory_order_acquire)) {
    p->status.store(PStatus::GCStop, std::memory_order_release);
    if (--sched->stopwait == 0) sched->stopnote.wakeup();
    sched->lock.unlock();
    return;
  }
  if (sched->runqsize.load() != 0) {
    sched->lock.unlock();
    startm_impl(p, false, from, hr);
    return;
  }
  // The last running P, and nobody is polling the network: someone must.
  if (sched->npidle.load() == sched->gomaxprocs - 1 && sched->lastpoll.load() != 0 &&
      (any_timers() || (sched->netpoll && sched->netpoll->waiters() > 0))) {
    sched->lock.unlock();
    startm_impl(p, false, from, hr);
    return;
  }
  trace_event_m(EventKind::HandoffP, Why::HandoffRetake, R(hr), -1, p, -1, from);
  pidleput(p);
  std::int64_t when = p->timer0_when.load(std::memory_order_acquire);
  sched->lock.unlock();
  if (when != 0) wake_netpoller(when);
}

void handoffp(P* p) { handoffp_from(p, -1, trace::HandoffReason::SyscallRetake); }

// ---------------------------------------------------------------- Gs

namespace {

void gentry(void* arg) {
  G* gp = static_cast<G*>(arg);
  gp->started = true;
  try {
    gp->fn(gp);
  } catch (const rt::GoroutineUnwind&) {
    // The run is over and the unwinder resumed us: our frames are destroyed;
    // exit back to it (goexit1 -> the unwinder's g0, not a scheduler).
  }
  goexit1();
}

G* malg() {
  auto g = std::make_unique<G>();
  // Unarmed: the G's fiber arms the canary when it first runs (fiber_init),
  // so the creator touches none of a fresh stack's pages.
  g->stack = sched->stacks.allocate(false);
  G* gp = g.get();
  LockGuard l(sched->glock);
  sched->allg.push_back(std::move(g));
  return gp;
}

// gfget: a dead G from p's cache, refilled from the global list.
G* gfget(P* p) {
  if (!p->gfree && sched->gfree_n.load(std::memory_order_relaxed) > 0) {
    LockGuard l(sched->glock);
    while (p->gfree_n < kGfreeKeep && sched->gfree) {
      G* gp = sched->gfree;
      sched->gfree = gp->schedlink;
      sched->gfree_n--;
      gp->schedlink = p->gfree;
      p->gfree = gp;
      p->gfree_n++;
    }
  }
  G* gp = p->gfree;
  if (gp) {
    p->gfree = gp->schedlink;
    p->gfree_n--;
  }
  return gp;
}

void gfput(P* p, G* gp) {
  gp->schedlink = p->gfree;
  p->gfree = gp;
  p->gfree_n++;
  if (p->gfree_n >= kGfreeMax) {
    LockGuard l(sched->glock);
    while (p->gfree_n >= kGfreeKeep) {
      G* g1 = p->gfree;
      p->gfree = g1->schedlink;
      p->gfree_n--;
      g1->schedlink = sched->gfree;
      sched->gfree = g1;
      sched->gfree_n++;
    }
  }
}

}  // namespace

// newproc: create a G running fn, put it in the creator P's runnext, wakep.
G* newproc(void (*fn)(G*), void* arg, std::int64_t u0, std::int64_t u1, void (*init)(G*, void*), void* ctx) {
  M* m = getm();
  P* p = m->p;
  std::int64_t live = sched->ngoroutines.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (live > sched->cfg().limits.max_goroutines) {
    sched->ngoroutines.fetch_sub(1, std::memory_order_acq_rel);
    finish_run(trace::RunOutcome::Status::LimitExceeded,
               "gosim: more than limits.max_goroutines (" +
                   std::to_string(sched->cfg().limits.max_goroutines) + ") goroutines alive");
    return nullptr;
  }
  G* gp = gfget(p);
  if (!gp) gp = malg();
  // Go hands out ids in per-P batches of 16 (_GoidCacheBatch); we number Gs
  // in creation order instead, so that a G's random stream rng_for(seed,
  // goid) is the one sim mode gives it.
  gp->goid = sched->goidgen.fetch_add(1, std::memory_order_relaxed) + 1;
  gp->fn = fn;
  gp->arg = arg;
  gp->u0 = u0;
  gp->u1 = u1;
  gp->schedlink = nullptr;
  gp->m = nullptr;
  gp->preempt.store(false, std::memory_order_relaxed);
  gp->param = nullptr;
  gp->selectDone.store(0, std::memory_order_relaxed);
  gp->retained = 0;
  gp->gc_assist_bytes = 0;
  gp->tlast = 0;
  gp->is_main = false;
  gp->started = false;
  gp->unwind = kUnwindNone;
  fiber_init(gp->fiber, gp->stack, gentry, gp);
  gp->fiber.id = gp->goid;
  if (init) init(gp, ctx);
  G* creator = m->curg;
  trace_event(EventKind::GoCreate, Why::None, 0, gp, p, creator ? creator->goid : -1, u0, u1);
  gp->status.store(GStatus::Runnable, std::memory_order_release);
  runqput(p, gp, true);
  if (sched->mainStarted.load(std::memory_order_relaxed)) wakep();
  return gp;
}

namespace {

[[noreturn]] void throw_unwind(G* gp) {
  gp->unwind = kUnwindThrown;
  rt::UnwindAccess::throw_unwind();
}

// The switch to g0 (Go: mcall). The G may come back on another M, or, once
// the run is over, be resumed by the unwinder to throw GoroutineUnwind here.
void mcall(McallOp op) {
  M* m = getm();
  G* gp = m->curg;
  m->op = op;
  fiber_switch(gp->fiber, m->g0);
  if (__builtin_expect(gp->unwind == kUnwindRequested, 0)) throw_unwind(gp);
}

}  // namespace

void unwind_point() {
  M* m = getm();
  G* gp = m ? m->curg : nullptr;
  if (gp && gp->unwind == kUnwindRequested) throw_unwind(gp);
}

void goexit1() {
  M* m = getm();
  m->op = McallOp::Goexit;
  fiber_exit(m->curg->fiber, m->g0);
}

void gopark(UnlockFn unlockf, void* arg, trace::BlockReason reason, Why why, std::int64_t a0, std::int64_t a1,
            bool forever) {
  M* m = getm();
  m->unlockf = unlockf;
  m->unlock_arg = arg;
  m->block_reason = R(reason);
  m->block_why = R(why);
  m->block_a0 = a0;
  m->block_a1 = a1;
  m->block_forever = forever;
  mcall(McallOp::Park);
}

void goready(G* gp, Why why, bool next) {
  M* m = getm();
  P* p = m->p;
  GStatus st = gp->status.load(std::memory_order_acquire);
  if (st != GStatus::Waiting) {
    std::fprintf(stderr, "gosim: fatal error: goready of G%lld in status %u\n",
                 static_cast<long long>(gp->goid), static_cast<unsigned>(st));
    std::abort();
  }
  if (!sched->cfg().mechanisms.runnext) next = false;
  G* cur = m->curg;
  if (tracing_on())
    trace_event_shared(m, EventKind::GoUnblock, why, R(next ? trace::Queue::Runnext : trace::Queue::Local), gp, p,
                       cur ? cur->goid : -1);
  gp->status.store(GStatus::Runnable, std::memory_order_release);
  runqput(p, gp, next);
  wakep();
}

void gosched() { mcall(McallOp::Gosched); }
void goyield() { mcall(McallOp::Yield); }
void gopreempt() { mcall(McallOp::Preempt); }

void check_preempt() {
  G* gp = getm()->curg;
  if (gp && preempt_requested(gp)) {
    if (sched->exiting.load(std::memory_order_acquire)) park_dead();  // the run is over
    gopreempt();
  }
}

void park_dead() {
  mcall(McallOp::Dead);
  std::abort();  // resumed only to unwind (mcall throws)
}

void gopanic(const std::string& msg) {
  M* m = getm();
  finish_run(trace::RunOutcome::Status::Error,
             msg + "\n\ngoroutine " + std::to_string(m->curg->goid) + " [running]");
  mcall(McallOp::Dead);
  std::abort();  // resumed only to unwind (mcall throws)
}

// injectglist: make a list of Gs (linked by schedlink, status Waiting)
// runnable: the first npidle to the global queue with an M each, the rest on
// our local queue; everything global if we have no P (proc.go:injectglist).
void injectglist(G* list) {
  if (!list) return;
  M* m = getm();
  P* p = m ? m->p : nullptr;
  std::int32_t n = 0;
  for (G* g = list; g; g = g->schedlink) n++;
  std::int32_t nglobal = p ? std::min<std::int32_t>(n, sched->npidle.load(std::memory_order_acquire)) : n;
  G* g = list;
  G* ghead = nullptr;
  G* gtail = nullptr;
  for (std::int32_t i = 0; i < n; i++) {
    G* next = g->schedlink;
    bool global = i < nglobal;
    // Stamped before publication (invariant: the starter stamps after).
    if (tracing_on()) {
      std::int64_t t = cputicks();
      if (t <= g->tlast) t = g->tlast + 1;
      g->tlast = t;
      emit(m, t, EventKind::GoUnblock, static_cast<Why>(g->wake_why),
           R(global ? trace::Queue::Global : trace::Queue::Local), static_cast<std::int32_t>(g->goid),
           global ? -1 : p->id, m->id, -1, 0, 0);
    }
    g->status.store(GStatus::Runnable, std::memory_order_release);
    if (global) {
      g->schedlink = nullptr;
      if (gtail) gtail->schedlink = g;
      else ghead = g;
      gtail = g;
    } else {
      runqput(p, g, false);
    }
    g = next;
  }
  if (ghead) {
    {
      LockGuard l(sched->lock);
      globrunqputbatch(ghead, gtail, nglobal);
    }
    for (std::int32_t i = 0; i < nglobal && sched->npidle.load() > 0; i++) startm(nullptr, false);
  }
}

// ---------------------------------------------------------------- stop the world

namespace {

void preemptall() {
  for (auto& p : sched->allp) {
    if (p->status.load(std::memory_order_acquire) != PStatus::Running) continue;
    if (G* g = p->running_g.load(std::memory_order_acquire)) g->preempt.store(true, std::memory_order_relaxed);
  }
}

// gcstopm: give our P to the stopping world and park.
void gcstopm(M* m) {
  if (m->spinning) {
    m->spinning = false;
    sched->nmspinning.fetch_sub(1, std::memory_order_acq_rel);
    trace_event(EventKind::MSpinStop, Why::SpinGiveUp, 0, nullptr, m->p, 0);
  }
  P* p = m->p;
  trace_event(EventKind::ProcStop, Why::STWStopAll, R(trace::ProcStopReason::GCStop), nullptr, p);
  p->running_g.store(nullptr, std::memory_order_relaxed);
  m->p = nullptr;
  p->m = nullptr;
  sched->lock.lock();
  p->status.store(PStatus::GCStop, std::memory_order_release);
  if (--sched->stopwait == 0) sched->stopnote.wakeup();
  sched->lock.unlock();
}

}  // namespace

// stopTheWorldWithSema: every P stops at a safe point; the caller keeps its own.
void stop_the_world(trace::STWKind kind) {
  M* m = getm();
  P* mine = m->p;
  sched->worldsema.lock();
  trace_event(EventKind::STWStart, Why::STWStopAll, R(kind), nullptr, nullptr);
  sched->lock.lock();
  sched->stopnote.clear();
  sched->stopwait = sched->gomaxprocs;
  sched->gcwaiting.store(true, std::memory_order_release);
  mine->status.store(PStatus::GCStop, std::memory_order_release);
  sched->stopwait--;
  for (auto& pp : sched->allp) {
    PStatus s = PStatus::Syscall;
    // Stamped before the CAS (the returning M stamps its GoSysExit after
    // seeing it fail) and after the syscall's GoSysCall (p->tlast, ours once
    // the CAS succeeds), as sysmon's retake does.
    std::int64_t ts = cputicks();
    if (pp->status.compare_exchange_strong(s, PStatus::GCStop, std::memory_order_acq_rel)) {
      G* sg = pp->syscall_g.load(std::memory_order_acquire);
      if (ts <= pp->tlast) ts = pp->tlast + 1;
      pp->tlast = ts;
      trace_event_at(m, ts, EventKind::GoSysBlock, Why::HandoffSTW, 0,
                     sg ? static_cast<std::int32_t>(sg->goid) : -1, pp->id);
      pp->syscalltick.fetch_add(1, std::memory_order_relaxed);
      sched->stopwait--;
    }
  }
  while (P* pp = pidleget()) {
    pp->status.store(PStatus::GCStop, std::memory_order_release);
    sched->stopwait--;
  }
  bool wait = sched->stopwait > 0;
  sched->lock.unlock();
  if (wait) {
    const std::int64_t repreempt = sched->cfg().constants.stw_repreempt;
    for (;;) {
      preemptall();
      if (sched->stopnote.tsleep(repreempt)) break;
      if (sched->exiting.load(std::memory_order_acquire)) break;
    }
  }
  mine->status.store(PStatus::Running, std::memory_order_release);
}

// startTheWorldWithSema: Ps with work get an M, the others go idle; one wakep.
void start_the_world(trace::STWKind kind, std::int64_t t0) {
  M* m = getm();
  P* mine = m->p;
  std::vector<P*> withwork;
  sched->lock.lock();
  sched->gcwaiting.store(false, std::memory_order_release);
  for (auto& pp : sched->allp) {
    if (pp.get() == mine) continue;
    if (pp->status.load(std::memory_order_acquire) != PStatus::GCStop) continue;
    if (!runqempty(pp.get())) {
      pp->status.store(PStatus::Idle, std::memory_order_release);
      withwork.push_back(pp.get());
    } else {
      pidleput(pp.get());
    }
  }
  sched->lock.unlock();
  for (P* pp : withwork) startm(pp, false);
  trace_event(EventKind::STWDone, Why::STWRestart, R(kind), nullptr, nullptr, now_rel() - t0);
  sched->worldsema.unlock();
  sysmon_wake();
  wakep();
}

// ---------------------------------------------------------------- findRunnable

std::int64_t time_sleep_until() {
  std::int64_t best = 0;
  for (auto& p : sched->allp) {
    std::int64_t w = p->timer0_when.load(std::memory_order_acquire);
    if (w != 0 && (best == 0 || w < best)) best = w;
  }
  return best;
}

namespace {

// stealWork (proc.go): 4 rounds over the Ps in a random coprime order.
G* steal_work(M* m, P* p, std::int64_t now, std::int64_t* poll_until, bool* new_work) {
  const std::uint32_t n = static_cast<std::uint32_t>(sched->gomaxprocs);
  const int tries = static_cast<int>(sched->cfg().constants.steal_tries);
  const std::int64_t backoff_ns = sched->cfg().constants.runnext_steal_backoff;
  bool ran_timers = false;
  *new_work = false;
  for (int i = 0; i < tries; i++) {
    bool last = i == tries - 1;
    std::uint32_t r = static_cast<std::uint32_t>(m->fastrand.next());
    std::uint32_t pos = r % n;
    std::uint32_t inc = coprimes[(r / n) % coprimes.size()];
    for (std::uint32_t k = 0; k < n; k++, pos = (pos + inc) % n) {
      if (sched->gcwaiting.load(std::memory_order_acquire) || sched->exiting.load(std::memory_order_relaxed)) {
        *new_work = true;
        return nullptr;
      }
      P* p2 = sched->allp[pos].get();
      if (p2 == p) continue;
      if (last) {
        std::int64_t w = p2->timer0_when.load(std::memory_order_acquire);
        if (w != 0) {
          std::int64_t next = check_timers(p2, now, &ran_timers);
          if (next != 0 && (*poll_until == 0 || next < *poll_until)) *poll_until = next;
          if (ran_timers) {
            bool inherit = false;
            if (G* gp = p->runq.get(&inherit)) return gp;
          }
        }
      }
      if (p2->status.load(std::memory_order_acquire) == PStatus::Idle) continue;  // idlepMask
      std::uint32_t victim_len = p2->runq.size();
      std::uint32_t stolen = 0;
      G* gp = p->runq.steal_from(
          p2->runq, last,
          [&] {
            // runqgrab: let a running victim schedule its runnext itself first.
            if (p2->status.load(std::memory_order_acquire) == PStatus::Running && backoff_ns > 0) {
              timespec ts{0, static_cast<long>(backoff_ns)};
              ::nanosleep(&ts, nullptr);
            }
            return true;
          },
          &stolen);
      if (gp) {
        trace_event(EventKind::ProcSteal, Why::ProcStealGot, 0, gp, p, p2->id, stolen,
                    std::max<std::int64_t>(victim_len, stolen));  // runnext counts as one
        return gp;
      }
    }
  }
  *new_work = ran_timers;
  return nullptr;
}

// checkTimers on every P but p (stealWork's timer part, for runs without
// work stealing): their expired timers ready into p. Returns the earliest
// timer left on them (0: none).
std::int64_t check_other_timers(P* p, bool* ran) {
  std::int64_t now = 0;
  std::int64_t next = 0;
  for (auto& pp : sched->allp) {
    if (pp.get() == p || pp->timer0_when.load(std::memory_order_acquire) == 0) continue;
    if (now == 0) now = nanotime();
    std::int64_t w = check_timers(pp.get(), now, ran);
    if (w != 0 && (next == 0 || w < next)) next = w;
  }
  return next;
}

// Takes the first G of a netpoll list to run here, injects the rest.
G* run_netpoll_list(G* list) {
  G* gp = list;
  G* rest = gp->schedlink;
  gp->schedlink = nullptr;
  injectglist(rest);
  M* m = getm();
  trace_event(EventKind::GoUnblock, Why::WakeNetpoll, R(trace::Queue::Direct), gp, m->p, -1);
  gp->status.store(GStatus::Runnable, std::memory_order_release);
  return gp;
}

// findRunnable (proc.go): the order of sources is Go's, see go-runtime-model.md §3.3.
G* find_runnable(M* m, bool* inherit, Why* why) {
  const auto& mech = sched->cfg().mechanisms;
top:
  if (!m->p) {  // after a syscall's slow path, or woken without a P
    if (!stopm(m)) return nullptr;
    if (!m->p) return nullptr;
  }
  P* p = m->p;
  *inherit = false;
  if (sched->exiting.load(std::memory_order_acquire)) {
    sched->lock.lock();
    releasep();
    pidleput(p);
    sched->lock.unlock();
    return nullptr;
  }
  if (sched->gcwaiting.load(std::memory_order_acquire)) {
    gcstopm(m);
    if (!stopm(m)) return nullptr;
    goto top;
  }
  std::int64_t now = any_timers() ? nanotime() : 0;  // checkTimers: no clock read without timers
  bool ran = false;
  std::int64_t poll_until = check_timers(p, now, &ran);

  if (sched->gc && gc_find_worker(p)) goto top;  // ran a mark-worker slice on g0

  // Fairness: one G from the global queue every 61 schedticks.
  if (mech.fairness_check && p->schedtick.load(std::memory_order_relaxed) % sched->cfg().constants.fairness_tick == 0 &&
      sched->runqsize.load(std::memory_order_acquire) > 0) {
    sched->lock.lock();
    G* gp = globrunqget(p, 1);
    sched->lock.unlock();
    if (gp) {
      *why = Why::StartFairness;
      return gp;
    }
  }
  if (G* gp = p->runq.get(inherit)) {
    *why = *inherit ? Why::StartRunnext : Why::StartLocal;
    return gp;
  }
  if (sched->runqsize.load(std::memory_order_acquire) > 0) {
    sched->lock.lock();
    G* gp = globrunqget(p, 0);
    sched->lock.unlock();
    if (gp) {
      *why = Why::StartGlobal;
      return gp;
    }
  }
  // Non-blocking netpoll, unless an M is blocked in it.
  if (sched->netpoll && sched->netpoll->waiters() > 0 && sched->lastpoll.load(std::memory_order_acquire) != 0) {
    if (G* list = sched->netpoll->poll(0)) {
      *why = Why::StartNetpoll;
      return run_netpoll_list(list);
    }
  }
  // Without work stealing, other Ps' expired timers still run here: Go's
  // stealWork always runs them (checkTimers(p2)), and sim mode does too. Else
  // a timer left on an idle P that the woken poller does not pick off the
  // LIFO idle list never fires, and that M loops on poll(0).
  if (!mech.work_stealing && sched->gomaxprocs > 1) {
    bool ran_other = false;
    if (std::int64_t pu = check_other_timers(p, &ran_other); pu != 0 && (poll_until == 0 || pu < poll_until))
      poll_until = pu;
    if (ran_other) {
      if (G* gp = p->runq.get(inherit)) {
        *why = *inherit ? Why::StartRunnext : Why::StartLocal;
        return gp;
      }
      goto top;
    }
  }
  // Steal, if spinning Ms are fewer than half the busy Ps.
  if (mech.work_stealing && sched->gomaxprocs > 1) {
    bool may = m->spinning || !mech.spinning ||
               2 * sched->nmspinning.load(std::memory_order_acquire) <
                   sched->gomaxprocs - sched->npidle.load(std::memory_order_acquire);
    if (may) {
      if (!m->spinning && mech.spinning) {
        m->spinning = true;
        sched->nmspinning.fetch_add(1, std::memory_order_acq_rel);
        trace_event(EventKind::MSpin, Why::SpinLookForWork, 0, nullptr, p);
      }
      bool new_work = false;
      std::int64_t pu = 0;
      G* gp = steal_work(m, p, now, &pu, &new_work);
      if (gp) {
        *why = Why::StartSteal;
        return gp;
      }
      if (new_work) goto top;
      if (pu != 0 && (poll_until == 0 || pu < poll_until)) poll_until = pu;
    }
  }
  if (sched->gc && gc_find_worker(p, true)) goto top;  // idle mark worker: nothing else to do

  // Give up the P.
  sched->lock.lock();
  if (sched->gcwaiting.load(std::memory_order_acquire) || sched->exiting.load(std::memory_order_acquire)) {
    sched->lock.unlock();
    goto top;
  }
  if (sched->runqsize.load(std::memory_order_acquire) > 0) {
    G* gp = globrunqget(p, 0);
    sched->lock.unlock();
    *why = Why::StartGlobal;
    return gp;
  }
  releasep();
  pidleput(p);
  sched->lock.unlock();

  bool was_spinning = m->spinning;
  if (m->spinning) {
    // The delicate dance: stop spinning first, then re-check every source,
    // so a submitter that saw us spinning and woke nobody is not lost.
    m->spinning = false;
    // seq_cst: the spinning M's half of the StoreLoad pairing with wakep.
    sched->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
    trace_event(EventKind::MSpinStop, Why::SpinGiveUp, 0, nullptr, nullptr, 0);
    for (auto& pp : sched->allp) {
      if (!runqempty(pp.get())) {
        sched->lock.lock();
        P* p2 = pidleget();
        sched->lock.unlock();
        if (p2) {
          acquirep(p2);
          m->spinning = true;
          sched->nmspinning.fetch_add(1, std::memory_order_acq_rel);
          trace_event(EventKind::MSpin, Why::SpinLookForWork, 0, nullptr, p2);
          goto top;
        }
        break;
      }
    }
  }
  poll_until = time_sleep_until();
  // Blocking netpoll: one M at a time (the lastpoll token), until the next timer.
  if (sched->netpoll && (sched->netpoll->waiters() > 0 || poll_until != 0) &&
      sched->lastpoll.exchange(0, std::memory_order_acq_rel) != 0) {
    sched->pollUntil.store(poll_until, std::memory_order_seq_cst);
    // Re-check after publishing the token and pollUntil: a timer added, or the
    // run ended, since our look above may have sent its netpollBreak to the
    // previous poller, which took it; from here on wakeNetPoller and
    // finish_run see us and break our poll.
    std::int64_t pu2 = time_sleep_until();
    if (pu2 != 0 && (poll_until == 0 || pu2 < poll_until)) {
      poll_until = pu2;
      sched->pollUntil.store(poll_until, std::memory_order_seq_cst);
    }
    std::int64_t delay = -1;
    if (sched->exiting.load(std::memory_order_acquire)) delay = 0;
    else if (poll_until != 0) delay = std::max<std::int64_t>(0, poll_until - nanotime());
    G* list = sched->netpoll->poll(delay);
    now = nanotime();
    sched->pollUntil.store(0, std::memory_order_release);
    sched->lastpoll.store(now, std::memory_order_release);
    sched->lock.lock();
    P* p2 = sched->exiting.load() ? nullptr : pidleget();
    sched->lock.unlock();
    if (!p2) {
      injectglist(list);  // no P: everything to the global queue
    } else {
      acquirep(p2);
      if (list) {
        *why = Why::StartNetpoll;
        return run_netpoll_list(list);
      }
      if (was_spinning && mech.spinning) {
        m->spinning = true;
        sched->nmspinning.fetch_add(1, std::memory_order_acq_rel);
        trace_event(EventKind::MSpin, Why::SpinLookForWork, 0, nullptr, p2);
      }
      goto top;
    }
  } else if (poll_until != 0 && sched->netpoll) {
    std::int64_t pu = sched->pollUntil.load(std::memory_order_acquire);
    if (pu == 0 || pu > poll_until) sched->netpoll->brk();
  }
  if (!stopm(m)) return nullptr;
  goto top;
}

// execute: run gp on the current M and P; returns when gp switches back to g0.
void execute(M* m, G* gp, bool inherit, Why why) {
  P* p = m->p;
  m->curg = gp;
  gp->m = m;
  gp->status.store(GStatus::Running, std::memory_order_release);
  gp->preempt.store(false, std::memory_order_relaxed);
  if (!inherit) p->schedtick.store(p->schedtick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  p->running_g.store(gp, std::memory_order_release);
  if (tracing_on()) {
    // A new slice (or a G found after a search) gets a fresh reading; a
    // runnext hand-off shares the switch's. slice_start is only GoPreempt's
    // a0: like Go's execute, no clock read when not tracing.
    if (!inherit) {
      trace_clock(m);
      p->slice_start = m->trace->clock;  // ticks, as syscall.cpp sets it
    }
    trace_event_shared(m, EventKind::GoStart, why, 0, gp, p);
  }
  fiber_switch(m->g0, gp->fiber);
}

// park_m: on g0 after gopark's switch. Returns gp if the park was cancelled.
G* park_m(M* m, G* gp) {
  P* p = m->p;
  if (tracing_on()) {
    if (m->block_forever)
      trace_event_shared(m, EventKind::GoStop, static_cast<Why>(m->block_why), m->block_reason, gp, p, m->block_a0);
    else
      trace_event_shared(m, EventKind::GoBlock, static_cast<Why>(m->block_why), m->block_reason, gp, p,
                         m->block_a0, m->block_a1);
  }
  m->curg = nullptr;
  gp->m = nullptr;
  gp->status.store(GStatus::Waiting, std::memory_order_release);  // before unlockf: wakers CAS from Waiting
  UnlockFn f = m->unlockf;
  m->unlockf = nullptr;
  if (f && !f(gp, m->unlock_arg)) {
    // The wait was already over (e.g. the fd fired before we parked).
    trace_event(EventKind::GoUnblock, Why::WakeNetpoll, R(trace::Queue::Direct), gp, p, -1);
    gp->status.store(GStatus::Runnable, std::memory_order_release);
    return gp;
  }
  return nullptr;
}

void to_global(M* m, G* gp) {
  m->curg = nullptr;
  gp->m = nullptr;
  gp->status.store(GStatus::Runnable, std::memory_order_release);
  LockGuard l(sched->lock);
  globrunqput(gp);
}

void goexit0(M* m, G* gp) {
  P* p = m->p;
  trace_event(EventKind::GoEnd, Why::GoExit, 0, gp, p);
  gp->status.store(GStatus::Dead, std::memory_order_release);
  m->curg = nullptr;
  gp->m = nullptr;
  if (gp->retained != 0 && sched->gc) gc_release(gp->retained);
  gp->retained = 0;
  fiber_destroy(gp->fiber);
  bool was_main = gp->is_main;
  sched->ngoroutines.fetch_sub(1, std::memory_order_acq_rel);
  gfput(p, gp);
  if (was_main) finish_run(trace::RunOutcome::Status::Ok, "");
}

// exitsyscall0: the syscall returned and no P was free on the fast paths.
G* exitsyscall0(M* m, G* gp, Why* why) {
  m->curg = nullptr;
  gp->m = nullptr;
  gp->status.store(GStatus::Runnable, std::memory_order_release);
  if (sched->exiting.load(std::memory_order_acquire)) return nullptr;  // dropped: the run is over
  sched->lock.lock();
  P* p = pidleget();
  if (!p) {
    trace_event(EventKind::GoSysExit, Why::SysExitSlow, R(trace::SysExitPath::Slow), gp, nullptr);
    globrunqput(gp);
  }
  sched->lock.unlock();
  if (p) {
    acquirep(p);
    // Runnable again; execute's GoStart says where it runs.
    trace_event(EventKind::GoSysExit, Why::SysExitSlow, R(trace::SysExitPath::Slow), gp, nullptr);
    *why = Why::StartAfterSyscall;
    return gp;
  }
  return nullptr;  // find_runnable: no P -> stopm
}

}  // namespace

void schedule_loop() {
  M* m = getm();  // g0 never migrates: m is stable here
  G* next = nullptr;
  bool inherit = false;
  Why why = Why::None;
  for (;;) {
    if (!next) {
      next = find_runnable(m, &inherit, &why);
      if (!next) return;
      if (m->spinning) resetspinning(m);
    }
    G* gp = next;
    next = nullptr;
    execute(m, gp, inherit, why);
    inherit = false;
    McallOp op = m->op;
    m->op = McallOp::None;
    if (m->p) m->p->running_g.store(nullptr, std::memory_order_relaxed);
    if (tracing_on()) trace_clock(m);  // the one clock reading of this switch
    switch (op) {
      case McallOp::Park:
        next = park_m(m, gp);
        inherit = true;
        why = Why::StartRunnext;
        break;
      case McallOp::Gosched:
        if (tracing_on()) trace_event_shared(m, EventKind::GoSched, Why::GoschedToGlobal, 0, gp, m->p);
        to_global(m, gp);
        break;
      case McallOp::Preempt: {
        bool stw = sched->gcwaiting.load(std::memory_order_acquire);
        if (tracing_on())
          trace_event_shared(m, EventKind::GoPreempt, stw ? Why::PreemptSTW : Why::PreemptTimeSlice,
                             R(stw ? trace::PreemptReason::STW : trace::PreemptReason::TimeSlice), gp, m->p,
                             m->trace->clock - m->p->slice_start, 0, 0, TraceBuf::kA0Ticks);
        to_global(m, gp);
        break;
      }
      case McallOp::Yield:  // goyield_m: local tail, keeps locality
        if (tracing_on())
          trace_event_shared(m, EventKind::GoPreempt, Why::WakeMutexHandoff, R(trace::PreemptReason::Yield), gp,
                             m->p);
        m->curg = nullptr;
        gp->m = nullptr;
        gp->status.store(GStatus::Runnable, std::memory_order_release);
        runqput(m->p, gp, false);
        break;
      case McallOp::Goexit:
        goexit0(m, gp);
        break;
      case McallOp::ExitSyscall:
        next = exitsyscall0(m, gp, &why);
        break;
      case McallOp::Dead:  // a panicking G: left as it is, the run is over
        m->curg = nullptr;
        break;
      case McallOp::None:
        break;
    }
  }
}

// ---------------------------------------------------------------- unwinding abandoned goroutines
//
// Go exits the process when main returns or the run fails; the other
// goroutines simply vanish. A C++ library must give back what their frames
// own (closures, vectors, channels...), so once every M but m0 has exited,
// m0 resumes each G that is still parked or runnable and makes it throw
// rt::GoroutineUnwind at its park point (mcall): its destructors run on its
// own stack, gentry catches the exception and goexit1 switches back here.
//
// Wait records (a Sudog, a SemaWaiter) live in the parked G's frames, which
// the unwinding destroys; so before any G unwinds, every live channel's wait
// queues are emptied and every live semaphore's waiters dequeued (they are
// registered below), as if each G's wait had been cancelled. The order is
// newest G first: children usually borrow their parents' objects ([&]).
// Destructors may use channels, mutexes and wait groups: a G that blocks in
// one really parks, and runs again (without a second throw) if another
// unwinding G readies it; Gs still blocked when nobody can run are left
// blocked (reported, their remaining frames leak). Timers set while
// unwinding fire (m0 sleeps until them); nothing is traced.

namespace {

// Every channel and semaphore alive in the process (one run at a time): two
// intrusive lists, so that registering costs a lock and a few stores.
struct WaitObjects {
  Lock lock;
  WaitNode live;     // sentinel of the circular list of live objects
  WaitNode retired;  // retired with waiters: freed after the run's unwinding
  WaitObjects() {
    live.prev = live.next = &live;
    retired.prev = retired.next = &retired;
  }
};

void wn_unlink(WaitNode* n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = nullptr;
}

void wn_push(WaitNode* head, WaitNode* n) {
  n->next = head->next;
  n->prev = head;
  head->next->prev = n;
  head->next = n;
}

WaitObjects& wait_objects() {
  static WaitObjects* w = new WaitObjects;  // never destroyed: used until exit
  return *w;
}

void unlink_chan(Chan* c) {
  LockGuard l(c->lock);
  while (Sudog* sg = c->recvq.first) c->recvq.remove(sg);
  while (Sudog* sg = c->sendq.first) c->sendq.remove(sg);
}

// semrelease dequeues (under its semtable root's lock) and readies one waiter
// per call; the readied G is taken back off our run queue. Each call added 1
// to the count that no waiter consumed (they throw instead): take it back, so
// that a semaphore that outlives the run keeps its count.
void unlink_sema(P* p, Sema* s) {
  std::uint32_t calls = 0;
  for (;;) {
    semrelease(s, false, Why::None);
    calls++;
    bool inherit = false;
    if (!p->runq.get(&inherit)) break;
  }
  s->count.fetch_sub(calls, std::memory_order_acq_rel);
}

void unlink_all_waiters(P* p) {
  WaitObjects& w = wait_objects();
  LockGuard l(w.lock);
  // Retired objects are still linked by their waiters' records.
  for (WaitNode* head : {&w.live, &w.retired}) {
    for (WaitNode* n = head->next; n != head; n = n->next) {
      if (n->is_chan) unlink_chan(static_cast<Chan*>(n->obj));
      else unlink_sema(p, static_cast<Sema*>(n->obj));
    }
  }
}

void free_retired() {
  WaitObjects& w = wait_objects();
  std::vector<WaitNode*> r;
  {
    LockGuard l(w.lock);
    while (w.retired.next != &w.retired) {
      WaitNode* n = w.retired.next;
      wn_unlink(n);
      r.push_back(n);
    }
  }
  for (WaitNode* n : r) n->free_fn(n->owner);  // frees n too
}

// A G that never ran has no frames: only its closure to free.
void free_unstarted(G* gp) {
  if (gp->arg && sched->drop_arg) sched->drop_arg(gp->arg);
  gp->arg = nullptr;
  fiber_destroy(gp->fiber);
  gp->status.store(GStatus::Dead, std::memory_order_release);
  gp->unwind = kUnwindDone;
  sched->ngoroutines.fetch_sub(1, std::memory_order_acq_rel);
}

// Runs gp on m0 until it switches back, and does what it asked (the part of
// schedule_loop that still makes sense once the run is over).
void unwind_resume(M* m, P* p, G* gp) {
  for (;;) {
    m->curg = gp;
    gp->m = m;
    gp->status.store(GStatus::Running, std::memory_order_release);
    gp->preempt.store(false, std::memory_order_relaxed);  // finish_run's request: a safe point would park_dead
    fiber_switch(m->g0, gp->fiber);
    McallOp op = m->op;
    m->op = McallOp::None;
    switch (op) {
      case McallOp::Goexit:  // goexit0 without its accounting for the trace and GC
        m->curg = nullptr;
        gp->m = nullptr;
        gp->status.store(GStatus::Dead, std::memory_order_release);
        gp->unwind = kUnwindDone;
        fiber_destroy(gp->fiber);
        if (gp->pd.fd >= 0) ::close(gp->pd.fd);  // netwait's timerfd (its close was unwound)
        gp->pd.fd = -1;
        sched->ngoroutines.fetch_sub(1, std::memory_order_acq_rel);
        return;
      case McallOp::Park:  // a destructor blocked: a real park
        if (park_m(m, gp)) continue;  // cancelled: run it again
        return;
      case McallOp::Dead:  // it panicked while unwinding: never resumed again
        m->curg = nullptr;
        gp->m = nullptr;
        gp->status.store(GStatus::Waiting, std::memory_order_release);
        return;
      default:  // Gosched, Preempt, Yield, ExitSyscall: runnable, after the others
        m->curg = nullptr;
        gp->m = nullptr;
        gp->status.store(GStatus::Runnable, std::memory_order_release);
        runqput(p, gp, false);
        return;
    }
  }
}

// Runs what destructors readied (and timers they set) until nothing can run.
void unwind_drain(M* m, P* p) {
  for (;;) {
    bool inherit = false;
    if (G* gp = p->runq.get(&inherit)) {
      if (gp->started) unwind_resume(m, p, gp);
      else free_unstarted(gp);  // `go` called by a destructor: never runs
      continue;
    }
    std::int64_t when = p->timer0_when.load(std::memory_order_acquire);
    if (when == 0) return;
    std::int64_t left = when - nanotime();
    if (left > 0) {
      timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
      ::nanosleep(&ts, nullptr);
    }
    bool ran = false;
    check_timers(p, nanotime(), &ran);
  }
}

// On m0's g0, after every other M has exited.
void unwind_abandoned(Sched& s, M* m) {
  s.tracing.store(false, std::memory_order_relaxed);  // the run is over: nothing more to trace
  // Forget every queue (the Gs in them are found in allg); no P is idle, so
  // wakep never tries to start an M; m0 runs everything on P0.
  for (auto& pp : s.allp) {
    bool inherit = false;
    while (pp->runq.get(&inherit)) {
    }
    LockGuard l(pp->timers_lock);
    pp->timers.clear();
    pp->timer0_when.store(0, std::memory_order_release);
  }
  s.runqhead = s.runqtail = nullptr;
  s.runqsize.store(0, std::memory_order_release);
  s.pidle = nullptr;
  s.npidle.store(0, std::memory_order_release);
  s.nmspinning.store(0, std::memory_order_release);
  P* p = s.allp[0].get();
  m->p = p;
  p->m = m;
  p->status.store(PStatus::Running, std::memory_order_release);

  unlink_all_waiters(p);
  std::vector<G*> gs;
  {
    LockGuard l(s.glock);
    for (auto& g : s.allg) gs.push_back(g.get());
  }
  for (G* gp : gs) {
    if (gp->status.load(std::memory_order_acquire) == GStatus::Dead) continue;
    if (!gp->started) free_unstarted(gp);
    else gp->unwind = kUnwindRequested;
  }
  // Newest first (G structs are recycled, so allg is not in goid order).
  std::sort(gs.begin(), gs.end(), [](const G* a, const G* b) { return a->goid > b->goid; });
  for (G* gp : gs) {
    if (gp->unwind == kUnwindRequested) unwind_resume(m, p, gp);
    unwind_drain(m, p);
  }

  // Left blocked by a destructor (or after swallowing the exception): unlink
  // what they wait on, so that nothing points into their stacks after the run.
  bool stuck = false;
  {
    LockGuard l(s.glock);
    for (auto& g : s.allg) {
      if (g->status.load(std::memory_order_acquire) == GStatus::Dead) continue;
      stuck = true;
      s.unwind_stuck++;
      std::fprintf(stderr,
                   "gosim: goroutine %lld blocked while being unwound at the end of the run (in a destructor, or it "
                   "swallowed rt::GoroutineUnwind): its remaining frames are not destroyed\n",
                   static_cast<long long>(g->goid));
    }
  }
  if (stuck) {
    unlink_all_waiters(p);
    bool inherit = false;
    while (p->runq.get(&inherit)) {
    }
  }
  for (auto& pp : s.allp) {
    LockGuard l(pp->timers_lock);
    pp->timers.clear();
    pp->timer0_when.store(0, std::memory_order_release);
  }
  m->p = nullptr;
  p->m = nullptr;
  p->status.store(PStatus::Idle, std::memory_order_release);
}

void wait_object_push(WaitNode* n, void* obj, bool is_chan) {
  n->obj = obj;
  n->is_chan = is_chan;
  WaitObjects& w = wait_objects();
  LockGuard l(w.lock);
  wn_push(&w.live, n);
}

}  // namespace

void wait_object_add(WaitNode* n, Chan* c) { wait_object_push(n, c, true); }
void wait_object_add(WaitNode* n, Sema* s) { wait_object_push(n, s, false); }

void wait_object_retire(WaitNode* n, bool has_waiters, void (*free_fn)(void*), void* owner) {
  WaitObjects& w = wait_objects();
  {
    LockGuard l(w.lock);
    wn_unlink(n);
    if (has_waiters && free_fn && sched != nullptr) {
      n->free_fn = free_fn;
      n->owner = owner;
      wn_push(&w.retired, n);
      return;
    }
  }
  if (free_fn) free_fn(owner);
}

// ---------------------------------------------------------------- run lifecycle

namespace {

void* mstart(void* arg) {
  M* m = static_cast<M*>(arg);
  set_current_m(m);
  fiber_init_thread(m->g0);
  if (m->is_sysmon) {
    sysmon_main();
  } else {
    if (P* p = m->nextp) {
      m->nextp = nullptr;
      acquirep(p);
      if (m->spinning) trace_event(EventKind::MSpin, Why::SpinLookForWork, 0, nullptr, p);
    }
    schedule_loop();
  }
  fiber_destroy(m->g0);
  set_current_m(nullptr);
  return nullptr;
}

}  // namespace

Sched::Sched(const RunOptions& o)
    : opts(o), stacks(StackConfig{.stack_size = o.stack_size, .stacks_per_slab = 256, .guarded_stacks = 4096,
                                  .cache_watermark = 1024}) {
  gomaxprocs = static_cast<std::int32_t>(std::max<std::int64_t>(1, o.config.gomaxprocs));
  for (std::int32_t i = 0; i < gomaxprocs; i++) {
    allp.push_back(std::make_unique<P>());
    allp.back()->id = i;
  }
  // allm never reallocates during a run (finish_run walks it without the lock).
  allm.resize(static_cast<std::size_t>(std::max<std::int64_t>(o.config.constants.max_threads, 1) + 2));
  abort_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Sched::~Sched() {
  if (abort_fd >= 0) ::close(abort_fd);
}

trace::RunOutcome run_main(Sched& s, void (*main_fn)(G*), void* arg, std::int64_t u0, std::int64_t u1) {
  sched = &s;
  s.start = nanotime();
  s.tracing.store(s.opts.tracing, std::memory_order_relaxed);
  s.lastpoll.store(s.start, std::memory_order_relaxed);
  s.netpoll = std::make_unique<Netpoll>();
  s.gc = std::make_unique<GcState>(s.cfg());
  coprimes.clear();
  for (std::uint32_t i = 1; i <= static_cast<std::uint32_t>(s.gomaxprocs); i++)
    if (std::gcd(i, static_cast<std::uint32_t>(s.gomaxprocs)) == 1) coprimes.push_back(i);

  // m0: the calling thread, holding P0.
  s.allm[0] = std::make_unique<M>();
  M* m0 = s.allm[0].get();
  m0->id = s.mcreated++;
  m0->fastrand = scenario::rng_for(s.cfg().seed ^ 0x5eed, 1);
  s.tracebufs.push_back(std::make_unique<TraceBuf>());
  m0->trace = s.tracebufs.back().get();
  m0->trace->tclock = std::make_shared<TraceClock>();
  m0->trace->mid = m0->id;
  if (s.opts.tracing) m0->trace->tclock->begin(s.start, TraceClock::tsc_usable());
  s.mcount = 1;
  s.allm_count.store(1, std::memory_order_release);
  M* saved = current_m();
  set_current_m(m0);
  fiber_init_thread(m0->g0);
  for (std::int32_t i = s.gomaxprocs - 1; i >= 1; i--) pidleput(s.allp[static_cast<std::size_t>(i)].get());
  trace_event_m(EventKind::MStart, Why::None, 0, -1, nullptr, m0->id, 1);
  acquirep(s.allp[0].get());
  trace_event(EventKind::Counter, Why::None, R(trace::CounterId::HeapGoal), nullptr, nullptr, s.gc->goal());

  G* main_g = newproc(main_fn, arg, u0, u1);
  main_g->is_main = true;
  newm(nullptr, false, true);  // sysmon
  s.mainStarted.store(true, std::memory_order_relaxed);
  schedule_loop();

  // The run is over: every M leaves its loop (finish_run woke them all).
  sched->lock.lock();
  std::size_t n = s.allm_count.load(std::memory_order_acquire);
  sched->lock.unlock();
  for (std::size_t i = 0; i < n; i++) {
    M* m = s.allm[i].get();
    if (m->has_thread) pthread_join(m->thread, nullptr);
  }
  if (s.opts.tracing) m0->trace->tclock->end();  // every M is gone: no more stamps
  s.outcome.engine_events = 0;
  for (auto& b : s.tracebufs) s.outcome.engine_events += b->count;
  // Unwind every G still parked or runnable, on m0 (above).
  unwind_abandoned(s, m0);
  free_retired();
  fiber_destroy(m0->g0);
  set_current_m(saved);
  // Every G is dead (or left blocked by a destructor): stacks back to the pool.
  for (auto& g : s.allg) {
    if (g->status.load() != GStatus::Dead) {
      fiber_destroy(g->fiber);
      if (g->arg && s.drop_arg) s.drop_arg(g->arg);
      g->arg = nullptr;
      if (g->pd.fd >= 0) ::close(g->pd.fd);
      g->pd.fd = -1;
    }
    s.stacks.free(g->stack);
  }
  s.allg.clear();
  trace::RunOutcome out = s.outcome;
  s.netpoll.reset();
  return out;
}

}  // namespace gosim::runtime
