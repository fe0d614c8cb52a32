// The simulated Go 1.19 scheduler: engine, schedule() and findRunnable().
//
// Design
// ------
// gosim's sim mode is a discrete-event simulation in integer nanoseconds of
// virtual time, on one thread. The things that take time are Ms (threads):
// an M runs a G's op, runs the scheduler, sits in a syscall, blocks in
// netpoll, or parks. Each M has at most one pending event in the future-event
// set (q_, a short vector sorted by (time, sequence number), later events in
// the heap far_; equal times
// are processed in the order they were scheduled: the order is total and
// deterministic). sysmon has its own timeline (who = -1). An event carries the
// generation of its M; cancelling an M's event (async preemption, an earlier
// netpoll wake-up) is a generation bump, and stale entries are skipped.
//
// Gs live in one table of compact slots (sched.h: G, 136 bytes; slab.h: fixed
// chunks that never move) reused through a free list like Go's gFree; run queues are rings of slot numbers
// (runq.h) and an intrusive global FIFO; wait queues are lists of sudogs from
// a pool. Nothing allocates per G beyond its slot, nothing formats strings on
// the hot path, and the sink sees only trace events.
//
// Every mechanism follows go-runtime-model.md point by point and names the Go
// function it mirrors (docs/model.md lists them with their simplifications):
//   schedule/findRunnable/execute ............ this file
//   runqput/runqget/runqsteal/globrunqget ..... runq.h, this file
//   stealWork ................................. steal.cpp
//   wakep/startm/stopm/handoffp/injectglist ... this file
//   entersyscall/exitsyscall .................. syscall.cpp
//   sysmon/retake/preemptone .................. sysmon.cpp
//   netpoll ................................... netpoll.cpp
//   per-P timers, checkTimers ................. timers.cpp
//   channels, select .......................... chan.cpp
//   sync.Mutex, WaitGroup ..................... sync.cpp
//   GC pacer, STW, mark workers, assists ...... gc.cpp
//   the op interpreter, goroutine dumps ....... exec.cpp
//
// Invariants
// ----------
// - A P is in exactly one state: Idle (on pidle_, or reserved as some M's
//   nextp), Running (p.m owns it), Syscall (p.m is in a syscall, anyone may
//   take it), GCStop (stopped for a STW).
// - An M in Running holds a P; Syscall, Netpoll, Idle and Waking Ms hold none
//   (Waking Ms have nextp). Only one M is in Netpoll (lastpoll_ == 0 token).
// - nmspinning_ counts Ms marked spinning plus the one wakep has promised;
//   wakep starts an M only if no M spins (Go 1.19 rule, §3.6).
// - A G is Running iff it is some M's curg and not in a syscall; Runnable iff
//   it is on exactly one run queue (runnext, a local ring, or the global one).
// - Effects happen at the time of the event; an op's cost is the time until
//   the M's next event. Trace events are emitted in nondecreasing time.
// - The run ends when goroutine 1 returns (like Go's main), on a deadlock
//   (checkdead), a panic or fatal error, or a limit.
#include "sim/sched.h"

#include <algorithm>
#include <fmt/format.h>

