// The op interpreter: runs a G's ops on its M (scenario/program.h's cursor),
// one op per engine event, each op's cost being the time until the M's next
// event. Also the texts of fatal errors: panics and goroutine dumps.
//
// Safe points: the boundary between two ops, and (with async preemption)
// any instant of a `compute` op. A `go` op with count N creates its N Gs one
// per event (newproc each costing costs.spawn), so other Ps can steal while
// a parent is still spawning, as in Go.
#include <algorithm>
#include <fmt/format.h>

#include "sim/sched.h"

namespace gosim::sim {

using trace::BlockReason;
using trace::PreemptReason;
using scenario::Code;

void Sched::step_g(M& m) {
  const auto& costs = cfg_.costs;
  G* g = &gs_[static_cast<std::size_t>(m.curg)];
  g->in_compute = false;
  if (g->panic_closed) {
    panic_run("send on closed channel", false);
    return;
  }
  // A pending preemption request (sysmon or stop-the-world) takes effect here.
  if (g->preempt) {
    g->preempt = false;
    if (gcwaiting_) {
      gopreempt(m, PreemptReason::STW, Why::PreemptSTW);
      return;
    }
    if (cfg_.mechanisms.preemption) {
      gopreempt(m, PreemptReason::TimeSlice, Why::PreemptTimeSlice);
      return;
    }
  }
  if (g->cold_work && cold(*g).left > 0) [[unlikely]] {
    // The rest of a preempted compute op.
    GCold& c = cold(*g);
    const Nanos d = c.left;
    c.left = 0;
    g->cold_work = c.go_left > 0;
    g->in_compute = true;
    m.wake_at = now_ + d;
    at(m, m.wake_at, MAct::RunG);
    return;
  }
  switch (g->resume) {
    case Resume::SelectArm:
      g->resume = Resume::None;
      scenario::enter_select_arm(prog_, g->cur, prog_.code[static_cast<std::size_t>(g->op_pc)], g->select_arm);
      break;
    case Resume::MutexRetry:
      if (!mutex_lock(m, prog_.code[static_cast<std::size_t>(g->op_pc)].target, true)) return;
      at(m, now_ + costs.sync_op, MAct::RunG);
      return;
    case Resume::MutexOwned:
      g->resume = Resume::None;
      break;
    case Resume::GcWait:
      // Back from the sweep-termination pause: wait for the cycle to end.
      g->resume = Resume::None;
      gopark(m, BlockReason::GCAssist, Why::None, -1);
      return;
    case Resume::AssistMore:
      // gcAssistAlloc: the assist's work ran out before its debt did.
      g->resume = Resume::None;
      gc_assist_more(m);
      return;
    case Resume::GcNext:
      // runtime.GC() after the running cycle's mark termination: start the next.
      g->resume = Resume::None;
      gc_forced_next(m);
      return;
    case Resume::None:
      break;
  }
  if (g->cold_work && cold(*g).go_left > 0) {
    const scenario::Instr& in = prog_.code[static_cast<std::size_t>(g->op_pc)];
    GCold& c = cold(*g);
    g->cold_work = --c.go_left > 0 || c.left > 0;
    newproc(m, *g, in);
    if (done_) return;
    at(m, now_ + costs.spawn, MAct::RunG);
    return;
  }
  for (;;) {
    // Only a G whose function has a repeat has counters (newproc gave it a GCold).
    const scenario::Instr* in =
        scenario::next_effect(prog_, g->cur, g->cold >= 0 ? &gcold_[static_cast<std::size_t>(g->cold)].loops : nullptr);
    if (!in) {
      goexit(m);
      return;
    }
    switch (in->code) {
      case Code::Compute: {
        const Nanos d = scenario::draw(in->dur, g->rng);
        if (d <= 0) continue;
        g->in_compute = true;
        m.wake_at = now_ + d;
        at(m, m.wake_at, MAct::RunG);
        return;
      }
      case Code::Go:
        if (in->k <= 0) continue;
        g->op_pc = static_cast<std::int32_t>(in - prog_.code.data());
        if (in->k > 1) {
          cold(*g).go_left = in->k - 1;
          g->cold_work = true;
        }
        newproc(m, *g, *in);
        if (done_) return;
        at(m, now_ + costs.spawn, MAct::RunG);
        return;
      case Code::Send:
        if (chansend(m, in->target)) at(m, now_ + costs.chan_op, MAct::RunG);
        return;
      case Code::Recv:
        if (chanrecv(m, in->target)) at(m, now_ + costs.chan_op, MAct::RunG);
        return;
      case Code::Close:
        closechan(m, in->target);
        if (!done_) at(m, now_ + costs.chan_op, MAct::RunG);
        return;
      case Code::Select:
        if (selectgo(m, *in)) at(m, now_ + costs.chan_op, MAct::RunG);
        return;
      case Code::Lock:
        g->op_pc = static_cast<std::int32_t>(in - prog_.code.data());
        if (mutex_lock(m, in->target, false)) at(m, now_ + costs.sync_op, MAct::RunG);
        return;
      case Code::Unlock:
        mutex_unlock(m, in->target);
        if (!done_ && m.curg >= 0) at(m, now_ + costs.sync_op, MAct::RunG);
        return;
      case Code::WgAdd:
      case Code::WgDone:
        wg_add(m, in->target, in->code == Code::WgDone ? -1 : in->k);
        if (!done_) at(m, now_ + costs.sync_op, MAct::RunG);
        return;
      case Code::WgWait:
        if (wg_wait(m, in->target)) at(m, now_ + costs.sync_op, MAct::RunG);
        return;
      case Code::Syscall:
        entersyscall(m, std::max<Nanos>(0, scenario::draw(in->dur, g->rng)), false);
        return;
      case Code::NetWait:
        netwait(m, std::max<Nanos>(0, scenario::draw(in->dur, g->rng)));
        return;
      case Code::Sleep: {
        const Nanos d = scenario::draw(in->dur, g->rng);
        if (d <= 0) continue;  // time.Sleep(0) returns at once
        const std::int32_t gi = m.curg;
        P& p = ps_[static_cast<std::size_t>(m.p)];
        gopark(m, BlockReason::Sleep, Why::BlockSleep, -1, now_ + d);
        addtimer(p, gi, now_ + d);  // resetForSleep: after the park
        return;
      }
      case Code::Yield:
        gosched(m);
        return;
      case Code::Alloc:
        gc_alloc(m, std::max<std::int64_t>(0, in->k), in->retain);
        return;
      case Code::Gc:
        gc_forced(m);
        return;
      default:
        continue;  // control instructions never come out of next_effect
    }
  }
}

const char* Sched::wait_reason_text(std::uint8_t r) const {
  switch (static_cast<BlockReason>(r)) {
    case BlockReason::ChanSend: return "chan send";
    case BlockReason::ChanRecv: return "chan receive";
    case BlockReason::Select: return "select";
    case BlockReason::SelectNoCases: return "select (no cases)";
    case BlockReason::Mutex: return "semacquire";
    case BlockReason::WaitGroup: return "semacquire";
    case BlockReason::Sleep: return "sleep";
    case BlockReason::NetWait: return "IO wait";
    case BlockReason::GCAssist: return "wait for GC cycle";
    case BlockReason::Syscall: return "syscall";
  }
  return "waiting";
}

// Like Go's traceback of all goroutines: goroutine 1 first, then by id.
std::string Sched::goroutine_dump() const {
  constexpr int kMaxShown = 100;
  std::vector<std::int32_t> live;
  for (std::size_t i = 0; i < gs_.size(); ++i) {
    if (gs_[i].status != GStatus::Dead) live.push_back(static_cast<std::int32_t>(i));
  }
  std::sort(live.begin(), live.end(), [&](std::int32_t a, std::int32_t b) {
    return gs_[static_cast<std::size_t>(a)].goid < gs_[static_cast<std::size_t>(b)].goid;
  });
  const auto& sc = *prog_.scenario;
  std::string out;
  int shown = 0;
  for (std::int32_t gi : live) {
    if (shown == kMaxShown) {
      out += fmt::format("...additional goroutines elided ({} more)...\n", live.size() - kMaxShown);
      break;
    }
    const G& g = gs_[static_cast<std::size_t>(gi)];
    const char* state = g.status == GStatus::Waiting ? wait_reason_text(g.wait_reason)
                        : g.status == GStatus::Running ? "running"
                        : g.status == GStatus::Syscall ? "syscall"
                                                         : "runnable";
    const std::string& fname = sc.functions[static_cast<std::size_t>(g.fn)].name;
    out += fmt::format("goroutine {} [{}]:\nmain.{}({})\n", g.goid, state, fname, g.goid == 1 ? "" : "...");
    // The op it is at: the one just before its pc.
    const std::int32_t pc = std::max(0, g.cur.pc - 1);
    const std::int32_t loc = prog_.code[static_cast<std::size_t>(pc)].loc;
    if (loc >= 0) {
      const scenario::SourceLoc& l = prog_.locs[static_cast<std::size_t>(loc)];
      out += fmt::format("\t{}:{}", sc.file.empty() ? sc.name + ".json" : sc.file, l.line);
      if (!l.path.empty()) out += fmt::format(" ({})", l.path);
      out += "\n";
    }
    out += "\n";
    ++shown;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A Go panic or fatal error ends the run, printed like Go does.
void Sched::panic_run(const std::string& what, bool fatal) {
  std::string text = fatal ? "fatal error: " + what : "panic: " + what;
  text += "\n\n" + goroutine_dump();  // the failing goroutine shows as [running]
  fail(trace::RunOutcome::Status::Error, text);
}

}  // namespace gosim::sim
