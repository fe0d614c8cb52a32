// The run summary, folded from events one at a time. It sees every event of
// a million-goroutine run, so each event costs O(1) amortised and memory is
// bounded by the live Gs, the Ps and the Ms (plus a fixed-size latency
// histogram). Metric definitions: docs/trace-format.md, "Summary metrics".
#include "trace/summary.h"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include <fmt/format.h>

#include "trace/human.h"
#include "trace/id_table.h"

namespace gosim::trace {
namespace {

// Log-bucketed histogram: values below 256 have their own bucket, above that
// 128 buckets per power of two (relative width <= 1/128).
class LatencyHistogram {
 public:
  static constexpr int kExactBits = 8;
  static constexpr int kSub = 1 << (kExactBits - 1);  // 128
  static constexpr int kBuckets = (1 << kExactBits) + 56 * kSub;

  static int index(Nanos v) {
    auto u = static_cast<std::uint64_t>(v < 0 ? 0 : v);
    if (u < (1u << kExactBits)) return static_cast<int>(u);
    int shift = std::bit_width(u) - kExactBits;
    int top = static_cast<int>(u >> shift);
    return (1 << kExactBits) + (shift - 1) * kSub + (top - kSub);
  }
  static Nanos lower(int idx) {
    if (idx < (1 << kExactBits)) return idx;
    int k = idx - (1 << kExactBits);
    int shift = k / kSub + 1;
    std::uint64_t top = static_cast<std::uint64_t>(k % kSub + kSub);
    return static_cast<Nanos>(top << shift);
  }

  void add(Nanos v) {
    if (counts_.empty()) counts_.assign(kBuckets, 0);
    ++counts_[static_cast<std::size_t>(index(v))];
  }
  // The lower end of the bucket holding the rank-th smallest sample (1-based).
  Nanos at_rank(std::int64_t rank) const {
    std::int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[static_cast<std::size_t>(i)];
      if (seen >= rank) return lower(i);
    }
    return 0;
  }

 private:
  std::vector<std::int64_t> counts_;
};

struct GState {
  Nanos runnable_since = -1;  // when it last became runnable, -1 if not waiting to run
  std::int32_t p = -1;        // P it runs on (-1 if not running)
};

struct PState {
  std::int32_t g = -1;  // running G
  Nanos since = 0;
};

}  // namespace

struct SummarySink::State {
  Summary s;         // running totals
  Summary finished;  // what summary() returns
  bool finalised = false;
  IdTable<GState> gs;  // by goroutine id, the Gs alive
  std::vector<PState> ps;
  std::unordered_map<std::int32_t, Nanos> spinning;  // M -> spin start
  std::int64_t threads_alive = 0;
  std::int64_t alive = 0;
  Nanos stw_since = -1;
  // Latency samples: exact while few, then the histogram.
  std::vector<Nanos> samples;
  LatencyHistogram hist;
  bool use_hist = false;
  double latency_sum = 0;
  Nanos latency_min = 0;

  PState& p_at(std::int32_t p) {
    if (static_cast<std::size_t>(p) >= ps.size()) {
      ps.resize(static_cast<std::size_t>(p) + 1);
      s.p_busy.resize(ps.size(), 0);
    }
    return ps[static_cast<std::size_t>(p)];
  }

  void start_running(std::int32_t g, std::int32_t p, Nanos t) {
    if (p < 0) return;
    PState& ps_ = p_at(p);
    if (ps_.g >= 0) stop_on_p(p, t);
    ps_.g = g;
    ps_.since = t;
    if (GState* gst = gs.find(g)) gst->p = p;
  }

  void stop_on_p(std::int32_t p, Nanos t) {
    PState& ps_ = p_at(p);
    if (ps_.g < 0) return;
    s.p_busy[static_cast<std::size_t>(p)] += std::max<Nanos>(0, t - ps_.since);
    GState* running = gs.find(ps_.g);
    if (running && running->p == p) running->p = -1;
    ps_.g = -1;
  }

  // g stopped running (ended, blocked, yielded, entered a syscall).
  void stop_running(std::int32_t g, Nanos t) {
    GState* gst = gs.find(g);
    if (!gst || gst->p < 0) return;
    std::int32_t p = gst->p;
    if (p_at(p).g == g) stop_on_p(p, t);
    gst->p = -1;
  }

  void runnable(std::int32_t g, Nanos t) {
    if (GState* gst = gs.get(g)) gst->runnable_since = t;
  }

