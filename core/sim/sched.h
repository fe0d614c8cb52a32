// The simulated scheduler: Gs, Ps, Ms, the global sched state and the
// future-event set. One class, its member functions split by concept over
// sched.cpp (engine, schedule, findRunnable, wakep/startm/stopm/handoffp),
// steal.cpp, syscall.cpp, sysmon.cpp, netpoll.cpp, timers.cpp, chan.cpp,
// sync.cpp (mutex, wait group), gc.cpp and exec.cpp (the op interpreter).
// The design and its invariants are described at the top of sched.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "scenario/format_limits.h"
#include "scenario/program.h"
#include "scenario/rng.h"
#include "sim/runq.h"
#include "sim/slab.h"
#include "sim/steal.h"
#include "trace/sink.h"

namespace gosim::sim {

using Nanos = std::int64_t;
using trace::EventKind;
using trace::Why;
inline constexpr Nanos kForever = INT64_MAX / 4;

// G states (runtime2.go _Grunnable ...).
enum class GStatus : std::uint8_t { Dead, Runnable, Running, Syscall, Waiting };
// P states (_Pidle ...).
enum class PStatus : std::uint8_t { Idle, Running, Syscall, GCStop };
// What an M is doing.
enum class MStatus : std::uint8_t {
  Running,   // holds a P: runs a G, a mark worker, or the scheduler
  Idle,      // parked on sched.midle (stopm)
  Waking,    // taken from midle or just created, will acquire m.nextp
  Syscall,   // blocked in a system call, no P
  Netpoll,   // blocked in netpoll (owns the lastpoll token), no P
  StwWait,   // stopping the world; its P is in GCStop
  Dead,      // exited (thread cache off)
};
// What an M does when its pending event fires.
enum class MAct : std::uint8_t {
  None, RunG, Schedule, FindAgain, StealRunnext, SyscallReturn, Wake, NetpollReturn,
  StartWorld, WorkerChunk, AssistDone,
};
// What a G resumes into after it is woken.
// GcWait: runtime.GC() parks until the cycle it waits for ends; GcNext: it
// waited for a running cycle N's mark termination and now starts N+1;
// AssistMore: an assist ran out of work while still in debt.
enum class Resume : std::uint8_t { None, SelectArm, MutexRetry, MutexOwned, GcWait, GcNext, AssistMore };

// What few Gs need, out of line: a G gets one (G::cold) the first time it
// needs one of these fields and gives it back when it exits. A million Gs
// that never loop, get preempted, wait on a mutex, retain memory, allocate
// during a mark phase or spawn then cost a 64-byte G each (it was 136 bytes
// before this split: the spawn benchmark's time was a quarter kernel page
// clearing).
struct GCold {
  scenario::LoopCounters loops;  // repeat counters (functions with a repeat get one at newproc)
  Nanos left = 0;                // compute time left after a preemption
  Nanos wait_since = 0;          // when it started waiting for a mutex
  std::int64_t retained = 0;     // bytes of retained allocations
  std::int64_t go_left = 0;      // Go op: children still to create
  // g.gcAssistBytes: assist credit (bytes it may allocate during mark before
  // assisting; < 0: debt), valid only in cycle assist_cycle (gcResetMarkState
  // zeroes it at every gcStart).
  std::int64_t assist_bytes = 0;
  std::uint32_t assist_cycle = 0;
  std::uint32_t gc_wait = 0;     // runtime.GC(): the cycle N whose mark it waited for
};

// One cache line. Field widths follow the scenario format's bounds
// (format_limits.h): at most 1,000 functions and 256 select cases.
struct G {
  scenario::Cursor cur;         // where it is in its function
  std::int64_t goid = 0;        // Go's goroutine id (slots are reused, ids are not)
  scenario::Rng rng;            // its own random stream (durations)
  std::int32_t m = -1;          // M running it
  std::int32_t op_pc = -1;      // the op it is in (select, lock, gc, go) or -1
  std::int32_t depth = 0;       // go nesting depth
  std::int32_t wait_obj = -1;   // channel, mutex or wait group it waits on
  std::uint32_t wait_seq = 0;   // bumped on every wake: older sudogs are stale
  std::int32_t cold = -1;       // its GCold in Sched::gcold_, -1: none
  std::int16_t fn = 0;          // function index
  std::int16_t select_arm = -1;
  GStatus status = GStatus::Dead;
  std::uint8_t wait_reason = 0;  // trace::BlockReason
  Resume resume = Resume::None;
  bool preempt : 1 = false;       // g.preempt: stop at the next safe point
  bool panic_closed : 1 = false;  // woken by close while sending: panics on resume
  bool in_compute : 1 = false;    // its M's event is the end of a compute op
  bool cold_work : 1 = false;     // its GCold holds a preempted op's rest or children to create
};
static_assert(sizeof(G) == 64, "G is one cache line: put a rarely used field in GCold");
static_assert(scenario::kMaxFunctions <= INT16_MAX && scenario::kMaxSelectCases <= INT16_MAX);

struct TimerEntry {
  Nanos when;
  std::uint64_t seq;
  std::int32_t g;
};

struct P {
  std::int32_t id = 0;
  PStatus status = PStatus::Idle;
  std::int32_t m = -1;
  std::uint64_t schedtick = 0;
  std::uint64_t syscalltick = 0;
  Nanos slice_start = 0;  // when schedtick last moved: the time slice a runnext G inherits
  LocalRunq runq;
  std::vector<TimerEntry> timers;  // min-heap on (when, seq): p.timers
  // sysmon's view (p.sysmontick), zeroed as in Go: a P's first syscall
  // (syscalltick still 0) looks already observed, and Go's syscallwhen 0 is
  // nanotime's epoch (boot), far more than 10 ms before any syscall: here
  // "long ago", so retake takes that syscall at its first look.
  std::uint64_t sm_schedtick = 0, sm_syscalltick = 0;
  Nanos sm_schedwhen = 0, sm_syscallwhen = -kForever;
  // GC.
  Nanos frac_time = 0;             // fractional mark worker time this cycle
  std::uint8_t worker = 0;         // 0 none, 1 + trace::WorkerMode
  bool worker_drained = false;     // this dedicated worker has kicked out its run queue
  bool worker_preempt = false;     // the worker G's gp.preempt (sysmon's preemptone or a stop-the-world)
  explicit P(std::int64_t cap) : runq(cap) {}
};

struct M {
  std::int32_t id = 0;
  MStatus status = MStatus::Idle;
  MAct act = MAct::None;
  std::uint32_t gen = 0;       // bumped to cancel its pending event
  std::int32_t p = -1;
  std::int32_t nextp = -1;
  std::int32_t oldp = -1;      // P held before the syscall
  std::int32_t curg = -1;
  std::int32_t victim = -1;    // StealRunnext: the P whose runnext it waits for
  bool spinning = false;
  bool searched = false;       // findRunnable already spent one search window
  bool blocking_syscall = false;  // entersyscallblock
  Nanos chunk = 0;             // mark work claimed (worker chunk, assist)
  Nanos wake_at = 0;           // Netpoll: when it returns
};

struct Sudog {
  std::int32_t g = -1;
  std::int32_t next = -1;
  std::uint32_t seq = 0;       // g.wait_seq when enqueued
  std::int16_t arm = -1;       // select arm, -1 plain op
  bool is_send = false;
};

struct WaitQ {
  std::int32_t head = -1, tail = -1;
  bool empty() const { return head < 0; }
};

struct Chan {
  std::int64_t cap = 0;
  std::int64_t count = 0;  // values in the buffer
  bool closed = false;
  WaitQ recvq, sendq;
};

struct MutexState {
  bool locked = false;
  bool woken = false;
  bool starving = false;
  std::int64_t waiters = 0;
  WaitQ q;
};

struct WaitGroupState {
  std::int64_t counter = 0;
  WaitQ q;
};

// A pending engine event: the M (>= 0) or sysmon (-1) to run at t.
struct QEvent {
  Nanos t;
  std::uint64_t seq;
  std::int32_t who;
  std::uint32_t gen;
};

// What findRunnable found.
struct Found {
  std::int32_t g = kNoG;
  bool inherit = false;
  Why why = Why::None;
  Nanos delay = 0;  // time spent finding it (steal attempts)
};

enum class GcPhase : std::uint8_t { Off, SweepTermStop, Mark, MarkTermStop };

class Sched {
 public:
  Sched(const scenario::Program& program, trace::TraceSink& sink);
  trace::RunOutcome run();

