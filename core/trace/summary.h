// The summary of a run, computed from its events alone (so it is the same
// computation for sim, real and imported traces, live or from a file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/sink.h"

namespace gosim::trace {

// Percentiles use the nearest-rank method (the smallest sample with at least
// p% of samples at or below it). Exact up to kExactLatencySamples samples;
// beyond that a log-bucketed histogram reports each percentile as the lower
// end of its bucket clamped to [min, max], within 1/128 (0.8%) below the
// exact value. max, mean and count are always exact.
struct LatencyStats {
  std::int64_t count = 0;
  Nanos p50 = 0, p95 = 0, p99 = 0, max = 0;
  double mean = 0;
  bool exact = true;  // false once the histogram took over
};
inline constexpr std::int64_t kExactLatencySamples = 1 << 20;

struct Summary {
  TraceHeader header;
  RunOutcome outcome;
  std::int64_t events = 0;             // events seen
  Nanos makespan = 0;                  // time of the last event
  std::vector<double> p_utilisation;   // per P: fraction of makespan running Gs
  std::vector<Nanos> p_busy;           // per P: time with a G running
  LatencyStats sched_latency;          // runnable -> running, over every transition
  std::int64_t goroutines = 0;         // Gs created
  std::int64_t goroutines_peak = 0;    // most alive at once
  std::int64_t goroutines_left = 0;    // alive at the end (not ended)
  std::int64_t blocks = 0;             // GoBlock events
  std::int64_t context_switches = 0;   // GoStart events
  std::int64_t preemptions = 0;      // GoPreempt by sysmon (TimeSlice) or a stop-the-world (STW)
  std::int64_t yields = 0;           // GoPreempt reason Yield: a starving mutex's unlocker hands off
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
  SummarySink(const SummarySink&) = delete;
  SummarySink& operator=(const SummarySink&) = delete;
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
// The summary of a stored trace.
Summary summarize(const Trace& t);

}  // namespace gosim::trace