  void add_latency(Nanos v) {
    if (v < 0) v = 0;
    LatencyStats& l = s.sched_latency;
    if (l.count == 0 || v < latency_min) latency_min = v;
    ++l.count;
    l.max = std::max(l.max, v);
    latency_sum += static_cast<double>(v);
    if (!use_hist) {
      samples.push_back(v);
      if (static_cast<std::int64_t>(samples.size()) >= kExactLatencySamples) {
        use_hist = true;
        for (Nanos x : samples) hist.add(x);
        samples.clear();
        samples.shrink_to_fit();
      }
    } else {
      hist.add(v);
    }
  }

  void finalise() {
    LatencyStats& l = s.sched_latency;
    l.exact = !use_hist;
    if (l.count > 0) {
      l.mean = latency_sum / static_cast<double>(l.count);
      auto pick = [&](int pct) -> Nanos {
        std::int64_t rank = std::max<std::int64_t>(1, (l.count * pct + 99) / 100);
        if (!use_hist) {
          auto nth = samples.begin() + (rank - 1);
          std::nth_element(samples.begin(), nth, samples.end());
          return *nth;
        }
        return std::clamp(hist.at_rank(rank), latency_min, l.max);
      };
      l.p50 = pick(50);
      l.p95 = pick(95);
      l.p99 = pick(99);
    }
    std::size_t np = std::max<std::size_t>(ps.size(), static_cast<std::size_t>(std::max(0, s.header.gomaxprocs)));
    std::vector<Nanos> busy = s.p_busy;
    busy.resize(np, 0);
    // Gs still running at the end count until the last event.
    for (std::size_t p = 0; p < ps.size(); ++p) {
      if (ps[p].g >= 0) busy[p] += std::max<Nanos>(0, s.makespan - ps[p].since);
    }
    s.p_busy = busy;
    s.p_utilisation.assign(np, 0.0);
    for (std::size_t p = 0; p < np; ++p) {
      s.p_utilisation[p] = s.makespan > 0 ? static_cast<double>(busy[p]) / static_cast<double>(s.makespan) : 0.0;
    }
    s.goroutines_left = alive;
  }
};

SummarySink::SummarySink() : state_(new State) {}
SummarySink::~SummarySink() { delete state_; }

void SummarySink::begin(const TraceHeader& h) {
  state_->s.header = h;
  if (h.gomaxprocs > 0 && h.gomaxprocs <= 1 << 20) state_->p_at(h.gomaxprocs - 1);
  state_->finalised = false;
}

