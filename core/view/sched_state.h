// The scheduler's state at one moment of a trace, rebuilt by replaying its
// events from the start (docs/trace-format.md gives each event's effect).
//
// This is the one place the terminal views learn what a P holds, where a
// runnable G waits and what each M is doing; the HTML page's script follows
// the same rules. Replay trusts the trace: it never re-runs scheduler
// decisions, it only moves Gs where the events say they went (GoUnblock's
// reason names the queue, GoCreate fills the creator's runnext, ProcSteal
// moves a1 Gs from the victim's head). Two queue moves are not events of
// their own and follow Go's rules (as the simulator does): a full local
// queue spills its older half to the global queue (runqputslow), and a G
// started from the global queue brings a batch to the local queue
// (globrunqget). Inconsistent traces (a G started from
// a queue it is not in) do not crash it: the G is simply taken from wherever
// it is.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "trace/event.h"

namespace gosim::view {

using trace::Nanos;

enum class GStatus : std::uint8_t {
  Unknown,   // not created (yet) in this trace
  Runnable,  // waiting in a run queue (or handed over directly)
  Running,   // on a P and an M
  Waiting,   // parked: channel, mutex, sleep, network ... (block says which)
  Syscall,   // in a system call on its M
  Dead,      // returned from its function
};

// Where a runnable G waits.
enum class GWhere : std::uint8_t { None, Runnext, Local, Global, Direct };

struct GInfo {
  GStatus status = GStatus::Unknown;
  GWhere where = GWhere::None;
  std::int32_t p = -1;        // the P it runs on, or the P whose queue holds it
  std::int32_t m = -1;        // the M it runs on or is in a syscall on
  std::int32_t fn = -1;       // function index (header.functions)
  trace::BlockReason block = trace::BlockReason::ChanRecv;  // while Waiting
  bool forever = false;       // GoStop: parked for good
  bool assisting = false;     // in a GC mark assist (GCMarkAssistStart..Done)
  std::int64_t assist_debt = 0;  // bytes of debt it is paying (GCMarkAssistStart.a0)
  Nanos assist_since = 0;
  std::int64_t object = -1;   // channel / mutex / wait group index while Waiting
  Nanos ready_at = -1;        // sleep or network wait: when it becomes ready
  Nanos since = 0;            // when it entered its current status
};

enum class PStatus : std::uint8_t {
  Idle,     // on the idle P list
  Running,  // owned by an M
  Syscall,  // its M is in a syscall (_Psyscall): sysmon may retake it, unless
            // syscall hand-off is off (SchedState::syscall_handoff)
  GCStop,   // halted for a stop-the-world
};

struct PInfo {
  PStatus status = PStatus::Idle;
  std::int32_t m = -1;        // owning M (for Syscall: the M in the syscall)
  std::int32_t g = -1;        // running G
  std::int32_t runnext = -1;  // the G that inherits the time slice
  std::deque<std::int32_t> runq;  // local run queue, head first
  bool gc_worker = false;     // running a GC mark worker
  trace::WorkerMode worker_mode = trace::WorkerMode::Dedicated;
  Nanos since = 0;            // when its status or running G last changed
};

enum class MStatus : std::uint8_t {
  NotStarted,  // no such thread yet
  Running,     // holds a P (running a G, or in the scheduler)
  Spinning,    // holds a P and looks for work
  Syscall,     // blocked in a syscall (with or without its P)
  Idle,        // parked in the idle M list (the thread cache)
  NoP,         // awake without a P (between events)
  Exited,
};

struct MInfo {
  bool started = false;
  bool parked = false;
  bool spinning = false;
  bool exited = false;
  std::int32_t p = -1;        // held P
  std::int32_t g = -1;        // current G (running or in a syscall)
  bool in_syscall = false;
  MStatus status() const;
};

class SchedState {
 public:
  // Ps 0..gomaxprocs-1 exist from the start; more appear if events name them.
  explicit SchedState(int gomaxprocs = 0);
  // Takes GOMAXPROCS, the local queue size and the runnext switch from the
  // header's config, where the run recorded them.
  explicit SchedState(const trace::TraceHeader& header);

  void apply(const trace::Event& e);

  Nanos now = 0;                 // time of the last applied event
  std::int64_t applied = 0;      // events applied so far
  std::vector<PInfo> ps;
  std::vector<MInfo> ms;
  std::vector<GInfo> gs;         // by G id
  std::deque<std::int32_t> global;  // global run queue, head first

  // GC and stop-the-world.
  bool gc_active = false;
  std::int64_t gc_cycle = 0;
  Nanos gc_since = 0;
  bool stw = false;
  trace::STWKind stw_kind = trace::STWKind::SweepTermination;
  Nanos stw_since = 0;
  std::int64_t heap_live = -1;   // from GCStart and HeapLive counters
  std::int64_t heap_goal = -1;

  // Looking things up without growing the tables.
  const GInfo* g(std::int32_t id) const;
  const PInfo* p(std::int32_t id) const;
  const MInfo* m(std::int32_t id) const;
  // Gs waiting in P's queue: runnext plus the local ring.
  std::size_t queued(std::int32_t p) const;

  std::size_t local_runq_size = 256;  // a full ring spills half to the global queue
  bool runnext_enabled = true;        // GoCreate fills runnext (else the local tail)
  // mechanisms.syscall_handoff: with it off nobody retakes a P whose M is in
  // a syscall (sysmon's retake is what hands it off), so the P waits for its
  // M and the G comes back on the fast path (exitsyscallfast). The replay is
  // the same either way (the trace says when a P is taken); the views use it
  // to say why the P stays.
  bool syscall_handoff = true;

 private:
  int gomaxprocs_ = 0;
  GInfo& g_mut(std::int32_t id);
  PInfo& p_mut(std::int32_t id);
  MInfo& m_mut(std::int32_t id);
  void unqueue(std::int32_t g);
  void stop_running(std::int32_t g);
  void put_runnext(std::int32_t p, std::int32_t g);
  void put_local(std::int32_t p, std::int32_t g);
  void put_global(std::int32_t g);
  void make_runnable(std::int32_t g, Nanos t);
  void release_p(std::int32_t p);
  void attach(std::int32_t m, std::int32_t p);
};

std::string_view g_status_name(GStatus s);
std::string_view m_status_name(MStatus s);
std::string_view p_status_name(PStatus s);

}  // namespace gosim::view