  // Exposed for tests.
  std::int64_t engine_events() const { return engine_events_; }
  std::int64_t threads_created() const { return threads_created_; }
  std::size_t g_slots() const { return gs_.size(); }

 private:
  friend struct SchedTestAccess;
  // ---- engine (sched.cpp)
  // The common case inline (nothing pending earlier: the event goes to the
  // register), the heap out of line.
  void push(Nanos t, std::int32_t who, std::uint32_t gen) {
    if (!q_.empty() && t < q_.back().t) {
      q_.push_back(QEvent{t, seq_++, who, gen});
      return;
    }
    push_slow(t, who, gen);
  }
  void push_slow(Nanos t, std::int32_t who, std::uint32_t gen);
  void at(M& m, Nanos t, MAct act) {
    m.act = act;
    push(t, m.id, ++m.gen);
  }
  void cancel(M& m) { ++m.gen; m.act = MAct::None; }
  void dispatch_m(M& m);
  void emit(EventKind k, Why why, std::int32_t g, std::int32_t p, std::int32_t m, std::int64_t a0 = 0,
            std::int64_t a1 = 0, std::int64_t a2 = 0, std::uint8_t reason = 0);
  void flush_counters();
  void fail(trace::RunOutcome::Status st, std::string message);
  void limit(const char* what, const char* key, std::int64_t value);
  std::int32_t gid(std::int32_t g) const { return g < 0 ? -1 : static_cast<std::int32_t>(gs_[static_cast<std::size_t>(g)].goid); }