void SummarySink::event(const Event& e) {
  State& st = *state_;
  Summary& s = st.s;
  st.finalised = false;
  ++s.events;
  if (e.t > s.makespan) s.makespan = e.t;
  // Ids beyond a sane range (a corrupt trace) are ignored rather than grown into.
  bool p_ok = e.p >= 0 && e.p < (1 << 20);
  switch (e.kind) {
    case EventKind::GoCreate: {
      ++s.goroutines;
      if (e.g >= 0 && !st.gs.contains(e.g)) {  // ids are never reused
        ++st.alive;
        s.goroutines_peak = std::max(s.goroutines_peak, st.alive);
      }
      st.runnable(e.g, e.t);
      break;
    }
    case EventKind::GoStart: {
      ++s.context_switches;
      GState* gst = st.gs.find(e.g);
      if (gst && gst->runnable_since >= 0) {
        st.add_latency(e.t - gst->runnable_since);
        gst->runnable_since = -1;
      }
      if (p_ok) {
        if (!gst) st.gs.get(e.g);  // a G we never saw created (trace began later)
        st.start_running(e.g, e.p, e.t);
      }
      break;
    }
    case EventKind::GoEnd: {
      st.stop_running(e.g, e.t);
      if (st.gs.erase(e.g)) --st.alive;
      break;
    }
    case EventKind::GoStop:
    case EventKind::GoBlock:
    case EventKind::GoSysCall:
      st.stop_running(e.g, e.t);
      if (e.kind == EventKind::GoBlock) ++s.blocks;
      if (e.kind == EventKind::GoSysCall) ++s.syscalls;
      break;
    case EventKind::GoSched:
    case EventKind::GoPreempt:
      st.stop_running(e.g, e.t);
      st.runnable(e.g, e.t);
      if (e.kind == EventKind::GoSched) ++s.goscheds;
      else if (e.reason == static_cast<std::uint8_t>(PreemptReason::Yield)) ++s.yields;  // not a preemption
      else ++s.preemptions;
      break;
    case EventKind::GoUnblock: st.runnable(e.g, e.t); break;
    case EventKind::GoSysBlock: ++s.syscalls_blocked; break;
    case EventKind::GoSysExit:
      if (e.p >= 0 && p_ok) {
        st.start_running(e.g, e.p, e.t);  // fast path: it keeps running
      } else {
        st.runnable(e.g, e.t);  // slow path: queued, waits for a P
      }
      break;
    case EventKind::ProcSteal:
      ++s.steals;
      s.stolen_gs += e.a1;
      break;
    case EventKind::HandoffP: ++s.handoffs; break;
    case EventKind::MStart:
      ++s.threads_created;
      ++st.threads_alive;
      s.threads_peak = std::max(s.threads_peak, st.threads_alive);
      break;
    case EventKind::MExit:
      if (st.threads_alive > 0) --st.threads_alive;
      [[fallthrough]];
    case EventKind::MSpinStop: {
      auto it = st.spinning.find(e.m);
      if (it != st.spinning.end()) {
        s.spinning_time += std::max<Nanos>(0, e.t - it->second);
        st.spinning.erase(it);
      }
      break;
    }
    case EventKind::MSpin: st.spinning.emplace(e.m, e.t); break;
    case EventKind::NetpollReady: ++s.netpoll_ready; break;
    case EventKind::TimerFire: ++s.timers_fired; break;
    case EventKind::GCStart: ++s.gc_cycles; break;
    case EventKind::STWStart: st.stw_since = e.t; break;
    case EventKind::STWDone: {
      Nanos pause = st.stw_since >= 0 ? e.t - st.stw_since : e.a0;
      pause = std::max<Nanos>(0, pause);
      s.stw_total += pause;
      s.stw_max = std::max(s.stw_max, pause);
      st.stw_since = -1;
      break;
    }
    case EventKind::GCMarkAssistStart: ++s.mark_assists; break;
    default: break;
  }
}

void SummarySink::end(const RunOutcome& o) {
  state_->s.outcome = o;
  state_->finalised = false;
}

const Summary& SummarySink::summary() const {
  if (!state_->finalised) {
    State& st = *state_;
    // Spinning Ms still spinning at the end count until the last event.
    Nanos extra = 0;
    for (auto& [m, since] : st.spinning) extra += std::max<Nanos>(0, st.s.makespan - since);
    Nanos saved_spin = st.s.spinning_time;
    std::vector<Nanos> saved_busy = st.s.p_busy;
    st.s.spinning_time += extra;
    st.finalise();
    // Keep the running totals apart from the finished figures so more events may follow.
    Summary out = st.s;
    st.s.spinning_time = saved_spin;
    st.s.p_busy = saved_busy;
    st.finalised = true;
    st.finished = std::move(out);
  }
  return state_->finished;
}

Summary summarize(const Trace& t) {
  SummarySink sink;
  replay(t, sink);
  return sink.summary();
}

// ---------------------------------------------------------------- output

namespace {

std::string seed_text(const TraceHeader& h) {
  if (h.config.is_object()) {
    auto it = h.config.find("seed");
    if (it != h.config.end()) return it->is_string() ? it->get<std::string>() : it->dump();
  }
  return "?";
}

std::string percent(double f) { return fmt::format("{:.1f}%", f * 100.0); }

}  // namespace

