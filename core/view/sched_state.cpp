// Replaying events into scheduler state. Each case moves Gs, Ps and Ms
// exactly as the event's documented effect says (event.h, docs/trace-format.md);
// nothing here decides anything the trace did not record.
#include "view/sched_state.h"

#include <algorithm>

namespace gosim::view {
namespace {

using trace::EventKind;

// Ids beyond this are treated as corrupt rather than allocated.
constexpr std::int32_t kMaxId = 1 << 26;

bool valid_id(std::int32_t id) { return id >= 0 && id < kMaxId; }

bool erase_one(std::deque<std::int32_t>& q, std::int32_t g) {
  auto it = std::find(q.begin(), q.end(), g);
  if (it == q.end()) return false;
  q.erase(it);
  return true;
}

}  // namespace

MStatus MInfo::status() const {
  if (exited) return MStatus::Exited;
  if (!started) return MStatus::NotStarted;
  if (in_syscall) return MStatus::Syscall;
  if (parked) return MStatus::Idle;
  if (spinning) return MStatus::Spinning;
  if (p >= 0) return MStatus::Running;
  return MStatus::NoP;
}

SchedState::SchedState(int gomaxprocs) : gomaxprocs_(gomaxprocs) {
  if (gomaxprocs > 0) ps.resize(static_cast<std::size_t>(gomaxprocs));
}

SchedState::SchedState(const trace::TraceHeader& header) : SchedState(header.gomaxprocs) {
  const nlohmann::json& c = header.config;
  if (!c.is_object()) return;
  auto go = c.find("constants");
  if (go != c.end() && go->is_object()) {
    auto size = go->find("local_runq_size");
    if (size != go->end() && size->is_number_integer() && size->get<std::int64_t>() > 1)
      local_runq_size = size->get<std::size_t>();
  }
  auto mech = c.find("mechanisms");
  if (mech != c.end() && mech->is_object()) {
    auto rn = mech->find("runnext");
    if (rn != mech->end() && rn->is_boolean()) runnext_enabled = rn->get<bool>();
    auto ho = mech->find("syscall_handoff");
    if (ho != mech->end() && ho->is_boolean()) syscall_handoff = ho->get<bool>();
  }
}

const GInfo* SchedState::g(std::int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < gs.size() ? &gs[id] : nullptr;
}
const PInfo* SchedState::p(std::int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < ps.size() ? &ps[id] : nullptr;
}
const MInfo* SchedState::m(std::int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < ms.size() ? &ms[id] : nullptr;
}
std::size_t SchedState::queued(std::int32_t id) const {
  const PInfo* pp = p(id);
  if (!pp) return 0;
  return pp->runq.size() + (pp->runnext >= 0 ? 1 : 0);
}

GInfo& SchedState::g_mut(std::int32_t id) {
  if (static_cast<std::size_t>(id) >= gs.size()) gs.resize(static_cast<std::size_t>(id) + 1);
  return gs[id];
}
PInfo& SchedState::p_mut(std::int32_t id) {
  if (static_cast<std::size_t>(id) >= ps.size()) ps.resize(static_cast<std::size_t>(id) + 1);
  return ps[id];
}
MInfo& SchedState::m_mut(std::int32_t id) {
  if (static_cast<std::size_t>(id) >= ms.size()) ms.resize(static_cast<std::size_t>(id) + 1);
  return ms[id];
}

// Takes g out of whatever queue holds it; first where it was recorded, then
// (only if the trace was inconsistent) anywhere.
void SchedState::unqueue(std::int32_t g) {
  GInfo& G = g_mut(g);
  if (G.status != GStatus::Runnable) return;
  bool found = false;
  switch (G.where) {
    case GWhere::Runnext:
      if (valid_id(G.p) && p_mut(G.p).runnext == g) {
        ps[G.p].runnext = -1;
        found = true;
      }
      break;
    case GWhere::Local:
      found = valid_id(G.p) && erase_one(p_mut(G.p).runq, g);
      break;
    case GWhere::Global:
      found = erase_one(global, g);
      break;
    case GWhere::Direct:
    case GWhere::None:
      found = true;
      break;
  }
  if (!found) {
    for (PInfo& P : ps) {
      if (P.runnext == g) P.runnext = -1;
      erase_one(P.runq, g);
    }
    erase_one(global, g);
  }
  G.where = GWhere::None;
}

void SchedState::stop_running(std::int32_t g) {
  GInfo& G = g_mut(g);
  if (valid_id(G.p) && static_cast<std::size_t>(G.p) < ps.size() && ps[G.p].g == g) {
    ps[G.p].g = -1;
    ps[G.p].since = now;
  }
  if (valid_id(G.m) && static_cast<std::size_t>(G.m) < ms.size() && ms[G.m].g == g) ms[G.m].g = -1;
  G.p = -1;
  G.m = -1;
  G.since = now;
  G.assisting = false;  // an assist runs on the G's own time: it ends when the G stops
}

void SchedState::make_runnable(std::int32_t g, Nanos t) {
  GInfo& G = g_mut(g);
  G.status = GStatus::Runnable;
  G.since = t;
  G.ready_at = -1;
  G.object = -1;
  G.forever = false;
}

// runqput(p, g, next=true): the previous runnext occupant moves to the tail.
void SchedState::put_runnext(std::int32_t p, std::int32_t g) {
  PInfo& P = p_mut(p);
  std::int32_t old = P.runnext;
  P.runnext = g;
  GInfo& G = g_mut(g);
  G.where = GWhere::Runnext;
  G.p = p;
  if (old >= 0 && old != g) put_local(p, old);
}

// runqput(p, g, next=false); a full ring sends its older half plus g to the
// global queue in one batch (runqputslow).
void SchedState::put_local(std::int32_t p, std::int32_t g) {
  PInfo& P = p_mut(p);
  if (P.runq.size() >= local_runq_size) {
    std::size_t half = P.runq.size() / 2;
    for (std::size_t i = 0; i < half; ++i) {
      std::int32_t moved = P.runq.front();
      P.runq.pop_front();
      put_global(moved);
    }
    put_global(g);
    return;
  }
  P.runq.push_back(g);
  GInfo& G = g_mut(g);
  G.where = GWhere::Local;
  G.p = p;
}

void SchedState::put_global(std::int32_t g) {
  global.push_back(g);
  GInfo& G = g_mut(g);
  G.where = GWhere::Global;
  G.p = -1;
}

void SchedState::release_p(std::int32_t p) {
  PInfo& P = p_mut(p);
  if (valid_id(P.m) && static_cast<std::size_t>(P.m) < ms.size() && ms[P.m].p == p) {
    ms[P.m].p = -1;
    ms[P.m].spinning = false;
  }
  P.m = -1;
  P.g = -1;
  P.gc_worker = false;
  P.status = PStatus::Idle;
  P.since = now;
}

void SchedState::attach(std::int32_t m, std::int32_t p) {
  MInfo& M = m_mut(m);
  PInfo& P = p_mut(p);
  // A P has one owner: whoever held it before has lost it.
  if (valid_id(P.m) && P.m != m && static_cast<std::size_t>(P.m) < ms.size() && ms[P.m].p == p) {
    ms[P.m].p = -1;
    ms[P.m].spinning = false;
  }
  if (valid_id(M.p) && M.p != p && static_cast<std::size_t>(M.p) < ps.size() && ps[M.p].m == m &&
      ps[M.p].status != PStatus::Syscall) {
    ps[M.p].m = -1;
    ps[M.p].status = PStatus::Idle;
  }
  M.p = p;
  M.started = true;
  M.parked = false;
  if (P.m != m || P.status != PStatus::Running) P.since = now;
  P.m = m;
  P.status = PStatus::Running;
}

void SchedState::apply(const trace::Event& e) {
  now = e.t;
  ++applied;
  bool has_g = valid_id(e.g), has_p = valid_id(e.p), has_m = valid_id(e.m);
  if (has_m) m_mut(e.m).started = true;
  if (has_p) p_mut(e.p);
  if (has_g) g_mut(e.g);

  switch (e.kind) {
    case EventKind::GoCreate: {
      if (!has_g) break;
      GInfo& G = gs[e.g];
      G = GInfo{};
      G.fn = static_cast<std::int32_t>(e.a1);
      make_runnable(e.g, e.t);
      std::int32_t target = e.p;
      if (!valid_id(target) && valid_id(static_cast<std::int32_t>(e.a0))) {
        const GInfo* creator = g(static_cast<std::int32_t>(e.a0));
        if (creator && creator->status == GStatus::Running) target = creator->p;
      }
      if (!valid_id(target)) put_global(e.g);
      else if (runnext_enabled) put_runnext(target, e.g);
      else put_local(target, e.g);
      break;
    }
    case EventKind::GoStart: {
      if (!has_g) break;
      // globrunqget: a G from the global queue brings a batch along to the
      // local queue; the trace records only the G that runs (the batch size
      // rule is Go's, so the replay applies it).
      std::size_t batch = 0;
      if ((e.why == trace::Why::StartGlobal || e.why == trace::Why::StartFairness) && has_p &&
          gs[e.g].status == GStatus::Runnable && gs[e.g].where == GWhere::Global) {
        std::size_t n = global.size();
        std::size_t procs = gomaxprocs_ > 0 ? static_cast<std::size_t>(gomaxprocs_) : std::max<std::size_t>(1, ps.size());
        batch = std::min(n, n / procs + 1);
        if (e.why == trace::Why::StartFairness) batch = std::min<std::size_t>(batch, 1);
        batch = std::min(batch, local_runq_size / 2);
      }
      unqueue(e.g);
      for (std::size_t i = 1; i < batch && !global.empty(); ++i) {
        std::int32_t next = global.front();
        global.pop_front();
        put_local(e.p, next);
      }
      GInfo& G = gs[e.g];
      G.status = GStatus::Running;
      G.since = e.t;
      G.ready_at = -1;
      if (has_p) {
        if (has_m) attach(e.m, e.p);
        PInfo& P = ps[e.p];
        P.g = e.g;
        P.since = e.t;
        G.p = e.p;
      }
      if (has_m) {
        MInfo& M = ms[e.m];
        M.g = e.g;
        M.spinning = false;
        M.in_syscall = false;
        M.parked = false;
        G.m = e.m;
      }
      break;
    }
    case EventKind::GoEnd:
    case EventKind::GoStop:
    case EventKind::GoBlock: {
      if (!has_g) break;
      stop_running(e.g);
      GInfo& G = gs[e.g];
      G.assisting = false;
      if (e.kind == EventKind::GoEnd) {
        G.status = GStatus::Dead;
      } else {
        G.status = GStatus::Waiting;
        G.forever = e.kind == EventKind::GoStop;
        G.block = e.kind == EventKind::GoStop ? trace::BlockReason::SelectNoCases
                                              : static_cast<trace::BlockReason>(e.reason);
        G.object = e.kind == EventKind::GoBlock ? e.a0 : -1;
        G.ready_at = e.kind == EventKind::GoBlock ? e.a1 : -1;
      }
      break;
    }
    case EventKind::GoSched:
    case EventKind::GoPreempt: {
      if (!has_g) break;
      std::int32_t was_on = gs[e.g].p;
      if (!valid_id(was_on)) was_on = e.p;
      if (gs[e.g].status == GStatus::Runnable) unqueue(e.g);
      stop_running(e.g);
      make_runnable(e.g, e.t);
      // goyield keeps the G local; Gosched and preemption use the global queue.
      bool yield = e.kind == EventKind::GoPreempt &&
                   static_cast<trace::PreemptReason>(e.reason) == trace::PreemptReason::Yield;
      if (yield && valid_id(was_on)) put_local(was_on, e.g);
      else put_global(e.g);
      break;
    }
    case EventKind::GoUnblock: {
      if (!has_g) break;
      if (gs[e.g].status == GStatus::Runnable) unqueue(e.g);
      make_runnable(e.g, e.t);
      switch (static_cast<trace::Queue>(e.reason)) {
        case trace::Queue::Runnext:
          if (has_p) put_runnext(e.p, e.g);
          else put_global(e.g);
          break;
        case trace::Queue::Local:
          if (has_p) put_local(e.p, e.g);
          else put_global(e.g);
          break;
        case trace::Queue::Global:
          put_global(e.g);
          break;
        case trace::Queue::Direct:
          gs[e.g].where = GWhere::Direct;
          gs[e.g].p = e.p;
          break;
        default:
          put_global(e.g);
          break;
      }
      break;
    }
    case EventKind::GoSysCall: {
      if (!has_g) break;
      GInfo& G = gs[e.g];
      std::int32_t p = valid_id(G.p) ? G.p : e.p;
      std::int32_t m = valid_id(G.m) ? G.m : e.m;
      G.status = GStatus::Syscall;
      G.since = e.t;
      G.assisting = false;
      G.m = m;
      G.p = -1;
      if (valid_id(p)) {
        PInfo& P = p_mut(p);
        if (P.g == e.g) P.g = -1;
        P.status = PStatus::Syscall;  // kept for its M, but anyone may retake it
        P.since = e.t;
      }
      if (valid_id(m)) {
        MInfo& M = m_mut(m);
        M.in_syscall = true;
        M.g = e.g;
        M.spinning = false;
      }
      break;
    }
    case EventKind::GoSysBlock: {
      // The P is taken from the M in the syscall (retake or hand-off).
      if (has_p) {
        PInfo& P = ps[e.p];
        if (valid_id(P.m) && static_cast<std::size_t>(P.m) < ms.size() && ms[P.m].p == e.p)
          ms[P.m].p = -1;
        P.m = -1;
        P.g = -1;
        P.status = PStatus::Idle;
        P.since = e.t;
      }
      break;
    }
    case EventKind::GoSysExit: {
      if (!has_g) break;
      GInfo& G = gs[e.g];
      std::int32_t m = valid_id(G.m) ? G.m : e.m;
      if (valid_id(m)) {
        MInfo& M = m_mut(m);
        M.in_syscall = false;
        // The P it left in the syscall state, if it is not the one it gets back.
        if (valid_id(M.p) && M.p != e.p && static_cast<std::size_t>(M.p) < ps.size() &&
            ps[M.p].m == m && ps[M.p].status == PStatus::Syscall) {
          release_p(M.p);
        }
      }
      if (has_p) {
        if (valid_id(m)) attach(m, e.p);
        ps[e.p].g = e.g;
        ps[e.p].since = e.t;
        G.status = GStatus::Running;
        G.p = e.p;
        G.m = m;
        G.since = e.t;
        if (valid_id(m)) ms[m].g = e.g;
      } else {
        // Slow path without a P: the G waits in the global queue, its M parks.
        if (valid_id(m)) {
          MInfo& M = ms[m];
          if (M.g == e.g) M.g = -1;
          if (valid_id(M.p) && static_cast<std::size_t>(M.p) < ps.size() && ps[M.p].m == m) release_p(M.p);
          M.p = -1;
        }
        G.m = -1;
        make_runnable(e.g, e.t);
        put_global(e.g);
      }
      break;
    }
    case EventKind::ProcStart:
      if (has_p && has_m) attach(e.m, e.p);
      break;
    case EventKind::ProcStop: {
      if (!has_p) break;
      release_p(e.p);
      if (static_cast<trace::ProcStopReason>(e.reason) == trace::ProcStopReason::GCStop)
        ps[e.p].status = PStatus::GCStop;
      break;
    }
    case EventKind::ProcSteal: {
      if (!has_p) break;
      std::int32_t victim = static_cast<std::int32_t>(e.a0);
      if (has_m) attach(e.m, e.p);
      if (!valid_id(victim) || victim == e.p) break;
      PInfo& V = p_mut(victim);
      std::vector<std::int32_t> stolen;
      for (std::int64_t i = 0; i < e.a1 && !V.runq.empty(); ++i) {
        stolen.push_back(V.runq.front());
        V.runq.pop_front();
      }
      // runnext is stolen only from an empty ring.
      if (static_cast<std::int64_t>(stolen.size()) < e.a1 && V.runnext >= 0) {
        stolen.push_back(V.runnext);
        V.runnext = -1;
      }
      PInfo& T = ps[e.p];
      for (std::int32_t g : stolen) {
        T.runq.push_back(g);
        gs[g].where = GWhere::Local;
        gs[g].p = e.p;
      }
      break;
    }
    case EventKind::HandoffP: {
      if (!has_p) break;
      std::int32_t from = static_cast<std::int32_t>(e.a0);
      if (valid_id(from) && static_cast<std::size_t>(from) < ms.size() && ms[from].p == e.p) {
        ms[from].p = -1;
      }
      if (has_m) {
        attach(e.m, e.p);
      } else {
        release_p(e.p);
        if (static_cast<trace::HandoffReason>(e.reason) == trace::HandoffReason::STW)
          ps[e.p].status = PStatus::GCStop;
      }
      break;
    }
    case EventKind::MStart:
      if (!has_m) break;
      ms[e.m] = MInfo{};
      ms[e.m].started = true;
      if (has_p) attach(e.m, e.p);
      break;
    case EventKind::MPark: {
      if (!has_m) break;
      MInfo& M = ms[e.m];
      if (valid_id(M.p) && static_cast<std::size_t>(M.p) < ps.size() && ps[M.p].m == e.m &&
          ps[M.p].status != PStatus::Syscall)
        release_p(M.p);
      M.p = -1;
      M.g = -1;
      M.parked = true;
      M.spinning = false;
      M.in_syscall = false;
      break;
    }
    case EventKind::MUnpark:
      if (!has_m) break;
      ms[e.m].parked = false;
      if (has_p) attach(e.m, e.p);
      break;
    case EventKind::MSpin:
      if (!has_m) break;
      if (has_p) attach(e.m, e.p);
      ms[e.m].spinning = true;
      ms[e.m].parked = false;
      break;
    case EventKind::MSpinStop:
      if (has_m) ms[e.m].spinning = false;
      break;
    case EventKind::MExit: {
      if (!has_m) break;
      MInfo& M = ms[e.m];
      if (valid_id(M.p) && static_cast<std::size_t>(M.p) < ps.size() && ps[M.p].m == e.m) release_p(M.p);
      M.p = -1;
      M.g = -1;
      M.exited = true;
      M.parked = false;
      M.spinning = false;
      M.in_syscall = false;
      break;
    }
    case EventKind::GCStart:
      gc_active = true;
      gc_cycle = e.a0;
      gc_since = e.t;
      heap_live = e.a1;
      heap_goal = e.a2;
      break;
    case EventKind::GCDone:
      gc_active = false;
      gc_cycle = e.a0;
      heap_live = e.a1;
      break;
    case EventKind::STWStart:
      stw = true;
      stw_kind = static_cast<trace::STWKind>(e.reason);
      stw_since = e.t;
      // stopTheWorldWithSema: idle Ps leave pidle for _Pgcstop at once
      // (no event: they had no M to stop).
      for (PInfo& P : ps) {
        if (P.status == PStatus::Idle) {
          P.status = PStatus::GCStop;
          P.since = e.t;
        }
      }
      break;
    case EventKind::STWDone:
      stw = false;
      // startTheWorldWithSema (procresize): every stopped P without work goes
      // back to pidle; those with work get an M in the events that follow.
      for (std::size_t i = 0; i < ps.size(); ++i) {
        if (ps[i].status == PStatus::GCStop) release_p(static_cast<std::int32_t>(i));
      }
      break;
    case EventKind::GCMarkAssistStart:
      // gcAssistAlloc: the running G pays its allocation's debt in mark work
      // before it continues; it stays on its P and M meanwhile.
      if (!has_g) break;
      gs[e.g].assisting = true;
      gs[e.g].assist_debt = e.a0;
      gs[e.g].assist_since = e.t;
      break;
    case EventKind::GCMarkAssistDone:
      if (has_g) gs[e.g].assisting = false;
      break;
    case EventKind::GCWorkerStart:
      if (!has_p) break;
      if (has_m) attach(e.m, e.p);
      ps[e.p].gc_worker = true;
      ps[e.p].worker_mode = static_cast<trace::WorkerMode>(e.reason);
      ps[e.p].since = e.t;
      break;
    case EventKind::GCWorkerStop:
      if (has_p) {
        ps[e.p].gc_worker = false;
        ps[e.p].since = e.t;
      }
      break;
    case EventKind::Counter:
      if (static_cast<trace::CounterId>(e.reason) == trace::CounterId::HeapLive) heap_live = e.a0;
      if (static_cast<trace::CounterId>(e.reason) == trace::CounterId::HeapGoal) heap_goal = e.a0;
      break;
    case EventKind::SysmonWake:
    case EventKind::NetpollReady:
    case EventKind::TimerFire:
      break;
  }
}

std::string_view g_status_name(GStatus s) {
  switch (s) {
    case GStatus::Unknown: return "unknown";
    case GStatus::Runnable: return "runnable";
    case GStatus::Running: return "running";
    case GStatus::Waiting: return "waiting";
    case GStatus::Syscall: return "syscall";
    case GStatus::Dead: return "dead";
  }
  return "?";
}

std::string_view m_status_name(MStatus s) {
  switch (s) {
    case MStatus::NotStarted: return "not started";
    case MStatus::Running: return "running";
    case MStatus::Spinning: return "spinning";
    case MStatus::Syscall: return "in syscall";
    case MStatus::Idle: return "idle";
    case MStatus::NoP: return "without P";
    case MStatus::Exited: return "exited";
  }
  return "?";
}

std::string_view p_status_name(PStatus s) {
  switch (s) {
    case PStatus::Idle: return "idle";
    case PStatus::Running: return "running";
    case PStatus::Syscall: return "syscall";
    case PStatus::GCStop: return "gcstop";
  }
  return "?";
}

}  // namespace gosim::view