namespace gosim::sim {

using trace::BlockReason;
using trace::CounterId;
using trace::HandoffReason;
using trace::PreemptReason;
using trace::ProcStopReason;
using trace::Queue;
using Status = trace::RunOutcome::Status;

namespace {
constexpr int kCounterIds = static_cast<int>(CounterId::HeapGoal) + 1;
constexpr std::int64_t kWatchedRunqsFrom = 8;  // more Ps than this: flush only changed local queues
}  // namespace

Sched::Sched(const scenario::Program& program, trace::TraceSink& sink)
    : prog_(program), cfg_(program.scenario->config), sink_(sink) {
  const auto nprocs = static_cast<std::int32_t>(cfg_.gomaxprocs);
  ps_.reserve(static_cast<std::size_t>(nprocs));
  for (std::int32_t i = 0; i < nprocs; ++i) {
    ps_.emplace_back(cfg_.constants.local_runq_size);
    ps_.back().id = i;
  }
  rng_ = scenario::rng_for(cfg_.seed, 0);  // goids start at 1: stream 0 is the scheduler's
  steal_order_.reset(nprocs);
  chans_.resize(program.scenario->channels.size());
  for (std::size_t i = 0; i < chans_.size(); ++i) chans_[i].cap = program.scenario->channels[i].capacity;
  mutexes_.resize(program.scenario->mutexes.size());
  wgs_.resize(program.scenario->waitgroups.size());
  heap_retained_ = heap_live_ = heap_marked_ = cfg_.gc.initial_live_heap;
  gc_set_goal();
  last_counter_.assign(static_cast<std::size_t>(kCounterIds + nprocs), -1);
  // With a few Ps the flush compares every queue (cheaper than keeping
  // bits); with more, only the queues that changed. Every P's queue length
  // is reported at the first flush (all bits set).
  if (nprocs > kWatchedRunqsFrom) {
    runq_changed_.assign((static_cast<std::size_t>(nprocs) + 63) / 64, ~std::uint64_t{0});
    for (P& p : ps_) {
      p.runq.watch(&runq_changed_[static_cast<std::size_t>(p.id) / 64], std::uint64_t{1} << (p.id % 64));
    }
  }
  sm_delay_ = cfg_.constants.sysmon_min_delay;
}

// ---------------------------------------------------------------- engine

// The future-event set holds one event per busy M and sysmon's (plus
// cancelled ones until they come up): a handful in the benchmarks, at most a
// few thousand with every M in a syscall. A vector sorted latest-first pops
// with pop_back and takes an event earlier than all others (the common case:
// the M that just ran continues first) with push_back, both inline; a binary
// heap paid a sift and a hard-to-predict compare on most events. Insertion
// elsewhere is a binary search and a short move. With thousands of Ms in
// syscalls that move would cost O(n) per event, so q_ keeps at most
// kSortedMax events and the later ones go to far_, a binary heap (O(log n));
// when q_ runs dry it takes the next kRefill from far_. Either way events
// come out in (t, seq) order.
namespace {
constexpr std::size_t kSortedMax = 64, kRefill = 32;
struct Later {
  bool operator()(const QEvent& a, const QEvent& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
};
}  // namespace

void Sched::push_slow(Nanos t, std::int32_t who, std::uint32_t gen) {
  QEvent e{t, seq_++, who, gen};
  if (q_.empty()) {
    if (far_.empty()) {
      q_.push_back(e);
      return;
    }
    refill();
  }
  // e has the largest seq: it is later than q_.front() iff t >= its t.
  if (!far_.empty() && t >= q_.front().t) {
    far_.push_back(e);
    std::push_heap(far_.begin(), far_.end(), Later{});
    return;
  }
  // It goes before (nearer the front than) every event with t' <= t.
  auto pos = std::upper_bound(q_.begin(), q_.end(), t, [](Nanos v, const QEvent& x) { return v >= x.t; });
  q_.insert(pos, e);
  if (q_.size() > kSortedMax) {
    // The latest of q_ is earlier than all of far_: it becomes far_'s minimum.
    far_.push_back(q_.front());
    std::push_heap(far_.begin(), far_.end(), Later{});
    q_.erase(q_.begin());
  }
}

// q_ is empty: move the earliest events of far_ into it, latest first.
void Sched::refill() {
  for (std::size_t i = 0; i < kRefill && !far_.empty(); ++i) {
    std::pop_heap(far_.begin(), far_.end(), Later{});
    q_.push_back(far_.back());
    far_.pop_back();
  }
  std::reverse(q_.begin(), q_.end());
}

void Sched::emit(EventKind k, Why why, std::int32_t g, std::int32_t p, std::int32_t m, std::int64_t a0,
                 std::int64_t a1, std::int64_t a2, std::uint8_t reason) {
  trace::Event e;
  e.t = now_;
  e.kind = k;
  e.reason = reason;
  e.why = why;
  e.g = gid(g);
  e.p = p;
  e.m = m;
  e.a0 = a0;
  e.a1 = a1;
  e.a2 = a2;
  sink_.event(e);
}

void Sched::flush_counters() {
  // Runs once per distinct timestamp: compare first, build an event only
  // for a counter that changed.
  std::int64_t* last = last_counter_.data();
  auto put = [&](std::size_t slot, CounterId id, std::int32_t p, std::int64_t v) {
    if (last[slot] == v) return;
    last[slot] = v;
    sink_.event(trace::Event{now_, EventKind::Counter, static_cast<std::uint8_t>(id), Why::None, -1, p, -1, v, 0, 0});
  };
  put(0, CounterId::GlobalRunq, -1, grunq_.size());
  put(2, CounterId::Threads, -1, mcount_);
  put(3, CounterId::IdleThreads, -1, static_cast<std::int64_t>(midle_.size()));
  put(4, CounterId::SpinningMs, -1, nmspinning_);
  put(5, CounterId::IdlePs, -1, static_cast<std::int64_t>(pidle_.size()));
  put(6, CounterId::Goroutines, -1, live_gs_);
  put(7, CounterId::RunnableGs, -1, runnable_);
  put(8, CounterId::HeapLive, -1, heap_live_);
  put(9, CounterId::HeapGoal, -1, cfg_.mechanisms.gc ? heap_goal_ : 0);
  if (runq_changed_.empty()) {
    for (const P& p : ps_) put(kCounterIds + static_cast<std::size_t>(p.id), CounterId::LocalRunq, p.id, p.runq.size());
    return;
  }
  // Only the Ps whose queue changed (LocalRunq::watch), in P order: at
  // GOMAXPROCS=32, comparing every queue at every timestamp was a fifth of
  // the run.
  for (std::size_t w = 0; w < runq_changed_.size(); ++w) {
    for (std::uint64_t bits = runq_changed_[w]; bits != 0; bits &= bits - 1) {
      const std::size_t id = w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
      if (id >= ps_.size()) break;
      put(kCounterIds + id, CounterId::LocalRunq, static_cast<std::int32_t>(id), ps_[id].runq.size());
    }
    runq_changed_[w] = 0;
  }
}

void Sched::fail(Status st, std::string message) {
  if (done_) return;
  done_ = true;
  outcome_.status = st;
  outcome_.message = std::move(message);
}

void Sched::limit(const char* what, const char* key, std::int64_t value) {
  fail(Status::LimitExceeded,
       fmt::format("gosim: limit exceeded: {} (the limit is {}; raise it with --set {}=<value>)", what,
                   value, key));
}

trace::RunOutcome Sched::run() {
  // m0 with P0 runs the main goroutine (runtime.main).
  M& m0 = ms_.emplace_back();
  m0.id = 0;
  m0.status = MStatus::Running;
  mcount_ = 1;
  threads_created_ = 1;
  emit(EventKind::MStart, Why::None, kNoG, 0, 0, mcount_);
  for (std::int32_t i = static_cast<std::int32_t>(ps_.size()) - 1; i >= 1; --i) pidleput(i);
  acquirep(m0, 0);

  std::int32_t slot = 0;
  gs_.emplace_back();
  G& g = gs_[0];
  g.goid = next_goid_++;
  g.fn = static_cast<std::int16_t>(prog_.scenario->entry);
  g.cur = scenario::start_cursor(prog_, g.fn, 0);
  if (prog_.loop_depth[static_cast<std::size_t>(g.fn)] > 0) g.cold = cold_new();
  g.rng = scenario::rng_for(cfg_.seed, static_cast<std::uint64_t>(g.goid));
  g.status = GStatus::Runnable;
  ++runnable_;
  ++live_gs_;
  emit(EventKind::GoCreate, Why::None, slot, 0, 0, -1, g.fn, 0);
  runqput(ps_[0], slot, true);
  at(m0, 0, MAct::Schedule);
  push(sm_delay_, -1, ++sm_gen_);

  const Nanos max_t = cfg_.limits.max_virtual_time;
  const std::int64_t max_events = cfg_.limits.max_events;
  while (!done_) {
    QEvent ev;
    if (q_.empty()) [[unlikely]] {
      if (far_.empty()) {
        fail(Status::Error, "gosim: internal error: the simulation has no pending events");
        break;
      }
      refill();
    }
    ev = q_.back();
    q_.pop_back();
    M* m = nullptr;
    if (ev.who >= 0) {
      m = &ms_[static_cast<std::size_t>(ev.who)];
      if (ev.gen != m->gen) continue;
    } else if (ev.gen != sm_gen_) {
      continue;
    }
    if (ev.t != now_) {
      flush_counters();
      if (ev.t > max_t) {
        limit(fmt::format("simulated time passed {}", format_duration(max_t)).c_str(),
              "limits.max_virtual_time", max_t);
        break;
      }
      now_ = ev.t;
    }
    if (++engine_events_ > max_events) {
      limit("the run processed too many engine events", "limits.max_events", max_events);
      break;
    }
    if (m) {
      dispatch_m(*m);
    } else {
      sysmon_tick();
    }
  }
  flush_counters();
  outcome_.end_time = now_;
  outcome_.engine_events = engine_events_;
  return outcome_;
}

void Sched::dispatch_m(M& m) {
  MAct act = m.act;
  m.act = MAct::None;
  switch (act) {
    case MAct::RunG:
      step_g(m);
      return;
    case MAct::Schedule:
      schedule(m);
      return;
    case MAct::FindAgain:
      m.searched = true;
      schedule(m);
      return;
    case MAct::StealRunnext: {
      // runqgrab after usleep(3): the victim had its chance to run runnext.
      P& v = ps_[static_cast<std::size_t>(m.victim)];
      m.victim = -1;
      m.searched = true;
      if (!gcwaiting_ && v.runq.size() == 0 && v.runq.runnext() != kNoG) {
        std::int64_t stolen = 0;
        P& me = ps_[static_cast<std::size_t>(m.p)];
        std::int32_t g = me.runq.steal_from(v.runq, true, &stolen, grunq_);
        emit(EventKind::ProcSteal, Why::ProcStealGot, g, me.id, m.id, v.id, stolen, 1);
        if (m.spinning) resetspinning(m);
        execute(m, g, false, Why::StartSteal, 0);
        return;
      }
      schedule(m);
      return;
    }
    case MAct::SyscallReturn:
      exitsyscall(m);
      return;
    case MAct::Wake: {
      m.status = MStatus::Running;
      std::int32_t p = m.nextp;
      m.nextp = -1;
      acquirep(m, p);
      if (m.spinning) emit(EventKind::MSpin, Why::SpinLookForWork, kNoG, p, m.id);
      schedule(m);
      return;
    }
    case MAct::NetpollReturn:
      netpoll_return(m);
      return;
    case MAct::StartWorld:
      start_the_world(m);
      return;
    case MAct::WorkerChunk:
      gc_worker_chunk_done(m);
      return;
    case MAct::AssistDone:
      mark_outstanding_ -= m.chunk;
      m.chunk = 0;
      emit(EventKind::GCMarkAssistDone, Why::None, m.curg, m.p, m.id);
      if (gc_phase_ == GcPhase::Mark && mark_unclaimed_ == 0 && mark_outstanding_ == 0) {
        gc_mark_maybe_done(m);
        return;
      }
      step_g(m);
      return;
    case MAct::None:
      return;
  }
}

// ---------------------------------------------------------------- schedule

// proc.go:schedule: find a G (findRunnable), stop spinning, execute it.
void Sched::schedule(M& m) {
  bool parked = false;
  Found f = find_runnable(m, &parked);
  if (parked || f.g == kNoG) return;
  if (m.spinning) resetspinning(m);
  execute(m, f.g, f.inherit, f.why, f.delay);
}

// proc.go:execute. A new time slice unless the G inherits it (runnext).
void Sched::execute(M& m, std::int32_t gi, bool inherit, Why why, Nanos delay) {
  P& p = ps_[static_cast<std::size_t>(m.p)];
  G& g = gs_[static_cast<std::size_t>(gi)];
  if (!inherit) {
    ++p.schedtick;
    p.slice_start = now_;
  }
  g.status = GStatus::Running;
  g.m = m.id;
  --runnable_;
  m.curg = gi;
  m.searched = false;
  emit(EventKind::GoStart, why, gi, p.id, m.id);
  at(m, now_ + delay, MAct::RunG);
}

// proc.go:resetspinning: a spinning M that found work wakes another.
void Sched::resetspinning(M& m) {
  m.spinning = false;
  --nmspinning_;
  emit(EventKind::MSpinStop, Why::SpinFoundWork, kNoG, m.p, m.id, 1);
  wakep();
}

// proc.go:findRunnable (Go 1.19 order, §3.3). Returns a G to run, or sets
// *parked when the M has moved on (parked, spinning window, mark worker,
// blocking netpoll, stopped for GC).
Found Sched::find_runnable(M& m, bool* parked) {
  const auto& mech = cfg_.mechanisms;
  const auto& k = cfg_.constants;
  *parked = false;
  for (;;) {
    P& p = ps_[static_cast<std::size_t>(m.p)];
    Nanos delay = 0;
    // 1. A stop-the-world is pending: give the P to it (gcstopm).
    if (gcwaiting_) {
      gcstopm(m);
      *parked = true;
      return {};
    }
    // 2. checkTimers: run this P's expired timers.
    if (!p.timers.empty() && p.timers.front().when <= now_) {
      delay += check_timers(p, p) * cfg_.costs.timer;
    }
    // 4. GC mark worker (dedicated or fractional).
    if (gc_phase_ == GcPhase::Mark && gc_find_worker(m)) {
      *parked = true;
      return {};
    }
    // 5. Fairness: one G from the global queue every 61 schedticks.
    if (mech.fairness_check && !grunq_.empty() &&
        p.schedtick % static_cast<std::uint64_t>(k.fairness_tick) == 0) {
      return {globrunqget(p, 1), false, Why::StartFairness, delay};
    }
    // 7. Local run queue, runnext first.
    bool inherit = false;
    std::int32_t g = p.runq.get(&inherit);
    if (g != kNoG) {
      // The G after it runs a few events from now; with a million queued
      // Gs its slot is no longer in cache (a run queue readied in reverse,
      // as closechan does, defeats the hardware prefetcher).
      if (const std::int32_t next = p.runq.peek(); next != kNoG) __builtin_prefetch(&gs_[static_cast<std::size_t>(next)]);
      return {g, inherit, inherit ? Why::StartRunnext : Why::StartLocal, delay};
    }
    // 8. Global run queue, a batch.
    if (!grunq_.empty()) return {globrunqget(p, 0), false, Why::StartGlobal, delay};
    // 9. Non-blocking netpoll, if anyone ever waited on the network and no M
    //    is blocked in netpoll.
    if (netpoll_waiters_ && lastpoll_ != 0) {
      delay += cfg_.costs.netpoll;
      scratch_.clear();
      netpoll(scratch_, m.id);
      if (!scratch_.empty()) {
        std::vector<std::int32_t> list(scratch_.begin(), scratch_.end());
        std::int32_t first = list.front();
        list.erase(list.begin());
        G& fg = gs_[static_cast<std::size_t>(first)];
        fg.status = GStatus::Runnable;
        ++fg.wait_seq;
        ++runnable_;
        emit(EventKind::GoUnblock, Why::WakeNetpoll, first, p.id, m.id, -1, 0, 0,
             static_cast<std::uint8_t>(Queue::Direct));
        injectglist(list, &m, Why::WakeNetpoll);
        return {first, false, Why::StartNetpoll, delay};
      }
    }
    // 10. Steal, if this M spins already or the spinning limit allows it.
    const auto nprocs = static_cast<std::int64_t>(ps_.size());
    const auto npidle = static_cast<std::int64_t>(pidle_.size());
    bool may_steal = !mech.spinning || m.spinning || 2 * nmspinning_ < nprocs - npidle;
    if (may_steal) {
      if (mech.spinning && !m.spinning) {
        m.spinning = true;
        ++nmspinning_;
        emit(EventKind::MSpin, Why::SpinLookForWork, kNoG, p.id, m.id);
      }
      bool ran_timers = false;
      Found f = steal_work(m, &ran_timers);
      delay += f.delay;
      if (f.g != kNoG) {
        f.delay = delay;
        return f;
      }
      if (m.victim >= 0) {
        at(m, now_ + delay + k.runnext_steal_backoff, MAct::StealRunnext);
        *parked = true;
        return {};
      }
      if (ran_timers) continue;
      if (mech.spinning && !m.searched) {
        // The search took time; look once more at its end before giving up.
        at(m, now_ + std::max<Nanos>(delay, 1), MAct::FindAgain);
        *parked = true;
        return {};
      }
    }
    // 11. Idle-priority mark worker instead of giving up the P.
    if (gc_phase_ == GcPhase::Mark && mark_unclaimed_ > 0 && gc_find_worker(m)) {
      *parked = true;
      return {};
    }
    // 12. Give up the P, re-checking the global queue under sched.lock.
    if (!grunq_.empty()) return {globrunqget(p, 0), false, Why::StartGlobal, delay};
    const bool was_spinning = m.spinning;
    std::int32_t pid = releasep(m, ProcStopReason::Idle);
    pidleput(pid);
    m.searched = false;
    // 13. Spinning -> idle: decrement first, then re-check every P's queue.
    if (was_spinning) {
      m.spinning = false;
      --nmspinning_;
      emit(EventKind::MSpinStop, Why::SpinGiveUp, kNoG, pid, m.id, 0);
      bool again = false;
      // (Only a thief can use another P's queue: skipped without stealing.)
      for (const P& q : ps_) {
        if (!mech.work_stealing) break;
        if (q.status != PStatus::Idle && !q.runq.empty()) {
          std::int32_t np = pidleget();
          if (np >= 0) {
            acquirep(m, np);
            m.spinning = true;
            ++nmspinning_;
            emit(EventKind::MSpin, Why::SpinLookForWork, kNoG, np, m.id);
            again = true;
          }
          break;
        }
      }
      if (again) continue;
    }
    // 14. Block in netpoll until the next timer or network readiness.
    Nanos until = earliest_timer();
    if (lastpoll_ != 0 && (until < kForever || !netq_.empty())) {
      netpoll_block(m, until);
      *parked = true;
      return {};
    }
    // 16. stopm.
    stopm(m);
    *parked = true;
    return {};
  }
}

// ---------------------------------------------------------------- Ps and Ms

void Sched::acquirep(M& m, std::int32_t pid) {
  P& p = ps_[static_cast<std::size_t>(pid)];
  p.status = PStatus::Running;
  p.m = m.id;
  m.p = pid;
  emit(EventKind::ProcStart, Why::None, kNoG, pid, m.id);
}

std::int32_t Sched::releasep(M& m, ProcStopReason why) {
  std::int32_t pid = m.p;
  P& p = ps_[static_cast<std::size_t>(pid)];
  p.m = -1;
  m.p = -1;
  emit(EventKind::ProcStop, why == ProcStopReason::Idle ? Why::ProcIdleNoWork : Why::None, kNoG, pid, m.id,
       0, 0, 0, static_cast<std::uint8_t>(why));
  return pid;
}

void Sched::pidleput(std::int32_t pid) {
  P& p = ps_[static_cast<std::size_t>(pid)];
  p.status = PStatus::Idle;
  p.m = -1;
  pidle_.push_back(pid);
}

std::int32_t Sched::pidleget() {
  if (pidle_.empty()) return -1;
  std::int32_t pid = pidle_.back();
  pidle_.pop_back();
  return pid;
}

// proc.go:wakep (1.19): only if an idle P exists and no M is spinning.
void Sched::wakep() {
  if (pidle_.empty()) return;
  if (!cfg_.mechanisms.spinning) {
    // No spinning Ms to rely on: wake an M for every idle P that work may need.
    startm(-1, false);
    return;
  }
  if (nmspinning_ != 0) return;
  ++nmspinning_;
  startm(-1, true);
}

// proc.go:startm: an idle M (LIFO) or a new one runs P (or an idle P).
std::int32_t Sched::startm(std::int32_t pid, bool spinning) {
  if (pid < 0) {
    pid = pidleget();
    if (pid < 0) {
      if (spinning) --nmspinning_;
      return -1;
    }
  }
  if (!midle_.empty()) {
    std::int32_t id = midle_.back();
    midle_.pop_back();
    M& m = ms_[static_cast<std::size_t>(id)];
    m.status = MStatus::Waking;
    m.nextp = pid;
    m.spinning = spinning;
    ps_[static_cast<std::size_t>(pid)].m = id;
    emit(EventKind::MUnpark, Why::MReuseIdle, kNoG, pid, id);
    at(m, now_ + cfg_.costs.m_wake, MAct::Wake);
    return id;
  }
  return newm(pid, spinning);
}

// proc.go:newm + checkmcount.
std::int32_t Sched::newm(std::int32_t pid, bool spinning) {
  if (mcount_ + 1 > cfg_.constants.max_threads) {
    fail(Status::Error, fmt::format("runtime: program exceeds {}-thread limit\nfatal error: thread exhaustion",
                                    cfg_.constants.max_threads));
    return -1;
  }
  auto id = static_cast<std::int32_t>(ms_.size());
  M& m = ms_.emplace_back();
  m.id = id;
  m.status = MStatus::Waking;
  m.nextp = pid;
  m.spinning = spinning;
  ++mcount_;
  ++threads_created_;
  if (pid >= 0) ps_[static_cast<std::size_t>(pid)].m = id;
  emit(EventKind::MStart, Why::MNewNoIdle, kNoG, pid, id, mcount_);
  at(m, now_ + cfg_.costs.m_create, MAct::Wake);
  return id;
}

// proc.go:stopm: park on sched.midle (or exit without the thread cache).
void Sched::stopm(M& m) {
  m.spinning = false;
  m.searched = false;
  cancel(m);
  if (!cfg_.mechanisms.thread_cache) {
    m.status = MStatus::Dead;
    --mcount_;
    ++mdead_;
    emit(EventKind::MExit, Why::None, kNoG, -1, m.id);
  } else {
    m.status = MStatus::Idle;
    midle_.push_back(m.id);
    emit(EventKind::MPark, Why::MParkNoWork, kNoG, -1, m.id);
  }
  checkdead();
}

// proc.go:handoffp (1.19 rules in order, §3.8).
void Sched::handoffp(std::int32_t pid, std::int32_t from_m, HandoffReason reason) {
  P& p = ps_[static_cast<std::size_t>(pid)];
  const Why why = reason == HandoffReason::SyscallRetake   ? Why::HandoffRetake
                  : reason == HandoffReason::SyscallBlock ? Why::HandoffBlockingSyscall
                                                           : Why::HandoffSTW;
  auto give = [&](bool spinning) {
    std::int32_t to = startm(pid, spinning);
    emit(EventKind::HandoffP, why, kNoG, pid, to, from_m, 0, 0, static_cast<std::uint8_t>(reason));
  };
  // 1. It has local work, or there is global work.
  if (!p.runq.empty() || !grunq_.empty()) return give(false);
  // 3. Mark work the P could do.
  if (gc_phase_ == GcPhase::Mark && mark_unclaimed_ > 0) return give(false);
  // 4. Nobody spins and no P is idle: someone must look for work.
  if (cfg_.mechanisms.spinning && nmspinning_ + static_cast<std::int64_t>(pidle_.size()) == 0) {
    ++nmspinning_;
    return give(true);
  }
  // 5. A stop-the-world is pending.
  if (gcwaiting_) {
    p.status = PStatus::GCStop;
    p.m = -1;
    emit(EventKind::HandoffP, Why::HandoffSTW, kNoG, pid, -1, from_m, 0, 0,
         static_cast<std::uint8_t>(HandoffReason::STW));
    if (--stopwait_ == 0) stw_note_stopped();
    return;
  }
  // 8. The last running P and nobody polls the network.
  if (static_cast<std::int64_t>(pidle_.size()) == static_cast<std::int64_t>(ps_.size()) - 1 && lastpoll_ != 0) {
    return give(false);
  }
  // 9. Idle it; its timers need the poller to wake in time.
  pidleput(pid);
  emit(EventKind::HandoffP, why, kNoG, pid, -1, from_m, 0, 0, static_cast<std::uint8_t>(reason));
  if (!p.timers.empty()) wake_netpoller(p.timers.front().when);
}

// ---------------------------------------------------------------- run queues

void Sched::runqput(P& p, std::int32_t g, bool next) {
  if (p.runq.put(g, next && cfg_.mechanisms.runnext, grunq_)) {
    // runqputslow moved half the ring and g to the global queue: say so.
    last_counter_[0] = grunq_.size();
    trace::Event e;
    e.t = now_;
    e.kind = EventKind::Counter;
    e.reason = static_cast<std::uint8_t>(CounterId::GlobalRunq);
    e.why = Why::OverflowToGlobal;
    e.p = -1;  // a global counter
    e.a0 = grunq_.size();
    sink_.event(e);
  }
}

// proc.go:globrunqget: a batch; the first runs, the rest go to the local queue.
std::int32_t Sched::globrunqget(P& p, std::int64_t max) {
  std::int64_t n = globrunq_batch(grunq_.size(), static_cast<std::int64_t>(ps_.size()), p.runq.cap(), max);
  std::int32_t g = grunq_.get();
  for (std::int64_t i = 1; i < n; ++i) runqput(p, grunq_.get(), false);
  return g;
}

// proc.go:ready/goready: to the readier's P (runnext), then wakep.
void Sched::ready(std::int32_t gi, std::int32_t waker, Why why, bool next, std::int32_t pid) {
  G& g = gs_[static_cast<std::size_t>(gi)];
  g.status = GStatus::Runnable;
  g.wait_obj = -1;
  ++g.wait_seq;
  ++runnable_;
  next = next && cfg_.mechanisms.runnext;
  emit(EventKind::GoUnblock, why, gi, pid, pid >= 0 ? ps_[static_cast<std::size_t>(pid)].m : -1, gid(waker), 0, 0,
       static_cast<std::uint8_t>(next ? Queue::Runnext : Queue::Local));
  runqput(ps_[static_cast<std::size_t>(pid)], gi, next);
  wakep();
}

// proc.go:injectglist: idle Ps get Gs through the global queue (one M started
// per G while idle Ps remain); the rest go to the caller's local queue.
void Sched::injectglist(std::vector<std::int32_t>& list, M* m, Why why) {
  if (list.empty()) return;
  for (std::int32_t gi : list) {
    G& g = gs_[static_cast<std::size_t>(gi)];
    g.status = GStatus::Runnable;
    g.wait_obj = -1;
    ++g.wait_seq;
    ++runnable_;
  }
  std::size_t to_global = list.size();
  if (m && m->p >= 0) to_global = std::min(list.size(), pidle_.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::int32_t gi = list[i];
    if (i < to_global) {
      emit(EventKind::GoUnblock, why, gi, -1, m ? m->id : -1, -1, 0, 0, static_cast<std::uint8_t>(Queue::Global));
      grunq_.put(gi);
    } else {
      P& p = ps_[static_cast<std::size_t>(m->p)];
      emit(EventKind::GoUnblock, why, gi, p.id, m->id, -1, 0, 0, static_cast<std::uint8_t>(Queue::Local));
      runqput(p, gi, false);
    }
  }
  for (std::size_t i = 0; i < to_global && !pidle_.empty(); ++i) startm(-1, false);
  list.clear();
}

// ---------------------------------------------------------------- deadlock

bool Sched::any_m_running() const {
  return static_cast<std::int64_t>(ms_.size()) - static_cast<std::int64_t>(midle_.size()) - mdead_ > 0;
}

// proc.go:checkdead: no M is running and every goroutine waits.
void Sched::checkdead() {
  if (done_ || any_m_running()) return;
  if (runnable_ > 0) {
    fail(Status::Error, "fatal error: checkdead: runnable g (gosim internal error)");
    return;
  }
  fail(Status::Deadlock, "fatal error: all goroutines are asleep - deadlock!\n\n" + goroutine_dump());
}

// ---------------------------------------------------------------- G lifecycle

// proc.go:newproc: a new G in the creator's runnext, then wakep.
std::int32_t Sched::newproc(M& m, G& parent_ref, const scenario::Instr& in) {
  const std::int32_t parent_goid = static_cast<std::int32_t>(parent_ref.goid);
  const std::int64_t n = in.arg_uses_n ? parent_ref.cur.n + in.arg_k : in.arg_k;
  const std::int32_t depth = parent_ref.depth + 1;
  if (live_gs_ >= cfg_.limits.max_goroutines) {
    limit("too many goroutines alive at once", "limits.max_goroutines", cfg_.limits.max_goroutines);
    return kNoG;
  }
  if (depth > cfg_.limits.max_depth) {
    limit("goroutines nested too deeply (a go op chain longer than the limit)", "limits.max_depth",
          cfg_.limits.max_depth);
    return kNoG;
  }
  // gfget: a dead G from the free list (its goid is not reused), else malg.
  std::int32_t slot;
  std::uint32_t seq = 0;
  G* gp;
  if (!gfree_.empty()) {
    slot = gfree_.back();
    gfree_.pop_back();
    gp = &gs_[static_cast<std::size_t>(slot)];
    seq = gp->wait_seq + 1;  // old sudogs stay stale
  } else {
    slot = static_cast<std::int32_t>(gs_.size());
    gp = &gs_.emplace_back();
  }
  // Every field written once, in place: `G{}` plus assignments compiled to
  // a rep stos and a cursor built on the stack and copied (a store-forwarding
  // stall), a fifth of newproc's time in the fan-out. Same values as
  // G{} with start_cursor().
  static_assert(sizeof(G) == 64 && sizeof(scenario::Cursor) == 16, "newproc sets every field of G: update it");
  G& g = *gp;
  g.cur.n = n;
  g.cur.pc = prog_.entry_pc[static_cast<std::size_t>(in.target)];
  g.cur.loop_depth = 0;
  g.goid = next_goid_++;
  g.rng = scenario::rng_for(cfg_.seed, static_cast<std::uint64_t>(g.goid));
  g.m = -1;
  g.op_pc = -1;
  g.depth = depth;
  g.wait_obj = -1;
  g.wait_seq = seq;
  // A function with a repeat needs loop counters; others get a GCold only
  // if they come to need one (cold()).
  g.cold = prog_.loop_depth[static_cast<std::size_t>(in.target)] > 0 ? cold_new() : -1;
  g.fn = static_cast<std::int16_t>(in.target);
  g.select_arm = -1;
  g.status = GStatus::Runnable;
  g.wait_reason = 0;
  g.resume = Resume::None;
  g.preempt = false;
  g.panic_closed = false;
  g.in_compute = false;
  g.cold_work = false;
  ++runnable_;
  ++live_gs_;
  emit(EventKind::GoCreate, Why::None, slot, m.p, m.id, parent_goid, in.target, n);
  runqput(ps_[static_cast<std::size_t>(m.p)], slot, true);
  wakep();
  return slot;
}

// A zeroed GCold: from the free list, else a new slot.
std::int32_t Sched::cold_new() {
  if (gcold_free_.empty()) {
    gcold_.emplace_back();
    return static_cast<std::int32_t>(gcold_.size() - 1);
  }
  const std::int32_t c = gcold_free_.back();
  gcold_free_.pop_back();
  gcold_[static_cast<std::size_t>(c)] = GCold{};
  return c;
}

void Sched::cold_free(G& g) {
  if (g.cold < 0) return;
  gcold_free_.push_back(g.cold);
  g.cold = -1;
}

// proc.go:goexit1/goexit0.
void Sched::goexit(M& m) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  emit(EventKind::GoEnd, Why::GoExit, gi, m.p, m.id);
  if (g.cold >= 0) heap_retained_ -= gcold_[static_cast<std::size_t>(g.cold)].retained;
  if (g.goid == 1) {
    // main returned: the program exits, whatever other goroutines do.
    done_ = true;
    outcome_.status = Status::Ok;
    return;
  }
  g.status = GStatus::Dead;
  cold_free(g);
  --live_gs_;
  gfree_.push_back(gi);
  m.curg = -1;
  at(m, now_ + cfg_.costs.goexit + cfg_.costs.context_switch, MAct::Schedule);
}

// proc.go:gopark/park_m.
void Sched::gopark(M& m, BlockReason reason, Why why, std::int32_t obj, Nanos until) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  g.status = GStatus::Waiting;
  g.wait_reason = static_cast<std::uint8_t>(reason);
  g.wait_obj = obj;
  g.m = -1;
  emit(EventKind::GoBlock, why, gi, m.p, m.id, obj, until, 0, static_cast<std::uint8_t>(reason));
  m.curg = -1;
  at(m, now_ + cfg_.costs.context_switch, MAct::Schedule);
}

