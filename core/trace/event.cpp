// The stable names of the trace vocabulary: what trace files store and what
// readers parse back. Each table is sized by its initialiser and checked
// against the enum's count, so a value appended to an enum in event.h without
// a name here fails to compile. Append names in enum order, never reorder.
#include "trace/event.h"

#include <iterator>

namespace gosim::trace {
namespace {

constexpr std::string_view kKindNames[] = {
    "GoCreate", "GoStart", "GoEnd", "GoStop", "GoSched", "GoPreempt", "GoBlock", "GoUnblock",
    "GoSysCall", "GoSysBlock", "GoSysExit",
    "ProcStart", "ProcStop", "ProcSteal", "HandoffP",
    "MStart", "MPark", "MUnpark", "MSpin", "MSpinStop", "MExit",
    "SysmonWake", "NetpollReady", "TimerFire",
    "GCStart", "GCDone", "STWStart", "STWDone", "GCMarkAssistStart", "GCMarkAssistDone",
    "GCWorkerStart", "GCWorkerStop",
    "Counter",
    // append here
};
static_assert(std::size(kKindNames) == kEventKinds, "every EventKind needs a name");

// Go 1.19's wait-reason words (runtime2.go waitReasonStrings; §1.2 of the model).
constexpr std::string_view kBlockWords[] = {
    "chan send", "chan receive", "select", "select (no cases)", "semacquire", "semacquire",
    "sleep", "IO wait", "GC assist wait", "syscall",
    // append here
};
static_assert(std::size(kBlockWords) == kBlockReasons);

// Enumerator names, as stored in files (Event.reason by kind).
constexpr std::string_view kBlockNames[] = {
    "ChanSend", "ChanRecv", "Select", "SelectNoCases", "Mutex", "WaitGroup", "Sleep", "NetWait",
    "GCAssist", "Syscall",
};
static_assert(std::size(kBlockNames) == kBlockReasons);
constexpr std::string_view kQueueNames[] = {"Runnext", "Local", "Global", "Direct"};
static_assert(std::size(kQueueNames) == kQueues);
constexpr std::string_view kPreemptNames[] = {"TimeSlice", "STW", "Yield"};
static_assert(std::size(kPreemptNames) == kPreemptReasons);
constexpr std::string_view kSysExitNames[] = {"FastOldP", "FastIdleP", "Slow"};
static_assert(std::size(kSysExitNames) == kSysExitPaths);
constexpr std::string_view kProcStopNames[] = {"Idle", "Syscall", "GCStop", "Handoff"};
static_assert(std::size(kProcStopNames) == kProcStopReasons);
constexpr std::string_view kHandoffNames[] = {"SyscallRetake", "SyscallBlock", "STW", "LockedM"};
static_assert(std::size(kHandoffNames) == kHandoffReasons);
constexpr std::string_view kTriggerNames[] = {"Heap", "Forced", "Time"};
static_assert(std::size(kTriggerNames) == kGCTriggers);
constexpr std::string_view kSTWNames[] = {"SweepTermination", "MarkTermination"};
static_assert(std::size(kSTWNames) == kSTWKinds);
constexpr std::string_view kWorkerNames[] = {"Dedicated", "Fractional", "Idle"};
static_assert(std::size(kWorkerNames) == kWorkerModes);

constexpr std::string_view kCounterNames[] = {
    "GlobalRunq", "LocalRunq", "Threads", "IdleThreads", "SpinningMs", "IdlePs", "Goroutines",
    "RunnableGs", "HeapLive", "HeapGoal",
    // append here
};
static_assert(std::size(kCounterNames) == kCounterIds);
constexpr std::string_view kCounterLabels[] = {
    "global run queue", "local run queue", "threads", "idle threads", "spinning Ms", "idle Ps",
    "goroutines", "runnable Gs", "heap live", "heap goal",
};
static_assert(std::size(kCounterLabels) == kCounterIds);

constexpr std::string_view kWhyNames[] = {
    "None",
    "StartRunnext", "StartLocal", "StartGlobal", "StartFairness", "StartSteal", "StartNetpoll",
    "StartSyscallFast", "StartAfterSyscall", "StartInjected",
    "BlockChanSend", "BlockChanRecv", "BlockSelect", "BlockMutex", "BlockWaitGroup", "BlockSleep",
    "BlockNet",
    "WakeChanSend", "WakeChanRecv", "WakeChanClose", "WakeMutex", "WakeMutexHandoff",
    "WakeWaitGroup", "WakeTimer", "WakeNetpoll", "WakeGCAssist",
    "ProcIdleNoWork", "ProcStealGot", "SpinLookForWork", "SpinGiveUp", "SpinFoundWork",
    "WakepIdleP", "MParkNoWork", "MNewNoIdle", "MReuseIdle",
    "HandoffRetake", "HandoffBlockingSyscall", "HandoffSTW",
    "SysExitFast", "SysExitIdleP", "SysExitSlow",
    "PreemptTimeSlice", "PreemptSTW", "GoschedToGlobal",
    "OverflowToGlobal",
    "GCHeapTrigger", "GCForced", "STWStopAll", "STWRestart", "AssistDebt", "WorkerDedicated",
    "WorkerFractional", "WorkerIdle",
    "GoExit", "SysmonTick", "NetpollBlocking", "NetpollSysmon", "TimerExpired",
    // append here
};
static_assert(std::size(kWhyNames) == kWhyCodes, "every Why code needs a name");

constexpr std::string_view kStatusNames[] = {"ok", "deadlock", "limit", "error"};
static_assert(std::size(kStatusNames) == static_cast<int>(RunOutcome::Status::Error) + 1);

template <typename Table>
std::string_view at(const Table& table, int i) {
  return i >= 0 && i < static_cast<int>(std::size(table)) ? table[i] : std::string_view{};
}

template <typename Table>
int find(const Table& table, std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(table)); ++i) {
    if (table[i] == name) return i;
  }
  return -1;
}

