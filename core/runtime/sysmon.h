// sysmon's test and debugging hooks (sysmon itself: sysmon.cpp).
#pragma once

#include <atomic>
#include <cstdint>

namespace gosim::runtime {

struct SysmonDebug {
  // Start an M for a timer overdue by more than constants.sysmon_netpoll
  // (10 ms; see sysmon.cpp).
  // On by default; tests switch it off to see whether the scheduler alone
  // services every timer.
  std::atomic<bool> overdue_timer_startm{true};
  // Ms sysmon started for overdue timers, over the process's life (a test
  // compares it before and after a run).
  std::atomic<std::int64_t> overdue_timer_starts{0};
  // > 0: print the scheduler's state to stderr once per run when a timer is
  // overdue by this much with every P idle (for hunting lost wake-ups).
  std::atomic<std::int64_t> stall_report_ns{0};
};
extern SysmonDebug sysmon_debug;

}  // namespace gosim::runtime