  // ---- scheduling (sched.cpp)
  void schedule(M& m);
  Found find_runnable(M& m, bool* parked);
  void execute(M& m, std::int32_t g, bool inherit, Why why, Nanos delay);
  void resetspinning(M& m);
  void wakep();
  std::int32_t startm(std::int32_t p, bool spinning);
  void stopm(M& m);
  void handoffp(std::int32_t p, std::int32_t from_m, trace::HandoffReason why);
  void acquirep(M& m, std::int32_t p);
  std::int32_t releasep(M& m, trace::ProcStopReason why);
  void pidleput(std::int32_t p);
  std::int32_t pidleget();
  std::int32_t newm(std::int32_t p, bool spinning);
  void runqput(P& p, std::int32_t g, bool next);
  std::int32_t globrunqget(P& p, std::int64_t max);
  void ready(std::int32_t g, std::int32_t waker, Why why, bool next, std::int32_t p);
  void panic_run(const std::string& what, bool fatal);
  std::uint32_t rng32() { return static_cast<std::uint32_t>(rng_.next() >> 32); }
  void injectglist(std::vector<std::int32_t>& list, M* m, Why why);
  void checkdead();
  bool any_m_running() const;
  std::int32_t newproc(M& m, G& parent, const scenario::Instr& in);
  void goexit(M& m);
  void gopark(M& m, trace::BlockReason reason, Why why, std::int32_t obj, Nanos until = -1);
  void gopreempt(M& m, trace::PreemptReason reason, Why why);
  void gosched(M& m);
  void goyield(M& m);

