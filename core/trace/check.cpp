// check_trace: replays a trace through a model of each G's state (Go's
// _Grunnable, _Grunning, _Gwaiting, _Gsyscall, _Gdead) and of which G runs on
// each P, and reports every event that the model says cannot happen.
#include "trace/check.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace gosim::trace {
namespace {

enum class GState : std::uint8_t { Runnable, Running, Waiting, Syscall, Stopped, Dead };

std::string_view state_words(GState s) {
  switch (s) {
    case GState::Runnable: return "runnable";
    case GState::Running: return "running";
    case GState::Waiting: return "blocked";
    case GState::Syscall: return "in a syscall";
    case GState::Stopped: return "parked forever";
    case GState::Dead: return "ended";
  }
  return "?";
}

struct G {
  GState state = GState::Runnable;
  std::int32_t p = -1;      // P it runs on, while Running
  bool fast_exit = false;   // running again after a fast GoSysExit; a GoStart may confirm it
};

bool needs_g(EventKind k) {
  switch (k) {
    case EventKind::GoCreate: case EventKind::GoStart: case EventKind::GoEnd: case EventKind::GoStop:
    case EventKind::GoSched: case EventKind::GoPreempt: case EventKind::GoBlock: case EventKind::GoUnblock:
    case EventKind::GoSysCall: case EventKind::GoSysBlock: case EventKind::GoSysExit:
    case EventKind::NetpollReady: case EventKind::TimerFire: case EventKind::GCMarkAssistStart:
    case EventKind::GCMarkAssistDone:
      return true;
    default: return false;
  }
}

bool needs_p(EventKind k) {
  switch (k) {
    case EventKind::GoStart: case EventKind::ProcStart: case EventKind::ProcStop: case EventKind::ProcSteal:
    case EventKind::HandoffP: case EventKind::GCWorkerStart: case EventKind::GCWorkerStop:
      return true;
    default: return false;
  }
}

bool needs_m(EventKind k) {
  switch (k) {
    case EventKind::GoStart: case EventKind::ProcStart: case EventKind::ProcStop: case EventKind::MStart:
    case EventKind::MPark: case EventKind::MUnpark: case EventKind::MSpin: case EventKind::MSpinStop:
    case EventKind::MExit:
      return true;
    default: return false;
  }
}

class Checker {
 public:
  explicit Checker(const Trace& t) : t_(t) {
    procs_ = t.header.gomaxprocs;
    running_.assign(procs_ > 0 ? static_cast<std::size_t>(procs_) : 0, -1);
    const auto& c = t.header.config;
    if (c.is_object() && c.contains("constants") && c["constants"].is_object()) {
      const auto& k = c["constants"];
      if (k.contains("max_threads") && k["max_threads"].is_number_integer()) {
        max_threads_ = k["max_threads"].get<std::int64_t>();
      }
    }
  }

  std::vector<std::string> run() {
    if (procs_ <= 0) problem_global(fmt::format("gomaxprocs is {}; it must be at least 1", procs_));
    for (std::size_t i = 0; i < t_.events.size(); ++i) {
      index_ = i;
      check(t_.events[i]);
    }
    finish();
    if (dropped_problems_ > 0) out_.push_back(fmt::format("... and {} more problems", dropped_problems_));
    return std::move(out_);
  }

 private:
  void problem_global(std::string msg) {
    if (out_.size() < kMaxCheckProblems) out_.push_back(std::move(msg));
    else ++dropped_problems_;
  }

  void problem(const Event& e, std::string_view msg) {
    if (out_.size() >= kMaxCheckProblems) {
      ++dropped_problems_;
      return;
    }
    std::string_view kind = kind_name(e.kind);
    out_.push_back(fmt::format("event {} (t={} {}{}{}{}): {}", index_, e.t,
                               kind.empty() ? fmt::format("kind#{}", static_cast<int>(e.kind)) : std::string(kind),
                               e.g >= 0 ? fmt::format(" g={}", e.g) : "", e.p >= 0 ? fmt::format(" p={}", e.p) : "",
                               e.m >= 0 ? fmt::format(" m={}", e.m) : "", msg));
  }

