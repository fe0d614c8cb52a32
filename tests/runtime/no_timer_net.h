// Runs a scope without sysmon's overdue-timer net (sysmon.h), so a lost
// timer wake-up hangs the run (and fails it at its max_wall_time) instead of
// costing one sysmon delay. GOSIM_STALL_REPORT_MS=N makes sysmon print the
// scheduler's state once a timer is N ms late with every P idle (to hunt a
// lost wake-up by hand).
#pragma once

#include <cstdlib>

#include "runtime/sysmon.h"

namespace gosim::test {

struct NoTimerNet {
  bool old;
  NoTimerNet() : old(runtime::sysmon_debug.overdue_timer_startm.exchange(false)) {
    if (const char* ms = std::getenv("GOSIM_STALL_REPORT_MS"))
      runtime::sysmon_debug.stall_report_ns.store(std::strtoll(ms, nullptr, 10) * 1'000'000);
  }
  ~NoTimerNet() {
    runtime::sysmon_debug.overdue_timer_startm.store(old);
    runtime::sysmon_debug.stall_report_ns.store(0);
  }
  NoTimerNet(const NoTimerNet&) = delete;
  NoTimerNet& operator=(const NoTimerNet&) = delete;
};

}  // namespace gosim::test
