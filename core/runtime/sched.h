// The scheduler's shared state and entry points (Go: runtime2.go `schedt`,
// proc.go). The design and its invariants are explained at the top of
// sched.cpp; this header is internal to core/runtime (api.h is the public one).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/g.h"
#include "runtime/lock.h"
#include "runtime/m.h"
#include "runtime/p.h"
#include "runtime/stack.h"
#include "runtime/tracebuf.h"
#include "scenario/config.h"
#include "trace/event.h"

namespace gosim::runtime {

class Netpoll;
struct GcState;

struct RunOptions {
  scenario::Config config;
  bool tracing = false;            // record events into per-M buffers
  std::size_t stack_size = 64 * 1024;
};

// The one runtime of the process (Go has one too); `sched` below points to it
// while a run is in progress.
struct Sched {
  explicit Sched(const RunOptions& o);
  ~Sched();

  RunOptions opts;
  const scenario::Config& cfg() const { return opts.config; }
  std::int32_t gomaxprocs = 1;
  std::int64_t start = 0;  // nanotime at the run start: trace time 0

  Lock lock;  // sched.lock: midle, pidle, global runq, M list, stopwait
  M* midle = nullptr;
  std::int32_t nmidle = 0;
  std::int32_t mcount = 0;    // Ms alive (threads), including m0 and sysmon
  std::int32_t mcreated = 0;  // Ms ever created
  std::int32_t nmsys = 0;     // sysmon
  P* pidle = nullptr;
  std::atomic<std::int32_t> npidle{0};
  std::atomic<std::int32_t> nmspinning{0};
  G* runqhead = nullptr;
  G* runqtail = nullptr;
  std::atomic<std::int32_t> runqsize{0};
  std::vector<std::unique_ptr<P>> allp;
  // Reserved at start (max_threads + 2) and never reallocated, so finish_run
  // can walk [0, allm_count) without the lock.
  std::vector<std::unique_ptr<M>> allm;
  std::atomic<std::size_t> allm_count{0};
  std::vector<std::unique_ptr<G>> allg;  // under glock
  Lock glock;
  G* gfree = nullptr;  // global free Gs (with stacks), under glock
  std::atomic<std::int32_t> gfree_n{0};  // written under glock, peeked without
  StackPool stacks;

  // Stop the world.
  std::atomic<bool> gcwaiting{false};
  std::int32_t stopwait = 0;  // under lock
  Note stopnote;
  Lock worldsema;  // one STW at a time

  // sysmon.
  std::atomic<bool> sysmonwait{false};
  Note sysmonnote;
  Lock sysmonlock;  // protects sysmonwait/sysmonnote hand-shake

  // Netpoll: lastpoll = 0 while an M is blocked in netpoll.
  std::atomic<std::int64_t> lastpoll{1};
  std::atomic<std::int64_t> pollUntil{0};
  std::unique_ptr<Netpoll> netpoll;

  // Written by every go and goexit, on every P: a cache line of their own, so
  // the fields that every M reads (lastpoll, exiting, ...) do not bounce
  // with them (perf: this add was half of newproc's samples when shared).
  alignas(64) std::atomic<std::int64_t> goidgen{0};
  std::atomic<std::int64_t> ngoroutines{0};  // live user Gs
  alignas(64) std::atomic<bool> mainStarted{false};

  std::unique_ptr<GcState> gc;

  // The end of the run: the first reason wins.
  std::atomic<bool> exiting{false};
  Lock outcome_lock;
  trace::RunOutcome outcome;
  Note done;  // woken when the run ends (m0 waits for the other Ms)
  int abort_fd = -1;  // eventfd, readable once exiting: interrupts syscalls

  // Frees G::arg of Gs that never started when the run ends (the API's closures).
  void (*drop_arg)(void*) = nullptr;
  // Unwinding at the run's end: Gs left blocked (a destructor blocked for good).
  std::int64_t unwind_stuck = 0;

