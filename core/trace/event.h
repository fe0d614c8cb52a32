// The trace vocabulary shared by both engines, every view and every writer.
//
// Event names follow Go's execution tracer (go-runtime-model.md §10), so people
// who know `go tool trace` feel at home. An event is a small fixed-size record;
// its human "why" is not a string built on the hot path but a Why code whose
// text template (why.cpp) is filled from the event's fields when a writer or a
// view needs words. That keeps the simulator fast and the JSON self-explaining.
//
// Field conventions: t is nanoseconds (virtual in sim mode, since the run's
// start in real mode); g, p, m are ids or -1 where they do not apply; the
// meaning of reason, a0, a1, a2 is given per kind below and in
// docs/trace-format.md. Sinks receive events in nondecreasing t order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gosim::trace {

using Nanos = std::int64_t;

enum class EventKind : std::uint8_t {
  // Goroutines.
  GoCreate,    // g = new G; a0 = creator G (-1 none), a1 = function index, a2 = its n
  GoStart,     // g starts running on p, m
  GoEnd,       // g returned from its function
  GoStop,      // g parked forever (a select with no cases)
  GoSched,     // g called Gosched; it goes to the global queue
  GoPreempt,   // g preempted; reason = PreemptReason, a0 = how long its slice ran
  GoBlock,     // g parked; reason = BlockReason, a0 = object index (channel, mutex,
               // wait group) or -1, a1 = when it will be ready (sleep, netwait) or -1
  GoUnblock,   // g made runnable; a0 = waker G (-1: timer, poller, runtime),
               // reason = Queue it was put on, p = that queue's P (-1: global)
  GoSysCall,   // g entered a syscall; a0 = its duration
  GoSysBlock,  // g's P was taken while g is in the syscall; p = that P
  GoSysExit,   // g returned from its syscall; reason = SysExitPath, p = P it got (-1 none)
  // Processors.
  ProcStart,   // m acquired p
  ProcStop,    // m released p; reason = ProcStopReason
  ProcSteal,   // p (thief, run by m) stole a1 Gs from P a0, whose queue had a2; g = the G it runs
  HandoffP,    // p handed to m (-1: to the idle list); a0 = the M it came from; reason = HandoffReason
  // Threads.
  MStart,      // m created (a new OS thread); p = P it starts with (-1), a0 = threads in total
  MPark,       // m parked on the idle M list (stopm)
  MUnpark,     // m taken from the idle M list and woken; p = P it is given (-1)
  MSpin,       // m (holding p) started spinning: looking for work
  MSpinStop,   // m stopped spinning; a0 = 1 if it found work
  MExit,       // m exited (thread cache off)
  // sysmon, the network poller and timers.
  SysmonWake,  // sysmon woke; a0 = the sleep it will take next, a1 = consecutive idle rounds
  NetpollReady,  // g's network wait became ready; a0 = Gs readied by this poll; m = polling M (-1: sysmon)
  TimerFire,   // g's sleep timer fired on p
  // Garbage collection.
  GCStart,     // a0 = cycle, a1 = heap live, a2 = heap goal; reason = GCTrigger
  GCDone,      // a0 = cycle, a1 = heap marked (live after the cycle)
  STWStart,    // reason = STWKind
  STWDone,     // reason = STWKind, a0 = pause length
  GCMarkAssistStart,  // g must assist marking; a0 = bytes of debt
  GCMarkAssistDone,   // g finished assisting
  GCWorkerStart,  // p (on m) runs a mark worker; reason = WorkerMode
  GCWorkerStop,   // p's mark worker stopped; reason = WorkerMode
  // Counters: reason = CounterId, p = the P for per-P counters (-1 global), a0 = value.
  Counter,
  // Append new kinds here, then name the last one in kEventKinds and add its
  // name to event.cpp and its text to why.cpp (static_asserts check the sizes).
};
inline constexpr int kEventKinds = static_cast<int>(EventKind::Counter) + 1;