// The reason table of a kind, or an empty span.
struct ReasonTable {
  const std::string_view* names = nullptr;
  int count = 0;
};

template <std::size_t N>
constexpr ReasonTable table(const std::string_view (&names)[N]) {
  return {names, static_cast<int>(N)};
}

ReasonTable reasons_of(EventKind kind) {
  switch (kind) {
    case EventKind::GoBlock: return table(kBlockNames);
    case EventKind::GoUnblock: return table(kQueueNames);
    case EventKind::GoPreempt: return table(kPreemptNames);
    case EventKind::GoSysExit: return table(kSysExitNames);
    case EventKind::ProcStop: return table(kProcStopNames);
    case EventKind::HandoffP: return table(kHandoffNames);
    case EventKind::GCStart: return table(kTriggerNames);
    case EventKind::STWStart:
    case EventKind::STWDone: return table(kSTWNames);
    case EventKind::GCWorkerStart:
    case EventKind::GCWorkerStop: return table(kWorkerNames);
    case EventKind::Counter: return table(kCounterNames);
    default: return {};
  }
}

}  // namespace

std::string_view kind_name(EventKind kind) { return at(kKindNames, static_cast<int>(kind)); }
std::string_view block_reason_name(BlockReason r) { return at(kBlockWords, static_cast<int>(r)); }
std::string_view counter_name(CounterId c) { return at(kCounterNames, static_cast<int>(c)); }
std::string_view counter_label(CounterId c) { return at(kCounterLabels, static_cast<int>(c)); }
std::string_view why_name(Why w) { return at(kWhyNames, static_cast<int>(w)); }
std::string_view status_name(RunOutcome::Status s) { return at(kStatusNames, static_cast<int>(s)); }

bool parse_kind(std::string_view name, EventKind* out) {
  int i = find(kKindNames, name);
  if (i < 0) return false;
  *out = static_cast<EventKind>(i);
  return true;
}

bool parse_why(std::string_view name, Why* out) {
  int i = find(kWhyNames, name);
  if (i < 0) return false;
  *out = static_cast<Why>(i);
  return true;
}

bool parse_counter(std::string_view name, CounterId* out) {
  int i = find(kCounterNames, name);
  if (i < 0) return false;
  *out = static_cast<CounterId>(i);
  return true;
}

bool parse_status(std::string_view name, RunOutcome::Status* out) {
  int i = find(kStatusNames, name);
  if (i < 0) return false;
  *out = static_cast<RunOutcome::Status>(i);
  return true;
}

int reason_count(EventKind kind) { return reasons_of(kind).count; }

std::string_view reason_name(EventKind kind, std::uint8_t reason) {
  ReasonTable t = reasons_of(kind);
  return reason < t.count ? t.names[reason] : std::string_view{};
}

bool parse_reason(EventKind kind, std::string_view name, std::uint8_t* out) {
  ReasonTable t = reasons_of(kind);
  for (int i = 0; i < t.count; ++i) {
    if (t.names[i] == name) {
      *out = static_cast<std::uint8_t>(i);
      return true;
    }
  }
  return false;
}

}  // namespace gosim::trace