std::string format_summary(const Summary& s, bool color) {
  const char* bold = color ? "\x1b[1m" : "";
  const char* dim = color ? "\x1b[2m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  bool ok = s.outcome.status == RunOutcome::Status::Ok;
  const char* status_color = !color ? "" : ok ? "\x1b[32m" : "\x1b[31m";
  std::string out;
  std::string name = s.header.scenario_name.empty() ? std::string("(unnamed)") : s.header.scenario_name;
  out += fmt::format("{}{}{}  mode {}, GOMAXPROCS={}, seed {}: {}{}{}\n", bold, name, reset,
                     s.header.mode.empty() ? "?" : s.header.mode, s.header.gomaxprocs, seed_text(s.header),
                     status_color, status_name(s.outcome.status), reset);
  auto row = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {}{:<18}{} {}\n", dim, label, reset, value);
  };
  row("makespan", format_duration(s.makespan));
  row("goroutines", fmt::format("{} created, {} peak alive, {} left at the end", s.goroutines,
                                s.goroutines_peak, s.goroutines_left));
  const LatencyStats& l = s.sched_latency;
  if (l.count > 0) {
    row("sched latency", fmt::format("p50 {}, p95 {}, p99 {}, max {}, mean {} ({} waits{})",
                                     format_duration(l.p50), format_duration(l.p95), format_duration(l.p99),
                                     format_duration(l.max), format_duration(static_cast<Nanos>(l.mean)),
                                     l.count, l.exact ? "" : ", percentiles within 0.8%"));
  } else {
    row("sched latency", "no runnable -> running transitions");
  }
  if (!s.p_utilisation.empty()) {
    double sum = 0;
    for (double u : s.p_utilisation) sum += u;
    std::string ps = fmt::format("mean {}", percent(sum / static_cast<double>(s.p_utilisation.size())));
    if (s.gc_cycles > 0) ps += " (running Gs; GC mark workers not counted)";
    for (std::size_t i = 0; i < s.p_utilisation.size(); ++i) {
      if (i % 8 == 0) ps += i == 0 ? "  |" : fmt::format("\n  {:<18}  ", "");
      ps += fmt::format(" P{} {}", i, percent(s.p_utilisation[i]));
    }
    row("P utilisation", ps);
  }
  row("context switches", fmt::format("{} (preemptions {}, mutex hand-off yields {}, Gosched {}, blocks {})",
                                      s.context_switches, s.preemptions, s.yields, s.goscheds, s.blocks));
  row("work stealing", fmt::format("{} steals, {} Gs stolen", s.steals, s.stolen_gs));
  row("hand-offs", fmt::format("{}", s.handoffs));
  row("syscalls", fmt::format("{} ({} blocked long enough to lose their P)", s.syscalls, s.syscalls_blocked));
  row("threads", fmt::format("{} created, {} at most, {} spinning in total", s.threads_created, s.threads_peak,
                             format_duration(s.spinning_time)));
  row("netpoll, timers", fmt::format("{} Gs readied by the poller, {} timers fired", s.netpoll_ready,
                                     s.timers_fired));
  row("GC", fmt::format("{} cycles, stop-the-world {} total ({} max), {} mark assists", s.gc_cycles,
                        format_duration(s.stw_total), format_duration(s.stw_max), s.mark_assists));
  if (!ok && !s.outcome.message.empty()) row("outcome", s.outcome.message);
  return out;
}

nlohmann::json summary_to_json(const Summary& s) {
  using json = nlohmann::json;
  const LatencyStats& l = s.sched_latency;
  json j = {
      {"scenario", s.header.scenario_name},
      {"scenario_hash", s.header.scenario_hash},
      {"mode", s.header.mode},
      {"clock", s.header.clock},
      {"gomaxprocs", s.header.gomaxprocs},
      {"seed", s.header.config.is_object() && s.header.config.contains("seed") ? s.header.config["seed"] : json()},
      {"status", status_name(s.outcome.status)},
      {"message", s.outcome.message},
      {"end_time_ns", s.outcome.end_time},
      {"engine_events", s.outcome.engine_events},
      {"events", s.events},
      {"makespan_ns", s.makespan},
      {"p_utilisation", s.p_utilisation},
      {"p_busy_ns", s.p_busy},
      {"sched_latency_ns",
       {{"count", l.count}, {"p50", l.p50}, {"p95", l.p95}, {"p99", l.p99}, {"max", l.max}, {"mean", l.mean},
        {"exact", l.exact}}},
      {"goroutines", s.goroutines},
      {"goroutines_peak", s.goroutines_peak},
      {"goroutines_left", s.goroutines_left},
      {"blocks", s.blocks},
      {"context_switches", s.context_switches},
      {"preemptions", s.preemptions},
      {"yields", s.yields},
      {"goscheds", s.goscheds},
      {"steals", s.steals},
      {"stolen_gs", s.stolen_gs},
      {"handoffs", s.handoffs},
      {"syscalls", s.syscalls},
      {"syscalls_blocked", s.syscalls_blocked},
      {"threads_created", s.threads_created},
      {"threads_peak", s.threads_peak},
      {"spinning_ns", s.spinning_time},
      {"netpoll_ready", s.netpoll_ready},
      {"timers_fired", s.timers_fired},
      {"gc_cycles", s.gc_cycles},
      {"stw_total_ns", s.stw_total},
      {"stw_max_ns", s.stw_max},
      {"mark_assists", s.mark_assists},
  };
  return j;
}

}  // namespace gosim::trace