// proc.go:gopreempt_m -> goschedImpl: to the global queue (1.19: no wakep).
void Sched::gopreempt(M& m, PreemptReason reason, Why why) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  const Nanos ran = now_ - ps_[static_cast<std::size_t>(m.p)].slice_start;  // its slice, even if inherited
  emit(EventKind::GoPreempt, why, gi, m.p, m.id, ran, 0, 0, static_cast<std::uint8_t>(reason));
  g.status = GStatus::Runnable;
  g.m = -1;
  g.preempt = false;
  ++runnable_;
  grunq_.put(gi);
  m.curg = -1;
  at(m, now_ + cfg_.costs.context_switch, MAct::Schedule);
}

// proc.go:gosched_m: runtime.Gosched, to the global queue.
void Sched::gosched(M& m) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  emit(EventKind::GoSched, Why::GoschedToGlobal, gi, m.p, m.id);
  g.status = GStatus::Runnable;
  g.m = -1;
  ++runnable_;
  grunq_.put(gi);
  m.curg = -1;
  at(m, now_ + cfg_.costs.context_switch, MAct::Schedule);
}

// proc.go:goyield_m: to the tail of the local queue (semaphore hand-off).
void Sched::goyield(M& m) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  const Nanos ran = now_ - ps_[static_cast<std::size_t>(m.p)].slice_start;
  emit(EventKind::GoPreempt, Why::None, gi, m.p, m.id, ran, 0, 0,
       static_cast<std::uint8_t>(PreemptReason::Yield));
  g.status = GStatus::Runnable;
  g.m = -1;
  ++runnable_;
  runqput(ps_[static_cast<std::size_t>(m.p)], gi, false);
  m.curg = -1;
  at(m, now_ + cfg_.costs.context_switch, MAct::Schedule);
}

}  // namespace gosim::sim
