// The words behind every "why": one template per Why code (and a plain one
// per event kind for events without a code), filled from the event's fields
// and the header's names. Views, writers and the docs all read them from here,
// so learners see the same sentence everywhere.
//
// Placeholders (docs/trace-format.md lists them too):
//   {g} {p} {m}      "G7", "P1", "M3" (from g, p, m; "no P" etc. when -1)
//   {a0} {a1} {a2}   the raw numbers
//   {waker}          G a0 ("the runtime" when -1): GoUnblock's waker, GoCreate's creator
//   {fn}             function a1's name        {chan} {mutex} {wg}  object a0's name
//   {victim}         "P<a0>"                   {from_m} "M<a0>"    {to_m} m or "the idle list"
//   {queue}          where GoUnblock put the G, from reason and p
//   {dur}            a0 as a duration          {until}  a1 as a time
//   {debt}           a0 as bytes               {heap} a1 as bytes   {goal} a2 as bytes
//   {block} {stw} {mode} {counter} {on_p}   words for reason by kind; " on P1" or ""
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "trace/event.h"
#include "trace/human.h"

namespace gosim::trace {
namespace {

// Indexed by Why. Append in enum order (see event.h); the size is checked.
constexpr std::string_view kWhyTemplates[] = {
    "",  // None: the kind's text is used
    // GoStart: where the G came from.
    "{p}: runs {g} from runnext (it inherits the current time slice)",
    "{p}: runs {g} from its local run queue",
    "{p}: local run queue empty, runs {g} from the global queue",
    "{p}: every 61st tick takes the global queue first so it is not starved: runs {g}",
    "{p}: local and global queues empty, runs {g} stolen from another P",
    "{p}: no queued work, runs {g} whose network wait became ready",
    "{g} is back from its syscall and keeps running on {p} (fast path)",
    "{p}: runs {g}, back from a syscall that lost its P",
    "{p}: runs {g}, readied by a timer or the network poller",
    // GoBlock.
    "{g} blocked sending on channel {chan} (full, no receiver)",
    "{g} blocked receiving from channel {chan} (empty, no sender)",
    "{g} blocked in select: no case is ready",
    "{g} blocked locking mutex {mutex} (held by another G)",
    "{g} blocked waiting on wait group {wg} (counter not zero)",
    "{g} sleeps until {until}; its P runs other Gs",
    "{g} waits for the network (ready at {until}); the poller will wake it",
    // GoUnblock.
    "{waker} sent on a channel: {g} gets the value and goes to {queue}",
    "{waker} received from a channel: blocked sender {g} goes to {queue}",
    "{waker} closed a channel: {g} wakes and goes to {queue}",
    "{waker} unlocked a mutex: {g} wakes to retry the lock, goes to {queue}",
    "{waker} unlocked a starving mutex and hands it to {g} directly ({queue})",
    "{waker} brought a wait group to zero: {g} goes to {queue}",
    "{g}'s sleep timer fired: it goes to {queue}",
    "network ready: the poller puts {g} on {queue}",
    "background marking paid {g}'s assist debt: it goes to {queue}",
    // Processors and threads.
    "{p}: no work anywhere (local, global, network, other Ps), goes idle",
    "{p}: local and global queues empty, stole {a1} of {a2} Gs from {victim}",
    "{m} on {p} spins: looking for work to steal",
    "{m} stops spinning: found no work",
    "{m} stops spinning: found work",
    "new work and an idle P: {m} is woken to run {p} (wakep)",
    "{m} found no work and parks on the idle M list",
    "no idle M to run {p}: creates thread {m} ({a0} threads now)",
    "reuses idle thread {m} for {p}",
    "sysmon retook {p} from {from_m}, stuck in a syscall, and hands it to {to_m}",
    "{from_m} blocks in a syscall: {p} is handed to {to_m}",
    "{p} is handed over to stop the world",
    "{g} is back from its syscall; its old {p} was still free (fast path)",
    "{g} is back from its syscall; its P was taken, so it got idle {p}",
    "{g} is back from its syscall with no P free: it goes to the global queue, its M parks",
    "sysmon preempted {g} after {dur} (the time slice is 10ms); it goes to the global queue",
    "{g} preempted to stop the world",
    "{g} called runtime.Gosched: it goes to the global queue",
    "a local run queue is full: its older half moves to the global queue in one batch",
    // GC.
    "heap reached {heap} of a {goal} goal: GC cycle {a0} starts",
    "runtime.GC() called: GC cycle {a0} starts",
    "stop the world ({stw}): every P stops at a safe point",
    "start the world after {stw}: paused {dur}",
    "{g} allocates faster than the GC marks: assists to pay {debt} of debt",
    "{p} runs a dedicated GC mark worker (25% of the Ps)",
    "{p} runs a fractional GC mark worker",
    "{p} has nothing to run: it marks for the GC while idle",
    // Run end, sysmon, poller, timers.
    "{g} returned from its function",
    "sysmon wakes: checks syscalls, long-running Gs and the network; next sleep {dur}",
    "an M blocked in the network poller woke up: {a0} G(s) ready",
    "sysmon polled the network (nobody had for 10ms): {a0} G(s) ready",
    "{g}'s timer expired on {p}",
    // append here
};
static_assert(std::size(kWhyTemplates) == kWhyCodes, "every Why code needs a template");

// A why code shared by two kinds whose fields differ gets a variant per kind
// (looked up first). E.g. a retake shows on GoSysBlock (g in the syscall) and
// on HandoffP (from M a0 to M m).
struct Variant {
  Why why;
  EventKind kind;
  std::string_view text;
};
constexpr Variant kVariants[] = {
    {Why::HandoffRetake, EventKind::GoSysBlock,
     "sysmon retook {p} from {g}, in a syscall for at least one sysmon tick"},
    {Why::HandoffBlockingSyscall, EventKind::GoSysBlock, "{g} blocks in a syscall: {p} is handed off at once"},
    {Why::HandoffSTW, EventKind::GoSysBlock, "{g} is in a syscall: its {p} is taken to stop the world"},
};

// Indexed by EventKind: the text of an event without a why code.
constexpr std::string_view kKindTemplates[] = {
    "{waker} creates {g} running {fn}",
    "{p} runs {g}",
    "{g} ends",
    "{g} parks forever",
    "{g} yields (Gosched)",
    "{g} is preempted after {dur}",
    "{g} blocks ({block})",
    "{waker} makes {g} runnable on {queue}",
    "{g} enters a syscall of {dur} on {m}",
    "{g}'s syscall blocks: {p} is taken from it",
    "{g} returns from its syscall",
    "{m} acquires {p}",
    "{m} releases {p}",
    "{p} steals {a1} of {a2} Gs from {victim}",
    "{p} is handed from {from_m} to {to_m}",
    "thread {m} created ({a0} in total)",
    "{m} parks",
    "{m} is unparked",
    "{m} spins",
    "{m} stops spinning",
    "{m} exits",
    "sysmon wakes",
    "{g}'s network wait is ready",
    "{g}'s timer fires",
    "GC cycle {a0} starts (heap {heap}, goal {goal})",
    "GC cycle {a0} done: {heap} marked",
    "stop the world ({stw})",
    "world restarted after {dur} ({stw})",
    "{g} assists marking ({debt} of debt)",
    "{g} finished its mark assist",
    "{p} runs a GC mark worker ({mode})",
    "{p}'s GC mark worker stops",
    "{counter}{on_p} = {a0}",
    // append here
};
static_assert(std::size(kKindTemplates) == kEventKinds, "every EventKind needs a template");

void append_id(std::string& out, char prefix, std::int64_t id, std::string_view none) {
  if (id < 0) {
    out += none;
    return;
  }
  out += prefix;
  fmt::format_int f(id);
  out.append(f.data(), f.size());
}

void append_name(std::string& out, const std::vector<std::string>& names, std::int64_t i,
                 std::string_view what) {
  if (i >= 0 && i < static_cast<std::int64_t>(names.size())) {
    out += names[static_cast<std::size_t>(i)];
  } else {
    out += what;
    out += " #";
    fmt::format_int f(i);
    out.append(f.data(), f.size());
  }
}

void append_queue(std::string& out, const Event& e) {
  switch (static_cast<Queue>(e.reason)) {
    case Queue::Runnext:
      append_id(out, 'P', e.p, "a P");
      out += "'s runnext";
      return;
    case Queue::Local:
      append_id(out, 'P', e.p, "a P");
      out += "'s local run queue";
      return;
    case Queue::Global: out += "the global run queue"; return;
    case Queue::Direct:
      out += "run directly";
      if (e.p >= 0) {
        out += " on ";
        append_id(out, 'P', e.p, "");
      }
      return;
  }
  out += "a run queue";
}

enum class Ph : std::uint8_t {
  Literal, G, P, M, A0, A1, A2, Waker, Fn, Chan, Mutex, Wg, Victim, FromM, ToM, Queue, Dur, Until,
  Debt, Heap, Goal, Block, Stw, Mode, Counter, OnP, Unknown,
};

Ph placeholder(std::string_view key) {
  static constexpr std::pair<std::string_view, Ph> keys[] = {
      {"g", Ph::G}, {"p", Ph::P}, {"m", Ph::M}, {"a0", Ph::A0}, {"a1", Ph::A1}, {"a2", Ph::A2},
      {"waker", Ph::Waker}, {"fn", Ph::Fn}, {"chan", Ph::Chan}, {"mutex", Ph::Mutex}, {"wg", Ph::Wg},
      {"victim", Ph::Victim}, {"from_m", Ph::FromM}, {"to_m", Ph::ToM}, {"queue", Ph::Queue},
      {"dur", Ph::Dur}, {"until", Ph::Until}, {"debt", Ph::Debt}, {"heap", Ph::Heap}, {"goal", Ph::Goal},
      {"block", Ph::Block}, {"stw", Ph::Stw}, {"mode", Ph::Mode}, {"counter", Ph::Counter}, {"on_p", Ph::OnP},
  };
  for (auto [k, ph] : keys) {
    if (k == key) return ph;
  }
  return Ph::Unknown;
}

void append_placeholder(std::string& out, Ph ph, std::string_view key, const Event& e, const TraceHeader& h) {
  switch (ph) {
    case Ph::Literal: return;
    case Ph::G: return append_id(out, 'G', e.g, "no G");
    case Ph::P: return append_id(out, 'P', e.p, "no P");
    case Ph::M: return append_id(out, 'M', e.m, "no M");
    case Ph::A0: out += fmt::format_int(e.a0).c_str(); return;
    case Ph::A1: out += fmt::format_int(e.a1).c_str(); return;
    case Ph::A2: out += fmt::format_int(e.a2).c_str(); return;
    case Ph::Waker: return append_id(out, 'G', e.a0, "the runtime");
    case Ph::Fn: return append_name(out, h.functions, e.a1, "function");
    case Ph::Chan: return append_name(out, h.channels, e.a0, "channel");
    case Ph::Mutex: return append_name(out, h.mutexes, e.a0, "mutex");
    case Ph::Wg: return append_name(out, h.waitgroups, e.a0, "wait group");
    case Ph::Victim: return append_id(out, 'P', e.a0, "no P");
    case Ph::FromM: return append_id(out, 'M', e.a0, "no M");
    case Ph::ToM: return append_id(out, 'M', e.m, "the idle list");
    case Ph::Queue: return append_queue(out, e);
    case Ph::Dur: return append_duration(out, e.a0);
    case Ph::Until:
      if (e.a1 < 0) out += "unknown";
      else append_duration(out, e.a1);
      return;
    case Ph::Debt: return append_bytes(out, e.a0);
    case Ph::Heap: return append_bytes(out, e.a1);
    case Ph::Goal: return append_bytes(out, e.a2);
    case Ph::Block: {
      std::string_view w = block_reason_name(static_cast<BlockReason>(e.reason));
      out += w.empty() ? std::string_view("unknown reason") : w;
      return;
    }
    case Ph::Stw:
      out += e.reason == static_cast<std::uint8_t>(STWKind::SweepTermination) ? "sweep termination"
                                                                               : "mark termination";
      return;
    case Ph::Mode: {
      static constexpr std::string_view modes[] = {"dedicated", "fractional", "idle"};
      static_assert(std::size(modes) == kWorkerModes);
      out += e.reason < kWorkerModes ? modes[e.reason] : std::string_view("unknown mode");
      return;
    }
    case Ph::Counter: {
      std::string_view l = counter_label(static_cast<CounterId>(e.reason));
      out += l.empty() ? std::string_view("unknown counter") : l;
      return;
    }
    case Ph::OnP:
      if (e.p >= 0) {
        out += " on ";
        append_id(out, 'P', e.p, "");
      }
      return;
    case Ph::Unknown: break;
  }
  // An unknown placeholder is a bug in a template above; show it rather than crash.
  out += '{';
  out += key;
  out += '}';
}

// A template cut into literal text and placeholders once, so rendering the
// millions of events of a big run does no parsing.
struct Piece {
  std::string_view text;  // the literal, or the placeholder's key
  Ph ph = Ph::Literal;
};
using Compiled = std::vector<Piece>;

Compiled compile(std::string_view tmpl) {
  Compiled out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    std::size_t open = tmpl.find('{', i);
    std::size_t close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (open == std::string_view::npos || close == std::string_view::npos) {
      out.push_back({tmpl.substr(i), Ph::Literal});
      break;
    }
    if (open > i) out.push_back({tmpl.substr(i, open - i), Ph::Literal});
    std::string_view key = tmpl.substr(open + 1, close - open - 1);
    out.push_back({key, placeholder(key)});
    i = close + 1;
  }
  return out;
}

struct CompiledTables {
  std::vector<Compiled> why, kind, variant;
  CompiledTables() {
    for (std::string_view t : kWhyTemplates) why.push_back(compile(t));
    for (std::string_view t : kKindTemplates) kind.push_back(compile(t));
    for (const Variant& v : kVariants) variant.push_back(compile(v.text));
  }
};

const CompiledTables& tables() {
  static const CompiledTables t;
  return t;
}

void render(std::string& out, const Compiled& c, const Event& e, const TraceHeader& h) {
  for (const Piece& piece : c) {
    if (piece.ph == Ph::Literal) out += piece.text;
    else append_placeholder(out, piece.ph, piece.text, e, h);
  }
}

}  // namespace