  // ---- stealing (steal.cpp)
  Found steal_work(M& m, bool* ran_timers);

  // ---- syscalls (syscall.cpp)
  void entersyscall(M& m, Nanos d, bool block);
  void exitsyscall(M& m);

  // ---- sysmon (sysmon.cpp)
  void sysmon_tick();
  void sysmon_wake(bool syscall);
  std::int64_t retake(Nanos now);
  void preemptone(P& p, trace::PreemptReason reason);

  // ---- netpoll (netpoll.cpp)
  void netpoll(std::vector<std::int32_t>& out, std::int32_t m);
  void netwait(M& m, Nanos d);
  Nanos next_net_ready() const;
  void netpoll_block(M& m, Nanos poll_until);
  void netpoll_return(M& m);
  void netpoll_reschedule();

  // ---- timers (timers.cpp)
  void addtimer(P& p, std::int32_t g, Nanos when);
  std::int64_t check_timers(P& p, P& run_on);  // timers run; each costs costs.timer
  Nanos earliest_timer() const;
  void wake_netpoller(Nanos when);

  // ---- channels (chan.cpp)
  bool chansend(M& m, std::int32_t c);
  bool chanrecv(M& m, std::int32_t c);
  void closechan(M& m, std::int32_t c);
  bool selectgo(M& m, const scenario::Instr& in);
  std::int32_t sudog_new(std::int32_t g, std::int16_t arm, bool is_send);
  void sudog_free(std::int32_t s) {
    sudogs_[static_cast<std::size_t>(s)].next = sudog_free_;
    sudog_free_ = s;
  }
  void enqueue(WaitQ& q, std::int32_t s, bool lifo = false);
  std::int32_t dequeue(WaitQ& q);  // first non-stale sudog's G, or -1 (sets select arm)
  bool has_waiter(WaitQ& q);

  // ---- sync (sync.cpp)
  bool mutex_lock(M& m, std::int32_t mu, bool retry);
  void mutex_unlock(M& m, std::int32_t mu);
  void wg_add(M& m, std::int32_t wg, std::int64_t delta);
  bool wg_wait(M& m, std::int32_t wg);

  // ---- GC (gc.cpp)
  void gc_alloc(M& m, std::int64_t bytes, bool retain);
  void gc_start(M& m, trace::GCTrigger trigger);
  void stop_the_world(M& m, trace::STWKind kind);
  void gcstopm(M& m);
  void stw_note_stopped();
  void start_the_world(M& m);
  bool gc_find_worker(M& m);
  void gc_worker_chunk_done(M& m);
  void gc_mark_maybe_done(M& m);
  void gc_forced(M& m);
  void gc_forced_next(M& m);
  void gc_wait_cycle(M& m);
  bool gc_assist(M& m, GCold& c, std::int64_t bytes);
  void gc_assist_more(M& m);
  void gc_assist_ratio(double* work_per_byte, double* bytes_per_work) const;
  void gc_flush_bg_credit(M& m, Nanos work);
  double gc_scan_work(double bytes) const;
  bool gc_worker_preempted(const P& p) const;
  void gc_set_goal();

  // G::cold: the G's out-of-line record, created zeroed on first use.
  GCold& cold(G& g) {
    if (g.cold < 0) [[unlikely]] g.cold = cold_new();
    return gcold_[static_cast<std::size_t>(g.cold)];
  }
  std::int32_t cold_new();
  void cold_free(G& g);

  // ---- op interpreter (exec.cpp)
  void step_g(M& m);
  std::string goroutine_dump() const;
  const char* wait_reason_text(std::uint8_t r) const;

  const scenario::Program& prog_;
  const scenario::Config& cfg_;
  trace::TraceSink& sink_;