  std::atomic<std::int64_t> trace_events{0};
  std::atomic<bool> tracing{false};
  std::vector<std::unique_ptr<TraceBuf>> tracebufs;  // under lock
};

extern Sched* sched;

// The M running the calling code. Through tls.h's non-inlined accessor: a G
// may resume on another thread after any switch, so never cache it across one.
M* getm();

// Nanoseconds since the run's start (trace time).
std::int64_t now_rel();

// --- run lifecycle (sched.cpp) ---
// Runs main_fn as the main goroutine on the calling thread (m0) until it
// returns, a deadlock, a panic or a limit; returns the outcome.
trace::RunOutcome run_main(Sched& s, void (*main_fn)(G*), void* arg, std::int64_t u0, std::int64_t u1);
// Ends the run with this outcome (first caller wins) and wakes everyone.
void finish_run(trace::RunOutcome::Status status, const std::string& message);

// --- goroutines (sched.cpp) ---
// init(gp, ctx), if given, runs before gp is published (the API moves its
// closure into gp->closure there).
G* newproc(void (*fn)(G*), void* arg, std::int64_t u0, std::int64_t u1, void (*init)(G*, void*) = nullptr,
           void* ctx = nullptr);
[[noreturn]] void goexit1();
// gopark: block the current G; unlockf runs on g0 after the switch.
void gopark(UnlockFn unlockf, void* arg, trace::BlockReason reason, trace::Why why, std::int64_t a0,
            std::int64_t a1 = -1, bool forever = false);
// goready: make gp runnable on the current P (runnext), waking a P if idle.
void goready(G* gp, trace::Why why, bool next = true);
void gosched();     // runtime.Gosched: to the global queue
void goyield();     // runtime.goyield: to the local queue tail
void gopreempt();   // at a safe point, if preempt was requested
// The safe-point check (cheap): preempts if sysmon or a STW asked.
inline bool preempt_requested(G* gp) { return gp->preempt.load(std::memory_order_relaxed); }
void check_preempt();
[[noreturn]] void gopanic(const std::string& msg);
// The run is over: leave the current G parked for good (no trace event).
[[noreturn]] void park_dead();

void wakep();
void injectglist(G* list);
void globrunqput(G* gp);
bool runqempty(P* p);

// --- unwinding abandoned goroutines (sched.cpp) ---
// At the run's end every G still parked is resumed and throws
// rt::GoroutineUnwind at its park point. Before that, the waiters of every
// live channel and semaphore are unlinked, so no queue keeps a record that
// lives in a frame being unwound. Channels and semaphores (of mutexes and
// wait groups) are registered here by their owners (api.cpp, run_scenario.cpp).
struct Chan;
struct Sema;
// An intrusive registry entry, allocated with the object it registers.
struct WaitNode {
  void* obj = nullptr;  // a Chan* or a Sema*
  bool is_chan = false;
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;
  void (*free_fn)(void*) = nullptr;  // retired: frees owner after the unwinding
  void* owner = nullptr;
};
void wait_object_add(WaitNode* n, Chan* c);
void wait_object_add(WaitNode* n, Sema* s);
// The owner is done with n's object. With a run in progress and waiters
// still parked on it (they may still touch it, as Go's GC would keep it
// alive), free_fn(owner) runs after the run's unwinding; else now (free_fn
// may be null). n must stay valid until free_fn runs.
void wait_object_retire(WaitNode* n, bool has_waiters, void (*free_fn)(void*), void* owner);
// After a G resumes from a direct switch to g0 (exitsyscall's slow path):
// throws GoroutineUnwind if the unwinder asked for it.
void unwind_point();

// --- syscalls (syscall.cpp) ---
void entersyscall(std::int64_t dur);
void exitsyscall();
// `syscall D`: a real blocking kernel sleep for D, interruptible at run end.
void blocking_syscall_sleep(std::int64_t ns);

// --- sysmon (sysmon.cpp) ---
void sysmon_main();
void sysmon_wake();

// --- stop the world (sched.cpp) ---
void stop_the_world(trace::STWKind kind);
void start_the_world(trace::STWKind kind, std::int64_t t0);

// --- M internals shared by files ---
void startm(P* p, bool spinning);
// timeSleepUntil: the earliest timer of any P (absolute nanotime), 0 if none.
std::int64_t time_sleep_until();
void handoffp(P* p);
void handoffp_from(P* p, std::int32_t from_m, trace::HandoffReason why);
P* pidleget();
void pidleput(P* p);
void acquirep(P* p);
P* releasep();
void schedule_loop();  // g0's loop; returns when the run ends

// --- tracing ---
void trace_event(trace::EventKind k, trace::Why why, std::uint8_t reason, G* g, P* p, std::int64_t a0 = 0,
                 std::int64_t a1 = 0, std::int64_t a2 = 0);
// For events about objects the caller does not own (sysmon's GoSysBlock).
// t: a cputicks() stamp (tracebuf.h), mapped to ns at the merge.
void trace_event_at(M* m, std::int64_t t, trace::EventKind k, trace::Why why, std::uint8_t reason,
                    std::int32_t g, std::int32_t p, std::int64_t a0 = 0, std::int64_t a1 = 0,
                    std::int64_t a2 = 0, std::int32_t mid = -2);  // mid -2: m->id
inline bool tracing_on() { return sched->tracing.load(std::memory_order_relaxed); }

}  // namespace gosim::runtime