// Why a G blocked (GoBlock.reason); wait reasons as Go prints them in §1.2.
enum class BlockReason : std::uint8_t {
  ChanSend, ChanRecv, Select, SelectNoCases, Mutex, WaitGroup, Sleep, NetWait, GCAssist, Syscall,
  // append here (and update kBlockReasons)
};
inline constexpr int kBlockReasons = static_cast<int>(BlockReason::Syscall) + 1;
// Where a readied G was put (GoUnblock.reason).
enum class Queue : std::uint8_t { Runnext, Local, Global, Direct };
inline constexpr int kQueues = static_cast<int>(Queue::Direct) + 1;
enum class PreemptReason : std::uint8_t { TimeSlice, STW, Yield };
inline constexpr int kPreemptReasons = static_cast<int>(PreemptReason::Yield) + 1;
enum class SysExitPath : std::uint8_t { FastOldP, FastIdleP, Slow };
inline constexpr int kSysExitPaths = static_cast<int>(SysExitPath::Slow) + 1;
enum class ProcStopReason : std::uint8_t { Idle, Syscall, GCStop, Handoff };
inline constexpr int kProcStopReasons = static_cast<int>(ProcStopReason::Handoff) + 1;
enum class HandoffReason : std::uint8_t { SyscallRetake, SyscallBlock, STW, LockedM };
inline constexpr int kHandoffReasons = static_cast<int>(HandoffReason::LockedM) + 1;
enum class GCTrigger : std::uint8_t { Heap, Forced, Time };
inline constexpr int kGCTriggers = static_cast<int>(GCTrigger::Time) + 1;
enum class STWKind : std::uint8_t { SweepTermination, MarkTermination };
inline constexpr int kSTWKinds = static_cast<int>(STWKind::MarkTermination) + 1;
enum class WorkerMode : std::uint8_t { Dedicated, Fractional, Idle };
inline constexpr int kWorkerModes = static_cast<int>(WorkerMode::Idle) + 1;
enum class CounterId : std::uint8_t {
  GlobalRunq,    // global run queue length
  LocalRunq,     // per-P local run queue length (ring only, like schedtrace)
  Threads,       // Ms in existence
  IdleThreads,   // Ms parked on the idle list
  SpinningMs,    // Ms spinning
  IdlePs,        // Ps on the idle list
  Goroutines,    // live Gs
  RunnableGs,    // Gs on any run queue
  HeapLive,      // bytes
  HeapGoal,      // bytes
  // append here (and update kCounterIds)
};
inline constexpr int kCounterIds = static_cast<int>(CounterId::HeapGoal) + 1;

// The human "why" of an event, as a code with a text template (why.cpp).
// Append new codes at the end; never renumber (traces store the names).
enum class Why : std::uint8_t {
  None,
  // GoStart: where the G came from.
  StartRunnext, StartLocal, StartGlobal, StartFairness, StartSteal, StartNetpoll,
  StartSyscallFast, StartAfterSyscall, StartInjected,
  // Blocking and waking.
  BlockChanSend, BlockChanRecv, BlockSelect, BlockMutex, BlockWaitGroup, BlockSleep, BlockNet,
  WakeChanSend, WakeChanRecv, WakeChanClose, WakeMutex, WakeMutexHandoff, WakeWaitGroup,
  WakeTimer, WakeNetpoll, WakeGCAssist,
  // Processors and threads.
  ProcIdleNoWork, ProcStealGot, SpinLookForWork, SpinGiveUp, SpinFoundWork,
  WakepIdleP, MParkNoWork, MNewNoIdle, MReuseIdle,
  HandoffRetake, HandoffBlockingSyscall, HandoffSTW,
  SysExitFast, SysExitIdleP, SysExitSlow,
  PreemptTimeSlice, PreemptSTW, GoschedToGlobal,
  OverflowToGlobal,
  // GC.
  GCHeapTrigger, GCForced, STWStopAll, STWRestart, AssistDebt, WorkerDedicated, WorkerFractional,
  WorkerIdle,
  // Run end.
  GoExit, SysmonTick, NetpollBlocking, NetpollSysmon, TimerExpired,
  // Append new codes here, then name the last one in kWhyCodes and add its
  // name to event.cpp and its template to why.cpp (static_asserts check the sizes).
};
inline constexpr int kWhyCodes = static_cast<int>(Why::TimerExpired) + 1;

