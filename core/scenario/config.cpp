#include "scenario/config.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gosim::scenario {
namespace {

using json = nlohmann::json;

constexpr double kMaxNanos = 365.0 * 24 * 3600 * 1e9;  // a year
constexpr double kMaxBytes = 1024.0 * 1024 * 1024 * 1024;  // 1 TiB

#define GOSIM_I64(field) +[](Config& c) -> std::int64_t& { return c.field; }
#define GOSIM_BOOL(field) nullptr, +[](Config& c) -> bool& { return c.field; }
#define GOSIM_REAL(field) nullptr, nullptr, +[](Config& c) -> double& { return c.field; }

const std::array kKeys = {
    ConfigKey{"gomaxprocs", ValueType::Int, 1, 1024,
              "number of Ps (GOMAXPROCS); gosim defaults to 4 rather than the CPU count so results "
              "do not depend on the machine", GOSIM_I64(gomaxprocs)},
    ConfigKey{"seed", ValueType::Seed, 0, 18446744073709551615.0,
              "seed of every random choice (random durations, steal order, select order)",
              nullptr, nullptr, nullptr, +[](Config& c) -> std::uint64_t& { return c.seed; }},

    ConfigKey{"costs.spawn", ValueType::Duration, 0, kMaxNanos, "newproc: creating a G", GOSIM_I64(costs.spawn)},
    ConfigKey{"costs.goexit", ValueType::Duration, 0, kMaxNanos, "goexit0: tearing down a finished G", GOSIM_I64(costs.goexit)},
    ConfigKey{"costs.context_switch", ValueType::Duration, 0, kMaxNanos, "one schedule() pass ending in execute", GOSIM_I64(costs.context_switch)},
    ConfigKey{"costs.chan_op", ValueType::Duration, 0, kMaxNanos, "a channel send, receive or close", GOSIM_I64(costs.chan_op)},
    ConfigKey{"costs.sync_op", ValueType::Duration, 0, kMaxNanos, "an uncontended mutex or wait-group operation", GOSIM_I64(costs.sync_op)},
    ConfigKey{"costs.steal_attempt", ValueType::Duration, 0, kMaxNanos, "looking at one victim P while stealing", GOSIM_I64(costs.steal_attempt)},
    ConfigKey{"costs.syscall_enter", ValueType::Duration, 0, kMaxNanos, "entersyscall", GOSIM_I64(costs.syscall_enter)},
    ConfigKey{"costs.syscall_exit", ValueType::Duration, 0, kMaxNanos, "exitsyscall", GOSIM_I64(costs.syscall_exit)},
    ConfigKey{"costs.m_wake", ValueType::Duration, 0, kMaxNanos, "waking a parked M until it runs", GOSIM_I64(costs.m_wake)},
    ConfigKey{"costs.m_create", ValueType::Duration, 0, kMaxNanos, "creating a new M (OS thread) until it runs", GOSIM_I64(costs.m_create)},
    ConfigKey{"costs.netpoll", ValueType::Duration, 0, kMaxNanos, "one non-blocking network poll", GOSIM_I64(costs.netpoll)},
    ConfigKey{"costs.timer", ValueType::Duration, 0, kMaxNanos, "running one expired timer", GOSIM_I64(costs.timer)},
    ConfigKey{"costs.stw", ValueType::Duration, 0, kMaxNanos, "work done inside each stop-the-world phase", GOSIM_I64(costs.stw)},
    ConfigKey{"costs.gc_mark_per_mib", ValueType::Duration, 0, kMaxNanos, "mark work per MiB of live heap", GOSIM_I64(costs.gc_mark_per_mib)},

    ConfigKey{"constants.local_runq_size", ValueType::Int, 2, 1 << 20, "capacity of each P's local run queue", GOSIM_I64(constants.local_runq_size)},
    ConfigKey{"constants.fairness_tick", ValueType::Int, 1, 1 << 20, "every this many schedticks take one G from the global queue first", GOSIM_I64(constants.fairness_tick)},
    ConfigKey{"constants.steal_tries", ValueType::Int, 1, 64, "rounds of stealWork over all Ps", GOSIM_I64(constants.steal_tries)},
    ConfigKey{"constants.runnext_steal_backoff", ValueType::Duration, 0, kMaxNanos, "wait before stealing a running P's runnext", GOSIM_I64(constants.runnext_steal_backoff)},
    ConfigKey{"constants.sysmon_min_delay", ValueType::Duration, 1000, kMaxNanos, "sysmon's shortest sleep", GOSIM_I64(constants.sysmon_min_delay)},
    ConfigKey{"constants.sysmon_max_delay", ValueType::Duration, 1000, kMaxNanos, "sysmon's longest sleep", GOSIM_I64(constants.sysmon_max_delay)},
    ConfigKey{"constants.sysmon_idle_rounds", ValueType::Int, 0, 1 << 20, "idle sysmon rounds before it backs off", GOSIM_I64(constants.sysmon_idle_rounds)},
    ConfigKey{"constants.force_preempt", ValueType::Duration, 1000, kMaxNanos, "time slice after which sysmon preempts a G (forcePreemptNS)", GOSIM_I64(constants.force_preempt)},
    ConfigKey{"constants.syscall_retake", ValueType::Duration, 0, kMaxNanos, "retake a P in a syscall after this even if other Ps are idle", GOSIM_I64(constants.syscall_retake)},
    ConfigKey{"constants.sysmon_netpoll", ValueType::Duration, 0, kMaxNanos, "sysmon polls the network if nobody has for this long", GOSIM_I64(constants.sysmon_netpoll)},
    ConfigKey{"constants.netpoll_granularity", ValueType::Duration, 1, kMaxNanos, "resolution of a blocking network poll's timeout", GOSIM_I64(constants.netpoll_granularity)},
    ConfigKey{"constants.max_threads", ValueType::Int, 1, 1000000, "most Ms (threads) before the run fails (sched.maxmcount)", GOSIM_I64(constants.max_threads)},
    ConfigKey{"constants.stw_repreempt", ValueType::Duration, 1000, kMaxNanos, "stop-the-world re-preempts running Ps this often (real mode; the simulator never loses a preemption request)", GOSIM_I64(constants.stw_repreempt)},
    ConfigKey{"constants.mutex_starvation", ValueType::Duration, 0, kMaxNanos, "a mutex waiter waiting longer switches the mutex to starvation mode", GOSIM_I64(constants.mutex_starvation)},

    ConfigKey{"gc.gogc", ValueType::Int, 1, 100000, "GOGC: heap growth in percent before the next cycle", GOSIM_I64(gc.gogc)},
    ConfigKey{"gc.heap_minimum", ValueType::Bytes, 0, kMaxBytes, "smallest heap goal at GOGC=100", GOSIM_I64(gc.heap_minimum)},
    ConfigKey{"gc.background_utilization", ValueType::Ratio, 0, 1, "fraction of Ps given to mark workers", GOSIM_REAL(gc.background_utilization)},
    ConfigKey{"gc.trigger_ratio", ValueType::Ratio, 0.5, 1, "start a cycle at this fraction of the way from the marked heap to the goal", GOSIM_REAL(gc.trigger_ratio)},
    ConfigKey{"gc.initial_live_heap", ValueType::Bytes, 0, kMaxBytes, "live heap before the first alloc op", GOSIM_I64(gc.initial_live_heap)},

    ConfigKey{"mechanisms.work_stealing", ValueType::Bool, 0, 1, "idle Ps steal half of another P's queue", GOSIM_BOOL(mechanisms.work_stealing)},
    ConfigKey{"mechanisms.runnext", ValueType::Bool, 0, 1, "new and readied Gs go to the runnext slot", GOSIM_BOOL(mechanisms.runnext)},
    ConfigKey{"mechanisms.syscall_handoff", ValueType::Bool, 0, 1, "sysmon retakes Ps from blocked syscalls and hands them off", GOSIM_BOOL(mechanisms.syscall_handoff)},
    ConfigKey{"mechanisms.spinning", ValueType::Bool, 0, 1, "Ms without work spin looking for it before parking", GOSIM_BOOL(mechanisms.spinning)},
    ConfigKey{"mechanisms.thread_cache", ValueType::Bool, 0, 1, "idle Ms are kept and reused instead of exiting", GOSIM_BOOL(mechanisms.thread_cache)},
    ConfigKey{"mechanisms.netpoller", ValueType::Bool, 0, 1, "network waits park in the poller (off: they block an M like a syscall)", GOSIM_BOOL(mechanisms.netpoller)},
    ConfigKey{"mechanisms.preemption", ValueType::Bool, 0, 1, "sysmon preempts Gs that run longer than the time slice", GOSIM_BOOL(mechanisms.preemption)},
    ConfigKey{"mechanisms.gc", ValueType::Bool, 0, 1, "garbage collection (off: like GOGC=off)", GOSIM_BOOL(mechanisms.gc)},
    ConfigKey{"mechanisms.fairness_check", ValueType::Bool, 0, 1, "the 1-in-61 look at the global queue", GOSIM_BOOL(mechanisms.fairness_check)},

    ConfigKey{"limits.max_goroutines", ValueType::Int, 1, 50'000'000, "most goroutines alive at once", GOSIM_I64(limits.max_goroutines)},
    ConfigKey{"limits.max_events", ValueType::Int, 1, 1e12, "most engine events in one run", GOSIM_I64(limits.max_events)},
    ConfigKey{"limits.max_virtual_time", ValueType::Duration, 1, kMaxNanos, "longest simulated time", GOSIM_I64(limits.max_virtual_time)},
    ConfigKey{"limits.max_wall_time", ValueType::Duration, 1000000, 24 * 3600 * 1e9, "longest real-mode run in wall time", GOSIM_I64(limits.max_wall_time)},
    ConfigKey{"limits.max_depth", ValueType::Int, 1, 1'000'000, "deepest chain of goroutines spawning goroutines", GOSIM_I64(limits.max_depth)},
    ConfigKey{"limits.max_trace_events", ValueType::Int, 1, 2e9, "most events written to a trace file", GOSIM_I64(limits.max_trace_events)},
};

#undef GOSIM_I64
#undef GOSIM_BOOL
#undef GOSIM_REAL

std::string range_text(const ConfigKey& k) {
  switch (k.type) {
    case ValueType::Duration:
      return fmt::format("{} to {}", format_duration(static_cast<Nanos>(k.min)),
                         format_duration(static_cast<Nanos>(k.max)));
    case ValueType::Bytes:
      return fmt::format("{} to {}", format_bytes(static_cast<std::int64_t>(k.min)),
                         format_bytes(static_cast<std::int64_t>(k.max)));
    case ValueType::Ratio:
      return fmt::format("{} to {}", k.min, k.max);
    default:
      return fmt::format("{} to {}", static_cast<std::int64_t>(k.min), static_cast<std::int64_t>(k.max));
  }
}

std::optional<std::string> check_range(const ConfigKey& k, double v) {
  if (v < k.min || v > k.max) {
    return fmt::format("{} is out of range for {} (allowed: {})", k.type == ValueType::Duration
                           ? format_duration(static_cast<Nanos>(v))
                           : k.type == ValueType::Bytes ? format_bytes(static_cast<std::int64_t>(v))
                                                        : fmt::format("{}", v),
                       k.key, range_text(k));
  }
  return std::nullopt;
}

std::optional<std::string> wrong_type(const ConfigKey& k, const json& v) {
  return fmt::format("{} must be {}, not {}", k.key, type_description(k), v.dump());
}

}  // namespace

