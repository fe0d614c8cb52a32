// The summary of a run, computed from its events alone (so it is the same
// computation for sim, real and imported traces, live or from a file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/sink.h"

namespace gosim::trace {

struct LatencyStats {
  std::int64_t count = 0;
  Nanos p50 = 0, p95 = 0, p99 = 0, max = 0;
  double mean = 0;
};

struct Summary {
  TraceHeader header;
  RunOutcome outcome;
  Nanos makespan = 0;                  // time of the last event
  std::vector<double> p_utilisation;   // per P: fraction of makespan running Gs
  LatencyStats sched_latency;          // runnable -> running, over every transition
  std::int64_t goroutines = 0;         // Gs created
  std::int64_t goroutines_peak = 0;    // most alive at once
  std::int64_t context_switches = 0;   // GoStart events
  std::int64_t preemptions = 0;
  std::int64_t goscheds = 0;
  std::int64_t steals = 0;             // ProcSteal events
  std::int64_t stolen_gs = 0;
  std::int64_t handoffs = 0;           // HandoffP events
  std::int64_t syscalls = 0;
  std::int64_t syscalls_blocked = 0;   // GoSysBlock: the P was taken
  std::int64_t threads_created = 0;    // MStart
  std::int64_t threads_peak = 0;
  Nanos spinning_time = 0;             // total over Ms
  std::int64_t netpoll_ready = 0;
  std::int64_t timers_fired = 0;
  std::int64_t gc_cycles = 0;
  Nanos stw_total = 0;
  Nanos stw_max = 0;
  std::int64_t mark_assists = 0;
};

class SummarySink final : public TraceSink {
 public:
  SummarySink();
  ~SummarySink() override;
  void begin(const TraceHeader& h) override;
  void event(const Event& e) override;
  void end(const RunOutcome& o) override;
  const Summary& summary() const;

 private:
  struct State;
  State* state_;
};

// Human-readable summary for a terminal (colour only if `color`).
std::string format_summary(const Summary& s, bool color);
nlohmann::json summary_to_json(const Summary& s);

}  // namespace gosim::trace
