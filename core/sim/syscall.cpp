// System calls: proc.go:entersyscall/reentersyscall, entersyscallblock,
// exitsyscall, exitsyscallfast, exitsyscall0 (§4).
//
// entersyscall leaves the P in Syscall state with affinity to this M; sysmon
// (sysmon.cpp: retake) takes it after seeing the same syscall on two ticks,
// or at its first look for a P's first syscall (P0's first ones were os
// init's, before main.main: see entersyscall).
// entersyscallblock hands the P off at once. gosim uses it for exactly one
// op: `netwait` when mechanisms.netpoller is off (a read on a blocking file
// descriptor, which is the point of turning the poller off: every network
// wait then costs a thread). A plain `syscall` op is an ordinary
// entersyscall, because Go cannot know in advance that a read(2) or
// nanosleep(2) will block.
//
// With mechanisms.syscall_handoff off, sysmon never retakes a P from a
// syscall and entersyscallblock does not hand it off, but the P is still in
// Syscall state (Go: reentersyscall always sets m.oldp and p.status =
// _Psyscall): a stop-the-world takes it at once (stopTheWorldWithSema), and
// exitsyscall gets it back through exitsyscallfast's old-P path.
#include "sim/sched.h"

namespace gosim::sim {

using trace::HandoffReason;
using trace::ProcStopReason;
using trace::SysExitPath;

namespace {
constexpr std::uint64_t kInitSyscallsOnP0 = 3;  // os init: NewFile(stdin, stdout, stderr)
}  // namespace

void Sched::entersyscall(M& m, Nanos d, bool block) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  P& p = ps_[static_cast<std::size_t>(m.p)];
  emit(EventKind::GoSysCall, Why::None, gi, p.id, m.id, d);
  g.status = GStatus::Syscall;
  m.status = MStatus::Syscall;
  m.blocking_syscall = block;
  const Nanos ret = now_ + cfg_.costs.syscall_enter + d;
  // A Go program's P0 is not new to syscalls when main.main starts: the os
  // package's init made three through syscall.Syscall (entersyscall ...
  // exitsyscall): NewFile's fcntl(F_GETFL) for stdin, stdout and stderr
  // (os/file_unix.go). So P0's syscalltick is 3 and retake sees main's first
  // syscall as new (two looks); a never-used P's first syscall is retaken at
  // sysmon's first look (sysmon.cpp). gosim starts at main.main: P0 catches
  // up here, before anyone can look.
  if (p.id == 0 && p.syscalltick == 0) p.syscalltick = kInitSyscallsOnP0;
  if (sm_wait_) sysmon_wake(true);  // entersyscall_sysmon
  m.oldp = p.id;
  m.p = -1;
  p.status = PStatus::Syscall;  // p.m stays: affinity to this M
  if (gcwaiting_) {
    // entersyscall_gcwait: give the P to the pending stop-the-world.
    p.status = PStatus::GCStop;
    p.m = -1;
    m.oldp = -1;
    ++p.syscalltick;
    emit(EventKind::ProcStop, Why::None, kNoG, p.id, m.id, 0, 0, 0,
         static_cast<std::uint8_t>(ProcStopReason::GCStop));
    if (--stopwait_ == 0) stw_note_stopped();
  } else if (block && cfg_.mechanisms.syscall_handoff) {
    // entersyscallblock: handoffp(releasep()) at once.
    p.status = PStatus::Idle;
    p.m = -1;
    m.oldp = -1;
    ++p.syscalltick;
    emit(EventKind::GoSysBlock, Why::HandoffBlockingSyscall, gi, p.id, m.id);
    emit(EventKind::ProcStop, Why::None, kNoG, p.id, m.id, 0, 0, 0,
         static_cast<std::uint8_t>(ProcStopReason::Syscall));
    handoffp(p.id, m.id, HandoffReason::SyscallBlock);
  }
  at(m, ret, MAct::SyscallReturn);
}

void Sched::exitsyscall(M& m) {
  std::int32_t gi = m.curg;
  G& g = gs_[static_cast<std::size_t>(gi)];
  const Nanos cost = cfg_.costs.syscall_exit;
  m.blocking_syscall = false;
  // Fast path 1: the old P is still in Syscall state with us (exitsyscallfast).
  if (m.oldp >= 0) {
    P& old = ps_[static_cast<std::size_t>(m.oldp)];
    m.oldp = -1;
    if (old.status == PStatus::Syscall && old.m == m.id) {
      old.status = PStatus::Running;
      ++old.syscalltick;
      m.p = old.id;
      m.status = MStatus::Running;
      g.status = GStatus::Running;
      emit(EventKind::GoSysExit, Why::SysExitFast, gi, old.id, m.id, 0, 0, 0,
           static_cast<std::uint8_t>(SysExitPath::FastOldP));
      at(m, now_ + cost, MAct::RunG);
      return;
    }
  }
  // Fast path 2: any idle P (exitsyscallfast_pidle).
  if (!gcwaiting_) {
    std::int32_t pid = pidleget();
    if (pid >= 0) {
      acquirep(m, pid);
      ++ps_[static_cast<std::size_t>(pid)].syscalltick;
      m.status = MStatus::Running;
      g.status = GStatus::Running;
      emit(EventKind::GoSysExit, Why::SysExitIdleP, gi, pid, m.id, 0, 0, 0,
           static_cast<std::uint8_t>(SysExitPath::FastIdleP));
      emit(EventKind::GoStart, Why::StartSyscallFast, gi, pid, m.id);
      if (sm_wait_) sysmon_wake(false);
      at(m, now_ + cost, MAct::RunG);
      return;
    }
  }
  // Slow path (exitsyscall0): the G goes to the global queue, the M parks.
  emit(EventKind::GoSysExit, Why::SysExitSlow, gi, -1, m.id, 0, 0, 0,
       static_cast<std::uint8_t>(SysExitPath::Slow));
  g.status = GStatus::Runnable;
  g.m = -1;
  ++runnable_;
  grunq_.put(gi);
  m.curg = -1;
  m.status = MStatus::Running;  // stopm sets Idle
  stopm(m);
}

}  // namespace gosim::sim
