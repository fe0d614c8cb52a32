// Real mode: a scenario's goroutines run on the runtime; each G interprets
// its function with a scenario::Cursor (program.h) and performs each effect
// for real: compute burns the CPU, syscall sleeps in the kernel, netwait
// parks on a timerfd in epoll, channels/mutexes/wait groups are the
// runtime's. Durations come from the G's own stream rng_for(seed, goid), so a
// G draws what it draws in sim mode.
#include "runtime/run_scenario.h"

#include <memory>
#include <vector>

#include "runtime/chan.h"
#include "runtime/compute.h"
#include "runtime/gc.h"
#include "runtime/mutex.h"
#include "runtime/nanotime.h"
#include "runtime/netpoll.h"
#include "runtime/sched.h"
#include "runtime/timers.h"
#include "runtime/waitgroup.h"
#include "scenario/rng.h"

namespace gosim::runtime {
namespace {

struct World {
  const scenario::Program* prog = nullptr;
  std::vector<std::unique_ptr<Chan>> chans;
  std::vector<std::unique_ptr<Mutex>> mutexes;
  std::vector<std::unique_ptr<WaitGroup>> wgs;
};

World* world = nullptr;

void scenario_g(G* gp) {
  const scenario::Program& prog = *world->prog;
  scenario::Cursor c = scenario::start_cursor(prog, static_cast<std::int32_t>(gp->u0), gp->u1);
  scenario::LoopCounters loops;  // on the goroutine's own stack
  scenario::Rng rng = scenario::rng_for(prog.scenario->config.seed, static_cast<std::uint64_t>(gp->goid));
  std::int64_t value = 0;  // what channels carry
  for (;;) {
    // A safe point between ops (Go: function prologues).
    G* cur = getm()->curg;
    // The run ended while we were in a syscall (netwait without the netpoller
    // too): exitsyscall's slow path resumed us only to unwind.
    if (__builtin_expect(cur->unwind == kUnwindRequested, 0)) unwind_point();
    if (preempt_requested(cur)) {
      if (sched->exiting.load(std::memory_order_acquire)) park_dead();
      gopreempt();
    }
    const scenario::Instr* in = scenario::next_effect(prog, c, &loops);
    if (!in) return;
    using scenario::Code;
    switch (in->code) {
      case Code::Compute:
        compute(scenario::draw(in->dur, rng));
        break;
      case Code::Go:
        for (std::int64_t k = 0; k < in->k; k++) {
          std::int64_t n = (in->arg_uses_n ? c.n : 0) + in->arg_k;
          if (!newproc(scenario_g, nullptr, in->target, n)) park_dead();  // a limit ended the run
        }
        break;
      case Code::Send:
        value++;
        chansend(world->chans[static_cast<std::size_t>(in->target)].get(), &value, true);
        break;
      case Code::Recv: {
        bool ok = false;
        chanrecv(world->chans[static_cast<std::size_t>(in->target)].get(), &value, true, &ok);
        break;
      }
      case Code::Close:
        closechan(world->chans[static_cast<std::size_t>(in->target)].get());
        break;
      case Code::Select: {
        const scenario::SelectTable& t = prog.selects[static_cast<std::size_t>(in->target)];
        SelectCase cases[16];
        std::vector<SelectCase> big;
        SelectCase* cs = cases;
        std::int64_t vals[16] = {};
        std::vector<std::int64_t> bigvals;
        std::int64_t* vs = vals;
        std::size_t n = t.arms.size();
        if (n > 16) {
          big.resize(n);
          bigvals.resize(n);
          cs = big.data();
          vs = bigvals.data();
        }
        for (std::size_t i = 0; i < n; i++)
          cs[i] = {world->chans[static_cast<std::size_t>(t.arms[i].chan)].get(), t.arms[i].is_send, &vs[i]};
        bool ok = false;
        int arm = selectgo(cs, static_cast<int>(n), t.default_pc < 0, &ok);
        scenario::enter_select_arm(prog, c, *in, arm);
        break;
      }
      case Code::Lock:
        mutex_lock(world->mutexes[static_cast<std::size_t>(in->target)].get());
        break;
      case Code::Unlock:
        mutex_unlock(world->mutexes[static_cast<std::size_t>(in->target)].get());
        break;
      case Code::WgAdd:
        wg_add(world->wgs[static_cast<std::size_t>(in->target)].get(), in->k);
        break;
      case Code::WgDone:
        wg_add(world->wgs[static_cast<std::size_t>(in->target)].get(), -1);
        break;
      case Code::WgWait:
        wg_wait(world->wgs[static_cast<std::size_t>(in->target)].get());
        break;
      case Code::Syscall: {
        std::int64_t d = scenario::draw(in->dur, rng);
        entersyscall(d);
        blocking_syscall_sleep(d);
        exitsyscall();
        break;
      }
      case Code::NetWait:
        netwait(scenario::draw(in->dur, rng));
        break;
      case Code::Sleep:
        time_sleep(scenario::draw(in->dur, rng));
        break;
      case Code::Yield:
        gosched();
        break;
      case Code::Alloc:
        gc_alloc(in->k, in->retain);
        break;
      case Code::Gc:
        gc_force();
        break;
      default:
        break;
    }
  }
}

}  // namespace

trace::RunOutcome run_scenario(const scenario::Program& program, trace::TraceSink& sink) {
  return run_scenario(program, sink, RealOptions{});
}

trace::RunOutcome run_scenario(const scenario::Program& program, trace::TraceSink& sink, const RealOptions& options) {
  const scenario::Scenario& scn = *program.scenario;
  World w;
  w.prog = &program;
  for (std::size_t i = 0; i < scn.channels.size(); i++)
    w.chans.push_back(std::make_unique<Chan>(sizeof(std::int64_t), static_cast<std::size_t>(scn.channels[i].capacity),
                                             static_cast<std::int32_t>(i)));
  for (std::size_t i = 0; i < scn.mutexes.size(); i++) {
    w.mutexes.push_back(std::make_unique<Mutex>());
    w.mutexes.back()->id = static_cast<std::int32_t>(i);
  }
  for (std::size_t i = 0; i < scn.waitgroups.size(); i++) {
    w.wgs.push_back(std::make_unique<WaitGroup>());
    w.wgs.back()->id = static_cast<std::int32_t>(i);
  }
  // For the unwinder at the run's end (sched.h): Gs parked on them are unlinked.
  std::vector<WaitNode> nodes(w.chans.size() + w.mutexes.size() + w.wgs.size());
  std::size_t k = 0;
  for (auto& c : w.chans) wait_object_add(&nodes[k++], c.get());
  for (auto& m : w.mutexes) wait_object_add(&nodes[k++], &m->sema);
  for (auto& g : w.wgs) wait_object_add(&nodes[k++], &g->sema);
  world = &w;
  RunOptions ro;
  ro.config = scn.config;
  ro.tracing = options.tracing;
  auto s = std::make_unique<Sched>(ro);
  std::int64_t t0 = nanotime();
  trace::RunOutcome out = run_main(*s, scenario_g, nullptr, scn.entry, 0);
  if (options.run_ns) *options.run_ns = nanotime() - t0;
  world = nullptr;
  for (WaitNode& n : nodes) wait_object_retire(&n, false, nullptr, nullptr);
  std::vector<TraceBuf*> bufs;
  for (auto& b : s->tracebufs) bufs.push_back(b.get());
  std::vector<trace::Event> events = merge_traces(bufs);
  for (const trace::Event& e : events) sink.event(e);
  if (!events.empty() && out.status == trace::RunOutcome::Status::Ok) out.end_time = std::max(out.end_time, events.back().t);
  out.engine_events = static_cast<std::int64_t>(events.size());
  sched = nullptr;
  return out;
}

}  // namespace gosim::runtime