  // Rules V (vocabulary) and I (ids).
  bool vocabulary_and_ids(const Event& e) {
    bool ok = true;
    if (kind_name(e.kind).empty()) {
      problem(e, "unknown event kind");
      return false;  // nothing else can be checked
    }
    if (why_name(e.why).empty()) {
      problem(e, fmt::format("unknown why code {}", static_cast<int>(e.why)));
      ok = false;
    }
    int reasons = reason_count(e.kind);
    if (reasons == 0 && e.reason != 0) {
      problem(e, fmt::format("{} has no reason, but reason is {}", kind_name(e.kind), e.reason));
      ok = false;
    } else if (reasons > 0 && e.reason >= reasons) {
      problem(e, fmt::format("reason {} is out of range for {}", e.reason, kind_name(e.kind)));
      ok = false;
    }
    if (e.g < -1 || e.p < -1 || e.m < -1) {
      problem(e, "ids must be -1 or nonnegative");
      ok = false;
    }
    if (needs_g(e.kind) && e.g < 0) {
      problem(e, "needs a G");
      ok = false;
    }
    if (needs_p(e.kind) && e.p < 0) {
      problem(e, "needs a P");
      ok = false;
    }
    if (needs_m(e.kind) && e.m < 0) {
      problem(e, "needs an M");
      ok = false;
    }
    if (e.p >= 0 && e.p >= procs_) {
      problem(e, fmt::format("P{} is out of range (GOMAXPROCS={})", e.p, procs_));
      ok = false;
    }
    if (e.m >= 0 && max_threads_ > 0 && e.m >= max_threads_) {
      problem(e, fmt::format("M{} is out of range (constants.max_threads={})", e.m, max_threads_));
      ok = false;
    }
    if (e.kind == EventKind::ProcSteal) {
      if (e.a0 < 0 || e.a0 >= procs_ || e.a0 == e.p) {
        problem(e, fmt::format("steals from P{}, which is not another valid P", e.a0));
        ok = false;
      } else if (e.a1 < 0 || e.a1 > e.a2) {
        problem(e, fmt::format("stole {} Gs from a queue of {}", e.a1, e.a2));
        ok = false;
      }
    }
    if (e.kind == EventKind::Counter && e.a0 < 0) {
      problem(e, fmt::format("counter value {} is negative", e.a0));
      ok = false;
    }
    if (e.kind == EventKind::Counter && e.reason < kCounterIds) {
      bool per_p = static_cast<CounterId>(e.reason) == CounterId::LocalRunq;
      if (per_p && e.p < 0) {
        problem(e, "the local run queue counter needs a P");
        ok = false;
      }
    }
    return ok;
  }

  G* find(std::int32_t g) {
    auto it = gs_.find(g);
    return it == gs_.end() ? nullptr : &it->second;
  }

  // The G of a Go* event, which must exist and be in `want`.
  G* expect(const Event& e, std::initializer_list<GState> want, std::string_view doing) {
    G* g = find(e.g);
    if (!g) {
      problem(e, fmt::format("G{} {} before it was created", e.g, doing));
      return nullptr;
    }
    for (GState s : want) {
      if (g->state == s) return g;
    }
    problem(e, fmt::format("G{} {} but it is {}", e.g, doing, state_words(g->state)));
    return nullptr;
  }

  void stop_running(G* g) {
    if (g->p >= 0 && g->p < static_cast<std::int32_t>(running_.size())) {
      running_[static_cast<std::size_t>(g->p)] = -1;
    }
    g->p = -1;
  }

  void start_running(const Event& e, G* g, std::int32_t p) {
    auto& slot = running_[static_cast<std::size_t>(p)];
    if (slot >= 0 && slot != e.g) {
      problem(e, fmt::format("P{} already runs G{}", p, slot));
      // Keep going with the new G so one mistake gives one message.
      if (G* other = find(slot)) other->p = -1;
    }
    slot = e.g;
    g->state = GState::Running;
    g->p = p;
  }