std::string_view why_template(Why w, EventKind kind) {
  for (const Variant& v : kVariants) {
    if (v.why == w && v.kind == kind) return v.text;
  }
  return why_template(w);
}

std::string_view why_template(Why w) {
  int i = static_cast<int>(w);
  return i >= 0 && i < kWhyCodes ? kWhyTemplates[i] : std::string_view{};
}

std::string_view kind_template(EventKind k) {
  int i = static_cast<int>(k);
  return i >= 0 && i < kEventKinds ? kKindTemplates[i] : std::string_view{};
}

void describe_to(std::string& out, const Event& e, const TraceHeader& header) {
  const CompiledTables& t = tables();
  auto w = static_cast<std::size_t>(e.why);
  auto k = static_cast<std::size_t>(e.kind);
  for (std::size_t i = 0; i < std::size(kVariants); ++i) {
    if (kVariants[i].why == e.why && kVariants[i].kind == e.kind) return render(out, t.variant[i], e, header);
  }
  if (w < t.why.size() && !t.why[w].empty()) return render(out, t.why[w], e, header);
  if (k < t.kind.size() && !t.kind[k].empty()) return render(out, t.kind[k], e, header);
  out += "unknown event";
}

std::string describe(const Event& e, const TraceHeader& header) {
  std::string s;
  describe_to(s, e, header);
  return s;
}

}  // namespace gosim::trace