std::span<const ConfigKey> config_keys() { return kKeys; }

const ConfigKey* find_config_key(std::string_view key) {
  for (const ConfigKey& k : kKeys) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

std::string type_description(const ConfigKey& k) {
  switch (k.type) {
    case ValueType::Int: return fmt::format("an integer from {}", range_text(k));
    case ValueType::Bool: return "true or false";
    case ValueType::Duration: return fmt::format("a duration such as \"250us\" ({})", range_text(k));
    case ValueType::Bytes: return fmt::format("a size such as \"64KiB\" ({})", range_text(k));
    case ValueType::Ratio: return fmt::format("a number from {}", range_text(k));
    case ValueType::Seed: return "a non-negative integer";
  }
  return "a value";
}

std::optional<std::string> set_config_value(Config& config, const ConfigKey& k, const json& v) {
  switch (k.type) {
    case ValueType::Int: {
      if (!v.is_number_integer()) return wrong_type(k, v);
      double d = v.is_number_unsigned() ? static_cast<double>(v.get<std::uint64_t>())
                                        : static_cast<double>(v.get<std::int64_t>());
      if (auto e = check_range(k, d)) return e;
      k.i64(config) = v.get<std::int64_t>();
      return std::nullopt;
    }
    case ValueType::Seed:
      if (!v.is_number_unsigned()) return wrong_type(k, v);
      k.u64(config) = v.get<std::uint64_t>();
      return std::nullopt;
    case ValueType::Bool:
      if (!v.is_boolean()) return wrong_type(k, v);
      k.boolean(config) = v.get<bool>();
      return std::nullopt;
    case ValueType::Ratio: {
      if (!v.is_number()) return wrong_type(k, v);
      double d = v.get<double>();
      if (auto e = check_range(k, d)) return e;
      k.real(config) = d;
      return std::nullopt;
    }
    case ValueType::Duration:
    case ValueType::Bytes: {
      if (!v.is_string()) return wrong_type(k, v);
      std::string error;
      auto parsed = k.type == ValueType::Duration ? parse_duration(v.get<std::string>(), &error)
                                                  : parse_bytes(v.get<std::string>(), &error);
      if (!parsed) return fmt::format("{}: {}", k.key, error);
      if (auto e = check_range(k, static_cast<double>(*parsed))) return e;
      k.i64(config) = *parsed;
      return std::nullopt;
    }
  }
  return "unknown value type";
}

std::optional<std::string> set_config_text(Config& config, const ConfigKey& k, std::string_view text) {
  switch (k.type) {
    case ValueType::Duration:
    case ValueType::Bytes:
      return set_config_value(config, k, json(std::string(text)));
    case ValueType::Bool:
      if (text == "true" || text == "on" || text == "1") return set_config_value(config, k, json(true));
      if (text == "false" || text == "off" || text == "0") return set_config_value(config, k, json(false));
      return fmt::format("{} must be true or false, not \"{}\"", k.key, text);
    default: {
      json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (v.is_discarded()) return fmt::format("{} must be {}, not \"{}\"", k.key, type_description(k), text);
      return set_config_value(config, k, v);
    }
  }
}

std::optional<ConfigProblem> check_config(const Config& c) {
  const auto& k = c.constants;
  if (k.sysmon_min_delay > k.sysmon_max_delay) {
    return ConfigProblem{
        "constants.sysmon_min_delay",
        fmt::format("constants.sysmon_min_delay ({}) must not exceed constants.sysmon_max_delay ({}): sysmon "
                    "starts at the shorter sleep and backs off up to the longer one",
                    format_duration(k.sysmon_min_delay), format_duration(k.sysmon_max_delay))};
  }
  return std::nullopt;
}

json config_value_json(const Config& config, const ConfigKey& k) {
  Config& c = const_cast<Config&>(config);  // accessors are shared by readers and writers
  switch (k.type) {
    case ValueType::Int: return k.i64(c);
    case ValueType::Seed: return k.u64(c);
    case ValueType::Bool: return k.boolean(c);
    case ValueType::Ratio: return k.real(c);
    case ValueType::Duration: return format_duration(k.i64(c));
    case ValueType::Bytes: return format_bytes(k.i64(c));
  }
  return nullptr;
}

json config_to_json(const Config& config) {
  json out = json::object();
  for (const ConfigKey& k : kKeys) {
    auto dot = k.key.find('.');
    if (dot == std::string_view::npos) {
      out[std::string(k.key)] = config_value_json(config, k);
    } else {
      out[std::string(k.key.substr(0, dot))][std::string(k.key.substr(dot + 1))] =
          config_value_json(config, k);
    }
  }
  return out;
}

std::string config_pointer(std::string_view key) {
  std::string ptr = "/config/" + std::string(key);
  std::replace(ptr.begin(), ptr.end(), '.', '/');
  return ptr;
}

}  // namespace gosim::scenario