  Slab<G, 15> gs_;                    // G slots (allg), never moved; 2 MiB chunks (huge pages)
  Slab<std::int32_t, 19> gfree_;      // sched.gFree: dead G slots, LIFO (2 MiB chunks, never copied)
  std::vector<P> ps_;
  Slab<M, 8> ms_;  // chunked: references to Ms stay valid when newm adds one
  std::vector<std::int32_t> pidle_;   // LIFO
  std::vector<std::int32_t> midle_;   // LIFO
  GlobalRunq grunq_;
  // The earliest pending events, sorted on (t, seq), latest first (the next
  // event is q_.back()); past a few dozen, the later ones wait in far_, a
  // min-heap, every one of them later than all of q_.
  std::vector<QEvent> q_;
  std::vector<QEvent> far_;
  void refill();
  std::uint64_t seq_ = 0;
  Nanos now_ = 0;
  scenario::Rng rng_;                 // fastrand: steal order, select order
  RandomOrder steal_order_;
  std::vector<std::int32_t> scratch_;

  std::int64_t nmspinning_ = 0;
  std::int64_t mcount_ = 0;            // Ms alive
  std::int64_t threads_created_ = 0;
  std::int64_t live_gs_ = 0;
  std::int64_t next_goid_ = 1;
  std::int64_t engine_events_ = 0;
  std::int64_t runnable_ = 0;          // Gs on run queues (counter only)
  Nanos lastpoll_ = 1;                 // 0: an M is blocked in netpoll
  std::int32_t netpoll_m_ = -1;        // that M
  std::int64_t mdead_ = 0;             // Ms that exited (thread cache off)
  bool netpoll_waiters_ = false;       // any network waiter ever (1.19, §6.5)
  std::vector<TimerEntry> netq_;       // pending network readiness, min-heap
  std::uint64_t timer_seq_ = 0;

  // sysmon
  Nanos sm_delay_ = 0;
  std::int64_t sm_idle_ = 0;
  bool sm_wait_ = false;               // deep sleep (sched.sysmonwait)
  bool sm_syscall_wake_ = false;
  std::uint32_t sm_gen_ = 0;

  // sync objects
  std::vector<Chan> chans_;
  std::vector<MutexState> mutexes_;
  std::vector<WaitGroupState> wgs_;
  Slab<Sudog, 17> sudogs_;            // 2 MiB chunks
  Slab<GCold, 15> gcold_;             // G::cold records, 2.5 MiB chunks
  std::vector<std::int32_t> gcold_free_;
  std::int32_t sudog_free_ = -1;      // free sudogs, a LIFO linked through Sudog::next

  // GC and stop-the-world
  GcPhase gc_phase_ = GcPhase::Off;
  bool gcwaiting_ = false;
  std::int64_t stopwait_ = 0;
  std::int32_t stw_m_ = -1;
  trace::STWKind stw_kind_ = trace::STWKind::SweepTermination;
  Nanos stw_start_ = 0;
  std::int64_t gc_cycle_ = 0;
  std::int64_t heap_live_ = 0, heap_marked_ = 0, heap_retained_ = 0, heap_goal_ = 0, heap_trigger_ = 0;
  Nanos mark_unclaimed_ = 0, mark_outstanding_ = 0, mark_start_ = 0;
  Nanos bg_credit_ = 0;                // gcController.bgScanCredit, in mark time
  std::deque<std::int32_t> assist_q_;  // work.assistQueue: assists parked in debt
  std::int64_t dedicated_left_ = 0;
  double fractional_goal_ = 0;
  std::vector<std::int32_t> gc_waiters_;

  // counters (coalesced per timestamp)
  std::vector<std::int64_t> last_counter_;   // by CounterId, then LocalRunq per P
  std::vector<std::uint64_t> runq_changed_;  // bit p: P p's local queue changed since the last flush
  bool counters_dirty_ = false;

  // outcome
  bool done_ = false;
  trace::RunOutcome outcome_;
};

}  // namespace gosim::sim
