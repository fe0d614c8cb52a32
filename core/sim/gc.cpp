// Garbage collection: the pacer, stop-the-world, mark workers and assists
// (mgc.go:gcStart, gcMarkDone, gcMarkTermination; mgcpacer.go; proc.go:
// stopTheWorldWithSema, startTheWorldWithSema, gcstopm; §8).
//
// Heap model: every alloc op adds to heap_live_; a retained allocation stays
// live until its goroutine ends (heap_retained_), everything else is garbage
// at the next cycle. The goal is marked + marked*GOGC/100, at least
// heap_minimum*GOGC/100; a cycle starts when heap_live_ reaches
// marked + trigger_ratio*(goal - marked) (Go's trigger lies between 45/64
// and 61/64 of that distance; the ratio is a config key).
//
// A cycle: GCStart; STW sweep termination (every P stops at its next safe
// point; Ps in syscalls and idle Ps are taken at once; the pause costs
// costs.stw); concurrent mark: mark work = live heap in MiB *
// costs.gc_mark_per_mib (scan work is time here), done in chunks of at most
// 100 us by dedicated workers (round(0.25*GOMAXPROCS); they kick their P's
// run queue out to the global one only once preempted, gcBgMarkWorker),
// fractional workers (goal (0.25*P - dedicated)/P per P, run while under the
// goal, the table of §8.4) and idle workers (a P with nothing else to do);
// every finished chunk is background credit (gcFlushBgCredit). Assists
// (gcAssistAlloc): each allocation during mark is charged to the G's credit
// (g.gcAssistBytes, reset every cycle); a G in debt pays debt * remaining
// work / remaining heap, at least 64 KiB of scan work (gcOverAssistWork),
// stealing background credit first and doing the rest itself; the surplus is
// credit. STW mark termination; GCDone, the live heap becomes the retained
// heap, a new goal. runtime.GC() waits for a running cycle's mark
// termination, then starts the next one and parks until it ends (mgc.go:GC).
// startTheWorldWithSema polls the network first (netpoll(0), injectglist).
// An assist still in debt with no work left parks (gcParkAssist) until a
// worker's credit pays its debt (gcFlushBgCredit) or mark ends.
// Not modelled: sweeping, the 2-minute forced GC, the GC CPU limiter,
// credit flushed at goexit, stack and globals scanning.
#include <algorithm>
#include <cmath>

#include "scenario/gc_controller.h"
#include "sim/sched.h"

