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
  GCWorkerStop,   // p's mark worker stopped
  // Counters: reason = CounterId, p = the P for per-P counters (-1 global), a0 = value.
  Counter,
};
inline constexpr int kEventKinds = static_cast<int>(EventKind::Counter) + 1;

// Why a G blocked (GoBlock.reason); wait reasons as Go prints them in §1.2.
enum class BlockReason : std::uint8_t {
  ChanSend, ChanRecv, Select, SelectNoCases, Mutex, WaitGroup, Sleep, NetWait, GCAssist, Syscall,
};
// Where a readied G was put (GoUnblock.reason).
enum class Queue : std::uint8_t { Runnext, Local, Global, Direct };
enum class PreemptReason : std::uint8_t { TimeSlice, STW, Yield };
enum class SysExitPath : std::uint8_t { FastOldP, FastIdleP, Slow };
enum class ProcStopReason : std::uint8_t { Idle, Syscall, GCStop, Handoff };
enum class HandoffReason : std::uint8_t { SyscallRetake, SyscallBlock, STW, LockedM };
enum class GCTrigger : std::uint8_t { Heap, Forced, Time };
enum class STWKind : std::uint8_t { SweepTermination, MarkTermination };
enum class WorkerMode : std::uint8_t { Dedicated, Fractional, Idle };
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
};

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
};

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
std::string_view kind_name(EventKind kind);
std::string_view block_reason_name(BlockReason r);  // "chan receive", as Go's wait reasons
std::string_view counter_name(CounterId c);
std::string_view why_name(Why w);
// Parsing the names back; false if unknown.
bool parse_kind(std::string_view name, EventKind* out);
bool parse_why(std::string_view name, Why* out);

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

// The words of an event's why, filled in from its fields and the header's names.
std::string describe(const Event& e, const TraceHeader& header);

}  // namespace gosim::trace