struct Event {
  Nanos t = 0;
  EventKind kind = EventKind::Counter;
  std::uint8_t reason = 0;  // BlockReason, Queue, ... by kind
  Why why = Why::None;
  std::int32_t g = -1;
  std::int32_t p = -1;
  std::int32_t m = -1;
  std::int64_t a0 = 0;
  std::int64_t a1 = 0;
  std::int64_t a2 = 0;

  bool operator==(const Event&) const = default;
};

// Names as they appear in trace files ("GoCreate", "ChanRecv", "StartRunnext").
// Out-of-range values give "" (never a crash).
std::string_view kind_name(EventKind kind);
std::string_view block_reason_name(BlockReason r);  // "chan receive", as Go's wait reasons
std::string_view counter_name(CounterId c);         // "GlobalRunq" (stored in files)
std::string_view counter_label(CounterId c);        // "global run queue" (for people)
std::string_view why_name(Why w);
// Parsing the names back; false if unknown.
bool parse_kind(std::string_view name, EventKind* out);
bool parse_why(std::string_view name, Why* out);
bool parse_counter(std::string_view name, CounterId* out);

// Event.reason means a different enum per kind (BlockReason for GoBlock,
// Queue for GoUnblock, ...). reason_count is 0 for kinds whose reason is
// unused (it must then be 0). reason_name gives the enumerator's name as
// stored in files ("ChanRecv", "Runnext", "TimeSlice"), "" if out of range.
int reason_count(EventKind kind);
std::string_view reason_name(EventKind kind, std::uint8_t reason);
bool parse_reason(EventKind kind, std::string_view name, std::uint8_t* out);

// What a trace is about: written first, so a trace explains itself.
struct TraceHeader {
  int version = 1;                 // trace format version
  std::string mode;                // "sim", "real" or "go"
  std::string clock;               // "virtual" or "wall"
  std::string gosim_version;
  std::string scenario_name;
  std::string scenario_hash;
  std::string scenario_description;
  std::vector<std::string> functions;   // names, by index (GoCreate.a1)
  std::vector<std::string> channels;    // names, by index (GoBlock.a0 ...)
  std::vector<std::string> mutexes;
  std::vector<std::string> waitgroups;
  std::int32_t gomaxprocs = 0;
  nlohmann::json config = nlohmann::json::object();  // the full effective config

  bool operator==(const TraceHeader&) const = default;
};

// How a run ended: written last.
struct RunOutcome {
  enum class Status : std::uint8_t { Ok, Deadlock, LimitExceeded, Error };
  Status status = Status::Ok;
  std::string message;           // Go-style text for a deadlock, the limit hit, ...
  Nanos end_time = 0;            // when the last G ended (or the run stopped)
  std::int64_t engine_events = 0;  // events the engine processed (for benchmarks)

  bool operator==(const RunOutcome&) const = default;
};
std::string_view status_name(RunOutcome::Status s);  // "ok", "deadlock", "limit", "error"
bool parse_status(std::string_view name, RunOutcome::Status* out);

// The words of an event's why, filled in from its fields and the header's names
// (why.cpp). Events with Why::None get a plain description of their kind.
std::string describe(const Event& e, const TraceHeader& header);
// Same, appended to `out` (no allocation when out has room; writers use this).
void describe_to(std::string& out, const Event& e, const TraceHeader& header);
// The template behind a why code ("{p}: runs {g} from its local run queue"),
// and behind the default text of a kind; docs/trace-format.md lists them.
std::string_view why_template(Why w);
std::string_view why_template(Why w, EventKind kind);  // the variant for this kind, if any
std::string_view kind_template(EventKind k);

}  // namespace gosim::trace