namespace gosim::sim {

using trace::GCTrigger;
using trace::STWKind;
using trace::WorkerMode;

namespace {
constexpr Nanos kWorkerChunk = 100 * kMicrosecond;
constexpr std::int64_t kMiB = 1 << 20;
constexpr std::int64_t kOverAssist = 64 << 10;
// int64(x) of a credit or work product; saturating, since with GOGC off the
// goal (and so bytes per unit of work) is unbounded.
std::int64_t to_i64(double x) { return static_cast<std::int64_t>(std::clamp(x, -1e18, 1e18)); }
}  // namespace

void Sched::gc_set_goal() {
  heap_goal_ = scenario::gc_percent_heap_goal(cfg_.gc, heap_marked_);
  heap_trigger_ = scenario::gc_trigger(cfg_.gc, heap_marked_);
}

void Sched::gc_alloc(M& m, std::int64_t bytes, bool retain) {
  G& g = gs_[static_cast<std::size_t>(m.curg)];
  heap_live_ += bytes;
  if (retain) {
    cold(g).retained += bytes;
    heap_retained_ += bytes;
  }
  if (cfg_.mechanisms.gc) {
    if (gc_phase_ == GcPhase::Mark && bytes > 0) {
      // mallocgc: charge the allocation to the G's assist credit
      // (g.gcAssistBytes, zeroed for every cycle by gcResetMarkState); in
      // debt, assist before allocating.
      GCold& c = cold(g);
      const auto cycle = static_cast<std::uint32_t>(gc_cycle_);
      if (c.assist_cycle != cycle) {
        c.assist_cycle = cycle;
        c.assist_bytes = 0;
      }
      c.assist_bytes -= bytes;
      if (c.assist_bytes < 0 && gc_assist(m, c, bytes)) return;
    }
    if (gc_phase_ == GcPhase::Off && heap_live_ >= heap_trigger_) {
      gc_start(m, GCTrigger::Heap);
      return;  // the G continues when the world restarts
    }
  }
  at(m, now_, MAct::RunG);
}

// Scan work is mark time here: scanning a MiB costs costs.gc_mark_per_mib.
double Sched::gc_scan_work(double bytes) const {
  return bytes * static_cast<double>(cfg_.costs.gc_mark_per_mib) / static_cast<double>(kMiB);
}

// gcControllerState.revise: assistWorkPerByte = scan work remaining (at
// least 1000 bytes' worth) / heap remaining (at least 1 byte), the goal
// stretched by maxOvershoot (1.1) once the live heap has passed it.
void Sched::gc_assist_ratio(double* work_per_byte, double* bytes_per_work) const {
  double goal = static_cast<double>(heap_goal_);
  if (heap_live_ > heap_goal_) goal *= 1.1;
  const double work_left = std::max(static_cast<double>(mark_unclaimed_ + mark_outstanding_), gc_scan_work(1000));
  const double heap_left = std::max(goal - static_cast<double>(heap_live_), 1.0);
  *work_per_byte = work_left / heap_left;
  *bytes_per_work = heap_left / work_left;
}

// mgcmark.go:gcAssistAlloc for a G in debt (c.assist_bytes < 0). Returns
// true when the M is now busy with the assist's scan work or the G parked.
bool Sched::gc_assist(M& m, GCold& c, std::int64_t bytes) {
  double work_per_byte = 0, bytes_per_work = 0;
  gc_assist_ratio(&work_per_byte, &bytes_per_work);
  // Pay the debt with at least gcOverAssistWork (64 KiB of scan work): the
  // surplus is credit for the next allocations.
  std::int64_t debt = -c.assist_bytes;
  Nanos work = to_i64(work_per_byte * static_cast<double>(debt));
  const auto over = std::max<Nanos>(1, static_cast<Nanos>(gc_scan_work(kOverAssist)));
  if (work < over) {
    work = over;
    debt = to_i64(bytes_per_work * static_cast<double>(work));
  }
  // Steal what it can from the background workers' credit (bgScanCredit).
  if (bg_credit_ > 0) {
    Nanos stolen = work;
    if (bg_credit_ < work) {
      stolen = bg_credit_;
      c.assist_bytes += 1 + to_i64(bytes_per_work * static_cast<double>(stolen));
    } else {
      c.assist_bytes += debt;
    }
    bg_credit_ -= stolen;
    work -= stolen;
    if (work == 0) return false;
  }
  // gcAssistAlloc1 -> gcDrainN: the rest, as far as unclaimed work lasts.
  work = std::min(work, mark_unclaimed_);
  if (work > 0) {
    c.assist_bytes += 1 + to_i64(bytes_per_work * static_cast<double>(work));
    mark_unclaimed_ -= work;
    mark_outstanding_ += work;
    m.chunk = work;
    // Still in debt: no work was left for the rest (see gc_assist_more).
    if (c.assist_bytes < 0) gs_[static_cast<std::size_t>(m.curg)].resume = Resume::AssistMore;
    emit(EventKind::GCMarkAssistStart, Why::AssistDebt, m.curg, m.p, m.id, bytes);
    at(m, now_ + work, MAct::AssistDone);
    return true;
  }
  // gcParkAssist: in debt with no work to do and no credit to steal, wait on
  // the assist queue for the workers' credit (gcFlushBgCredit) or the end of
  // mark (gcWakeAllAssists). ("GC assist wait", GoBlockGC.)
  assist_q_.push_back(m.curg);
  gopark(m, trace::BlockReason::GCAssist, Why::None, -1);
  return true;
}

// gcAssistAlloc after gcAssistAlloc1 left the G in debt: retry (steal,
// scan) or park, unless the mark phase has ended meanwhile.
void Sched::gc_assist_more(M& m) {
  G& g = gs_[static_cast<std::size_t>(m.curg)];
  GCold& c = cold(g);
  if (gc_phase_ == GcPhase::Mark && c.assist_cycle == static_cast<std::uint32_t>(gc_cycle_) && c.assist_bytes < 0 &&
      gc_assist(m, c, 0)) {
    return;
  }
  at(m, now_, MAct::RunG);
}

// mgcmark.go:gcFlushBgCredit: a worker's finished scan work first pays the
// debts of parked assists in queue order (each satisfied one is readied to
// this P's local tail, not runnext; a partly paid one goes to the back), the
// rest becomes bgScanCredit.
void Sched::gc_flush_bg_credit(M& m, Nanos work) {
  if (assist_q_.empty()) {
    bg_credit_ += work;
    return;
  }
  double work_per_byte = 0, bytes_per_work = 0;
  gc_assist_ratio(&work_per_byte, &bytes_per_work);
  std::int64_t scan_bytes = to_i64(static_cast<double>(work) * bytes_per_work);
  while (!assist_q_.empty() && scan_bytes > 0) {
    const std::int32_t gi = assist_q_.front();
    assist_q_.pop_front();
    GCold& c = cold(gs_[static_cast<std::size_t>(gi)]);
    if (scan_bytes + c.assist_bytes >= 0) {
      scan_bytes += c.assist_bytes;
      c.assist_bytes = 0;
      ready(gi, kNoG, Why::WakeGCAssist, false, m.p);
    } else {
      c.assist_bytes += scan_bytes;
      scan_bytes = 0;
      assist_q_.push_back(gi);
      break;
    }
  }
  if (scan_bytes > 0) bg_credit_ += to_i64(static_cast<double>(scan_bytes) * work_per_byte);
}

// mgc.go:GC. In cycle N's mark (or mark termination) it waits for N's mark
// termination (gcWaitOnMark(N)), then starts N+1 unless someone has
// (gcStart(gcTriggerCycle N+1)) and waits for that (gcWaitOnMark(N+1)).
// During N's sweep termination N-1 is complete, so it waits for N; with no
// cycle running it starts one.
void Sched::gc_forced(M& m) {
  if (!cfg_.mechanisms.gc) {
    at(m, now_, MAct::RunG);
    return;
  }
  G& g = gs_[static_cast<std::size_t>(m.curg)];
  if (gc_phase_ == GcPhase::Mark || gc_phase_ == GcPhase::MarkTermStop) {
    cold(g).gc_wait = static_cast<std::uint32_t>(gc_cycle_);
    g.resume = Resume::GcNext;
    gc_wait_cycle(m);
    return;
  }
  if (gc_phase_ == GcPhase::SweepTermStop) {
    gc_wait_cycle(m);
    return;
  }
  gc_waiters_.push_back(m.curg);
  g.resume = Resume::GcWait;
  gc_start(m, GCTrigger::Forced);
}

// GC() woken after cycle N's mark termination (Resume::GcNext).
void Sched::gc_forced_next(M& m) {
  G& g = gs_[static_cast<std::size_t>(m.curg)];
  const std::int64_t n = cold(g).gc_wait;  // cycles fit 32 bits: max_events bounds a run
  if (gc_cycle_ == n && gc_phase_ != GcPhase::Off) {
    g.resume = Resume::GcNext;  // N is still running: wait again
    gc_wait_cycle(m);
  } else if (gc_cycle_ == n) {
    gc_waiters_.push_back(m.curg);
    g.resume = Resume::GcWait;
    gc_start(m, GCTrigger::Forced);
  } else if (gc_cycle_ == n + 1 && gc_phase_ != GcPhase::Off) {
    gc_wait_cycle(m);  // N+1 was started by the heap trigger meanwhile
  } else {
    at(m, now_, MAct::RunG);  // N+1's mark is complete already
  }
}

// gcWaitOnMark: park ("wait for GC cycle") until the running cycle's mark
// termination.
void Sched::gc_wait_cycle(M& m) {
  gc_waiters_.push_back(m.curg);
  gopark(m, trace::BlockReason::GCAssist, Why::None, -1);
}

void Sched::gc_start(M& m, GCTrigger trigger) {
  ++gc_cycle_;
  emit(EventKind::GCStart, trigger == GCTrigger::Forced ? Why::GCForced : Why::GCHeapTrigger, m.curg, m.p, m.id,
       gc_cycle_, heap_live_, heap_goal_, static_cast<std::uint8_t>(trigger));
  const double mib = static_cast<double>(heap_retained_) / static_cast<double>(kMiB);
  mark_unclaimed_ = std::max<Nanos>(kMicrosecond, static_cast<Nanos>(mib * static_cast<double>(cfg_.costs.gc_mark_per_mib)));
  mark_outstanding_ = 0;
  gc_phase_ = GcPhase::SweepTermStop;
  stop_the_world(m, STWKind::SweepTermination);
}

// stopTheWorldWithSema: own P, Ps in syscalls and idle Ps stop at once;
// running Ps are preempted and stop when their M reaches findRunnable.
void Sched::stop_the_world(M& m, STWKind kind) {
  gcwaiting_ = true;
  stw_kind_ = kind;
  stw_m_ = m.id;
  stw_start_ = now_;
  emit(EventKind::STWStart, Why::STWStopAll, kNoG, m.p, m.id, 0, 0, 0, static_cast<std::uint8_t>(kind));
  stopwait_ = static_cast<std::int64_t>(ps_.size());
  m.status = MStatus::StwWait;
  cancel(m);
  if (m.p >= 0) {
    ps_[static_cast<std::size_t>(m.p)].status = PStatus::GCStop;
    --stopwait_;
  }
  for (std::int32_t pid : pidle_) {
    ps_[static_cast<std::size_t>(pid)].status = PStatus::GCStop;
    --stopwait_;
  }
  pidle_.clear();
  for (P& p : ps_) {
    if (p.id == m.p) continue;
    if (p.status == PStatus::Syscall) {
      const std::int32_t from = p.m;
      p.status = PStatus::GCStop;
      p.m = -1;
      ++p.syscalltick;
      --stopwait_;
      emit(EventKind::GoSysBlock, Why::HandoffSTW, from >= 0 ? ms_[static_cast<std::size_t>(from)].curg : kNoG,
           p.id, from);
      emit(EventKind::ProcStop, Why::None, kNoG, p.id, from, 0, 0, 0,
           static_cast<std::uint8_t>(trace::ProcStopReason::GCStop));
    } else if (p.status == PStatus::Running) {
      preemptone(p, trace::PreemptReason::STW);
    }
  }
  if (stopwait_ == 0) stw_note_stopped();
}

// gcstopm: this M's P stops for the pending stop-the-world; the M parks.
void Sched::gcstopm(M& m) {
  if (m.spinning) {
    m.spinning = false;
    --nmspinning_;
    emit(EventKind::MSpinStop, Why::None, kNoG, m.p, m.id, 0);
  }
  std::int32_t pid = releasep(m, trace::ProcStopReason::GCStop);
  ps_[static_cast<std::size_t>(pid)].status = PStatus::GCStop;
  stopm(m);
  if (--stopwait_ == 0) stw_note_stopped();
}

void Sched::stw_note_stopped() {
  M& m = ms_[static_cast<std::size_t>(stw_m_)];
  at(m, now_ + cfg_.costs.stw, MAct::StartWorld);
}

// The stopped world does its work, then startTheWorldWithSema.
void Sched::start_the_world(M& m) {
  const STWKind kind = stw_kind_;
  const auto nprocs = static_cast<double>(ps_.size());
  if (kind == STWKind::SweepTermination) {
    // gcController.startCycle: dedicated and fractional workers.
    const double goal = nprocs * cfg_.gc.background_utilization;
    auto dedicated = static_cast<std::int64_t>(std::floor(goal + 0.5));
    double fractional = 0;
    const double err = goal > 0 ? static_cast<double>(dedicated) / goal - 1 : 0;
    if (err < -0.3 || err > 0.3) {
      if (static_cast<double>(dedicated) > goal) --dedicated;
      fractional = (goal - static_cast<double>(dedicated)) / nprocs;
    }
    dedicated_left_ = dedicated;
    fractional_goal_ = fractional;
    for (P& p : ps_) p.frac_time = 0;
    bg_credit_ = 0;
    mark_start_ = now_;
    gc_phase_ = GcPhase::Mark;
  } else {
    gc_phase_ = GcPhase::Off;
    heap_marked_ = heap_retained_;
    heap_live_ = heap_marked_;
    gc_set_goal();
    // gcMarkDone: gcWakeAllAssists, injectglist of the assist queue (FIFO).
    std::vector<std::int32_t> assists(assist_q_.begin(), assist_q_.end());
    assist_q_.clear();
    injectglist(assists, m.p >= 0 ? &m : nullptr, Why::WakeGCAssist);
    // gcMarkTermination: injectglist(&work.sweepWaiters.list), a gList
    // (LIFO: the last GC() caller to wait comes first). No P is idle during
    // the pause, so they all go to this P's local queue.
    std::vector<std::int32_t> list;
    for (auto it = gc_waiters_.rbegin(); it != gc_waiters_.rend(); ++it) {
      if (gs_[static_cast<std::size_t>(*it)].status == GStatus::Waiting) list.push_back(*it);
    }
    gc_waiters_.clear();
    injectglist(list, m.p >= 0 ? &m : nullptr, Why::None);
  }
  // startTheWorldWithSema: a non-blocking netpoll(0) and injectglist before
  // the Ps restart (the Gs go to this P's queue, no P being idle yet).
  if (netpoll_waiters_) {
    std::vector<std::int32_t> list;
    netpoll(list, m.id);
    injectglist(list, m.p >= 0 ? &m : nullptr, Why::WakeNetpoll);
  }
  gcwaiting_ = false;
  emit(EventKind::STWDone, Why::STWRestart, kNoG, m.p, m.id, now_ - stw_start_, 0, 0,
       static_cast<std::uint8_t>(kind));
  // Go traces GCDone just before restarting the world; at the same instant
  // gosim emits it just after STWDone, so a pause always nests in its cycle.
  if (kind == STWKind::MarkTermination) emit(EventKind::GCDone, Why::None, kNoG, m.p, m.id, gc_cycle_, heap_marked_);
  m.status = MStatus::Running;
  if (m.p >= 0) ps_[static_cast<std::size_t>(m.p)].status = PStatus::Running;
  // Ps with work get an M, the others go idle; then one wakep.
  for (P& p : ps_) {
    if (p.id == m.p || p.status != PStatus::GCStop) continue;
    if (!p.runq.empty()) {
      startm(p.id, false);
    } else {
      pidleput(p.id);
    }
  }
  wakep();
  if (sm_wait_) sysmon_wake(false);
  if (m.curg >= 0) {
    at(m, now_, MAct::RunG);
  } else {
    at(m, now_, MAct::Schedule);
  }
}

// findRunnableGCWorker (and the idle worker of findRunnable step 11).
bool Sched::gc_find_worker(M& m) {
  if (mark_unclaimed_ <= 0) return false;
  P& p = ps_[static_cast<std::size_t>(m.p)];
  WorkerMode mode;
  if (dedicated_left_ > 0) {
    --dedicated_left_;
    mode = WorkerMode::Dedicated;
    p.worker_drained = false;
  } else if (fractional_goal_ > 0 &&
             (now_ == mark_start_ ||
              static_cast<double>(p.frac_time) / static_cast<double>(now_ - mark_start_) <= fractional_goal_)) {
    mode = WorkerMode::Fractional;
  } else if (p.runq.empty() && grunq_.empty()) {
    mode = WorkerMode::Idle;
  } else {
    return false;
  }
  // The worker is a G to schedule(): execute() starts a time slice
  // (schedtick++) that sysmon watches like any other.
  ++p.schedtick;
  p.slice_start = now_;
  if (m.spinning) resetspinning(m);
  // schedule(): findRunnable's tryWakeP for a dedicated or fractional worker
  // (not the idle one of step 11): wakep so ordinary work is not delayed.
  if (mode != WorkerMode::Idle) wakep();
  p.worker = static_cast<std::uint8_t>(1 + static_cast<int>(mode));
  p.worker_preempt = false;
  emit(EventKind::GCWorkerStart,
       mode == WorkerMode::Dedicated    ? Why::WorkerDedicated
       : mode == WorkerMode::Fractional ? Why::WorkerFractional
                                        : Why::WorkerIdle,
       kNoG, p.id, m.id, 0, 0, 0, static_cast<std::uint8_t>(mode));
  Nanos chunk = std::min(mark_unclaimed_, kWorkerChunk);
  mark_unclaimed_ -= chunk;
  mark_outstanding_ += chunk;
  m.chunk = chunk;
  at(m, now_ + chunk, MAct::WorkerChunk);
  return true;
}

void Sched::gc_worker_chunk_done(M& m) {
  P& p = ps_[static_cast<std::size_t>(m.p)];
  const auto mode = static_cast<WorkerMode>(p.worker - 1);
  mark_outstanding_ -= m.chunk;
  if (mode == WorkerMode::Fractional) p.frac_time += m.chunk;
  gc_flush_bg_credit(m, m.chunk);  // gcDrain(gcDrainFlushBgCredit)
  m.chunk = 0;
  const bool preempted = gc_worker_preempted(p);
  if (mode == WorkerMode::Dedicated && preempted && !p.worker_drained) {
    // gcBgMarkWorker: the first gcDrain(gcDrainUntilPreempt) returned with
    // gp.preempt set: runqdrain its P (runnext first) to the global queue,
    // then drain again without preemption (only a stop-the-world ends it).
    p.worker_drained = true;
    bool inherit = false;
    for (std::int32_t g; (g = p.runq.get(&inherit)) != kNoG;) grunq_.put(g);
  }
  bool more = !gcwaiting_ && mark_unclaimed_ > 0;
  // Fractional and idle workers drain with gcDrainUntilPreempt only.
  if (more && mode != WorkerMode::Dedicated && preempted) more = false;
  if (more && mode == WorkerMode::Fractional) {
    // pollFractionalWorkerExit: stop above 1.2x the goal.
    more = static_cast<double>(p.frac_time) <= 1.2 * fractional_goal_ * static_cast<double>(now_ - mark_start_);
  }
  if (more && mode == WorkerMode::Idle) more = p.runq.empty() && grunq_.empty();
  if (more) {
    Nanos chunk = std::min(mark_unclaimed_, kWorkerChunk);
    mark_unclaimed_ -= chunk;
    mark_outstanding_ += chunk;
    m.chunk = chunk;
    at(m, now_ + chunk, MAct::WorkerChunk);
    return;
  }
  emit(EventKind::GCWorkerStop, Why::None, kNoG, p.id, m.id, 0, 0, 0, static_cast<std::uint8_t>(mode));
  p.worker = 0;
  if (mode == WorkerMode::Dedicated) ++dedicated_left_;
  if (gc_phase_ == GcPhase::Mark && mark_unclaimed_ == 0 && mark_outstanding_ == 0) {
    gc_mark_maybe_done(m);
    return;
  }
  schedule(m);
}

// gcDrain(gcDrainUntilPreempt) returns once the worker's gp.preempt is set:
// by a stop-the-world, or by sysmon's retake once it has seen the P's
// schedtick unchanged for constants.force_preempt (preemptone sets
// p.worker_preempt for the worker G); the worker sees it at its next chunk
// boundary, its safe point.
bool Sched::gc_worker_preempted(const P& p) const { return gcwaiting_ || p.worker_preempt; }

// gcMarkDone: no work left; this M stops the world for mark termination.
void Sched::gc_mark_maybe_done(M& m) {
  gc_phase_ = GcPhase::MarkTermStop;
  stop_the_world(m, STWKind::MarkTermination);
}

}  // namespace gosim::sim
