// Work stealing: proc.go:stealWork, runqsteal, runqgrab (§3.5).
//
// Four rounds over all Ps in a random order (steal.h). Idle Ps are skipped.
// Only the last round runs the victim's expired timers (they ready into the
// thief's P) and may take the victim's runnext; if the victim is running, the
// thief first backs off 3 us (usleep(3) in runqgrab) so the victim can run
// its runnext itself: find_runnable schedules MAct::StealRunnext for that.
// Every victim looked at costs costs.steal_attempt of the thief's time, every
// timer run costs.timer.
#include "sim/sched.h"

namespace gosim::sim {

Found Sched::steal_work(M& m, bool* ran_timers) {
  Found f;
  *ran_timers = false;
  P& me = ps_[static_cast<std::size_t>(m.p)];
  if (!cfg_.mechanisms.work_stealing) {
    // No stealing of Gs; other Ps' expired timers still run here, or a sleeper
    // on a busy P could never wake while idle Ms poll in vain.
    for (P& v : ps_) {
      if (v.id == me.id || v.timers.empty() || v.timers.front().when > now_) continue;
      if (const std::int64_t ran = check_timers(v, me)) {
        bool inherit = false;
        std::int32_t g = me.runq.get(&inherit);
        if (g != kNoG) return {g, inherit, inherit ? Why::StartRunnext : Why::StartLocal, ran * cfg_.costs.timer};
      }
    }
    return f;
  }
  const auto tries = cfg_.constants.steal_tries;
  Nanos delay = 0;
  for (std::int64_t i = 0; i < tries; ++i) {
    const bool last = i == tries - 1;
    for (auto e = steal_order_.start(rng32()); !e.done(); e.next()) {
      if (gcwaiting_) {
        // The world is stopping: go back to findRunnable, which stops this M.
        *ran_timers = true;
        f.delay = delay;
        return f;
      }
      P& v = ps_[static_cast<std::size_t>(e.position())];
      if (v.id == me.id) continue;
      // Last round: run the victim's expired timers (checkTimers(p2)).
      if (last && !v.timers.empty() && v.timers.front().when <= now_) {
        if (const std::int64_t ran = check_timers(v, me)) {
          delay += ran * cfg_.costs.timer;
          bool inherit = false;
          std::int32_t g = me.runq.get(&inherit);
          if (g != kNoG) {
            f = {g, inherit, inherit ? Why::StartRunnext : Why::StartLocal, delay};
            return f;
          }
          *ran_timers = true;
        }
      }
      // Idle Ps have empty queues (idlepMask).
      if (v.status == PStatus::Idle) continue;
      delay += cfg_.costs.steal_attempt;
      const std::int64_t qlen = v.runq.size();
      if (qlen == 0) {
        if (!last || v.runq.runnext() == kNoG) continue;
        if (v.status == PStatus::Running && cfg_.constants.runnext_steal_backoff > 0) {
          m.victim = v.id;  // usleep(3), then try again
          f.delay = delay;
          return f;
        }
      }
      std::int64_t stolen = 0;
      const std::int64_t had = qlen + (v.runq.runnext() != kNoG ? 1 : 0);
      std::int32_t g = me.runq.steal_from(v.runq, last, &stolen, grunq_);
      if (g != kNoG) {
        emit(EventKind::ProcSteal, Why::ProcStealGot, g, me.id, m.id, v.id, stolen, had);
        f = {g, false, Why::StartSteal, delay};
        return f;
      }
    }
  }
  f.delay = delay;
  return f;
}

}  // namespace gosim::sim