  void check(const Event& e) {
    // Rule T: time.
    if (e.t < 0) problem(e, "negative time");
    if (index_ > 0 && e.t < last_t_) problem(e, fmt::format("time goes back from {}", last_t_));
    if (e.t > last_t_) last_t_ = e.t;
    if (!vocabulary_and_ids(e)) return;

    // Rule G: each G's state machine. Rule P: one G per P.
    switch (e.kind) {
      case EventKind::GoCreate:
        if (find(e.g)) {
          problem(e, fmt::format("G{} is created twice", e.g));
        } else {
          gs_[e.g] = G{};
          if (main_g_ < 0) main_g_ = e.g;  // the first G created is main
        }
        if (e.a0 >= 0) {
          G* creator = find(static_cast<std::int32_t>(e.a0));
          if (!creator || creator->state != GState::Running) {
            problem(e, fmt::format("creator G{} is not running", e.a0));
          }
        }
        break;
      case EventKind::GoStart: {
        G* g = find(e.g);
        if (g && g->state == GState::Running && g->fast_exit && g->p == e.p) {
          g->fast_exit = false;  // Go 1.19 traces GoSysExit then GoStart on the fast path
          break;
        }
        if ((g = expect(e, {GState::Runnable}, "starts"))) start_running(e, g, e.p);
        break;
      }
      case EventKind::GoEnd:
      case EventKind::GoStop:
      case EventKind::GoSched:
      case EventKind::GoPreempt:
      case EventKind::GoBlock:
      case EventKind::GoSysCall: {
        G* g = expect(e, {GState::Running}, "stops running");
        if (!g) break;
        if (e.p >= 0 && e.p != g->p) problem(e, fmt::format("G{} runs on P{}, not P{}", e.g, g->p, e.p));
        stop_running(g);
        g->fast_exit = false;
        switch (e.kind) {
          case EventKind::GoEnd: g->state = GState::Dead; break;
          case EventKind::GoStop: g->state = GState::Stopped; break;
          case EventKind::GoBlock: g->state = GState::Waiting; break;
          case EventKind::GoSysCall: g->state = GState::Syscall; break;
          default: g->state = GState::Runnable; break;
        }
        break;
      }
      case EventKind::GoUnblock:
        if (G* g = expect(e, {GState::Waiting}, "is unblocked")) g->state = GState::Runnable;
        break;
      case EventKind::GoSysBlock: expect(e, {GState::Syscall}, "loses its P in a syscall"); break;
      case EventKind::GoSysExit:
        if (G* g = expect(e, {GState::Syscall}, "returns from a syscall")) {
          if (e.p >= 0) {
            start_running(e, g, e.p);  // fast path: it runs on
            g->fast_exit = true;
          }
          else g->state = GState::Runnable;
        }
        break;
      case EventKind::NetpollReady:
      case EventKind::TimerFire:
        expect(e, {GState::Waiting, GState::Runnable}, "is readied by the poller or a timer");
        break;
      case EventKind::GCMarkAssistStart:
      case EventKind::GCMarkAssistDone: expect(e, {GState::Running}, "assists the GC"); break;
      case EventKind::ProcStop:
        // A P is released only from the scheduler, after its G stopped running (Rule P).
        if (running_[static_cast<std::size_t>(e.p)] >= 0) {
          problem(e, fmt::format("P{} stops while G{} runs on it", e.p, running_[static_cast<std::size_t>(e.p)]));
        }
        break;
      // Rule S: pairs.
      case EventKind::MSpin:
        if (!spinning_.emplace(e.m, true).second) problem(e, fmt::format("M{} is already spinning", e.m));
        break;
      case EventKind::MSpinStop:
        if (spinning_.erase(e.m) == 0) problem(e, fmt::format("M{} stops spinning but was not spinning", e.m));
        break;
      case EventKind::STWStart:
        if (in_stw_) problem(e, "the world is already stopped");
        in_stw_ = true;
        break;
      case EventKind::STWDone:
        if (!in_stw_) problem(e, "the world restarts but was not stopped");
        in_stw_ = false;
        break;
      case EventKind::GCStart:
        if (gc_cycle_ >= 0) problem(e, fmt::format("GC cycle {} starts during cycle {}", e.a0, gc_cycle_));
        gc_cycle_ = e.a0;
        break;
      case EventKind::GCDone:
        if (gc_cycle_ < 0) problem(e, "a GC cycle ends that never started");
        else if (e.a0 != gc_cycle_) problem(e, fmt::format("GC cycle {} ends, but cycle {} is running", e.a0, gc_cycle_));
        gc_cycle_ = -1;
        break;
      default: break;
    }
  }

  // Rule E: how the run ended. As in Go, the program exits when main returns:
  // the other Gs are dropped in whatever state they are (Go's trace has no
  // GoEnd for them either, and both engines stop tracing at the end), so an ok
  // run only needs main to have ended.
  void finish() {
    if (status_name(t_.outcome.status).empty()) problem_global("unknown outcome status");
    if (t_.outcome.end_time < 0) problem_global("negative end time");
    if (t_.outcome.status != RunOutcome::Status::Ok || t_.events_dropped > 0) return;
    if (main_g_ >= 0 && gs_[main_g_].state != GState::Dead) {
      problem_global(fmt::format("main G{} is still {} at the end, but the run is reported ok", main_g_,
                                 state_words(gs_[main_g_].state)));
    }
  }

  const Trace& t_;
  std::int32_t procs_ = 0;
  std::int64_t max_threads_ = 0;
  std::unordered_map<std::int32_t, G> gs_;
  std::vector<std::int32_t> running_;  // per P: G running, -1 none
  std::unordered_map<std::int32_t, bool> spinning_;
  bool in_stw_ = false;
  std::int64_t gc_cycle_ = -1;
  std::int32_t main_g_ = -1;
  Nanos last_t_ = 0;
  std::size_t index_ = 0;
  std::vector<std::string> out_;
  std::size_t dropped_problems_ = 0;
};

}  // namespace

std::vector<std::string> check_trace(const Trace& t) { return Checker(t).run(); }

}  // namespace gosim::trace
