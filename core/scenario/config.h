// The configuration of a run: GOMAXPROCS, seed, costs, Go's constants, one
// switch per mechanism, and resource limits. Defaults come from
// ../shared/go-runtime-model.md (§12.8 costs, §14 constants); docs/model.md
// cites each one.
//
// Every field is reachable by a dotted key ("costs.spawn",
// "mechanisms.work_stealing") through the registry below, which drives the
// scenario parser, `gosim run --set key=value`, the trace header and the docs.
// To add a key: add the field here and one line to the table in config.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "scenario/units.h"

namespace gosim::scenario {

// Time that scheduler actions cost (virtual time in sim mode).
struct Costs {
  Nanos spawn = 300;             // newproc: make a G and put it in runnext
  Nanos goexit = 150;            // goexit0: tear down a finished G
  Nanos context_switch = 100;    // one schedule() pass ending in execute/gogo
  Nanos chan_op = 50;            // a channel send/recv/close under its lock
  Nanos sync_op = 5;             // an uncontended mutex or wait-group operation
  Nanos steal_attempt = 40;      // looking at one victim P in stealWork
  Nanos syscall_enter = 100;     // entersyscall
  Nanos syscall_exit = 100;      // exitsyscall
  Nanos m_wake = 5000;           // futex wake of a parked M until it runs
  Nanos m_create = 30000;        // clone() of a new M until it runs
  Nanos netpoll = 500;           // one non-blocking epoll_wait
  Nanos timer = 100;             // running one expired timer
  Nanos stw = 30000;             // work done inside each stop-the-world phase
  Nanos gc_mark_per_mib = 1000000;  // mark work per MiB of live heap (1 GB/s per worker)
};

// Go's constants (go-runtime-model.md §14).
struct GoConstants {
  std::int64_t local_runq_size = 256;      // p.runq; global batch max is half of it
  std::int64_t fairness_tick = 61;         // schedtick % 61 == 0 -> one G from the global queue
  std::int64_t steal_tries = 4;            // stealWork rounds
  Nanos runnext_steal_backoff = 3000;      // usleep(3) before stealing a running P's runnext
  Nanos sysmon_min_delay = 20000;          // sysmon's first sleep
  Nanos sysmon_max_delay = 10000000;       // sysmon's longest sleep
  std::int64_t sysmon_idle_rounds = 50;    // idle rounds before sysmon backs off
  Nanos force_preempt = 10000000;          // forcePreemptNS: time slice
  Nanos syscall_retake = 10000000;         // retake a P in a syscall after this even if idle Ps exist
  Nanos sysmon_netpoll = 10000000;         // sysmon polls the network if nobody did for this long
  Nanos netpoll_granularity = 1000000;     // epoll_wait timeout resolution
  std::int64_t max_threads = 10000;        // sched.maxmcount
  Nanos stw_repreempt = 100000;            // stopTheWorld re-preempts every 100us
  Nanos mutex_starvation = 1000000;        // sync.Mutex starvation threshold
};

// Garbage collector pacing (mgcpacer.go).
struct GcConfig {
  std::int64_t gogc = 100;                 // GOGC
  std::int64_t heap_minimum = 4 << 20;     // heapMinimum at GOGC=100
  double background_utilization = 0.25;    // gcBackgroundUtilization
  double trigger_ratio = 0.875;            // start a cycle at this fraction of the way to the goal
  std::int64_t initial_live_heap = 0;      // live heap before the first alloc op
};

// One switch per mechanism, so a class can turn one off and see what it buys.
struct Mechanisms {
  bool work_stealing = true;
  bool runnext = true;
  bool syscall_handoff = true;
  bool spinning = true;
  bool thread_cache = true;
  bool netpoller = true;
  bool preemption = true;
  bool gc = true;
  bool fairness_check = true;
};

// Bounds on every resource a scenario from a stranger could exhaust.
struct Limits {
  std::int64_t max_goroutines = 2'000'000;    // live at once
  std::int64_t max_events = 500'000'000;      // engine events in one run
  Nanos max_virtual_time = 3'600'000'000'000; // 1 hour of simulated time
  Nanos max_wall_time = 120'000'000'000;      // real mode: 2 minutes of wall time
  std::int64_t max_depth = 10'000;            // nesting of go ops (recursion depth)
  std::int64_t max_trace_events = 10'000'000; // events written to a trace file (~1.3 GB)
};

struct Config {
  std::int64_t gomaxprocs = 4;  // fixed default so results don't depend on the machine
  std::uint64_t seed = 1;
  Costs costs;
  GoConstants constants;
  GcConfig gc;
  Mechanisms mechanisms;
  Limits limits;
};

enum class ValueType : std::uint8_t { Int, Bool, Duration, Bytes, Ratio, Seed };

// One configurable value: its dotted key, type, allowed range and meaning.
struct ConfigKey {
  std::string_view key;   // "costs.spawn"
  ValueType type;
  double min;             // inclusive bounds (nanoseconds, bytes, counts or ratio)
  double max;
  std::string_view doc;   // one sentence, shown in docs and errors
  // Accessors; exactly one is set, by type (Seed uses u64).
  std::int64_t& (*i64)(Config&) = nullptr;
  bool& (*boolean)(Config&) = nullptr;
  double& (*real)(Config&) = nullptr;
  std::uint64_t& (*u64)(Config&) = nullptr;
};

// All keys, in documentation order.
std::span<const ConfigKey> config_keys();
const ConfigKey* find_config_key(std::string_view key);

// What a value of this key looks like, for messages: "a duration such as \"250us\"".
std::string type_description(const ConfigKey& key);

// Sets key from a JSON value as written in a scenario file. Returns an error
// message (without location) if the value has the wrong type or range.
std::optional<std::string> set_config_value(Config& config, const ConfigKey& key,
                                            const nlohmann::json& value);

// Sets key from command-line text (`--set costs.spawn=250ns`).
std::optional<std::string> set_config_text(Config& config, const ConfigKey& key,
                                           std::string_view text);

// A rule between two keys that each key's own range cannot express.
struct ConfigProblem {
  std::string_view key;   // the key to point at ("constants.sysmon_min_delay")
  std::string message;    // names both keys and their values
};

// Cross-key rules, checked once every key is set (after a scenario's config
// section, and again after --set overrides): sysmon_min_delay <=
// sysmon_max_delay (sysmon's delay starts at the first and doubles up to the
// second, proc.go:sysmon). Returns the first problem, or nothing.
std::optional<ConfigProblem> check_config(const Config& config);

// The JSON pointer of a key in a scenario file ("constants.sysmon_min_delay"
// -> "/config/constants/sysmon_min_delay").
std::string config_pointer(std::string_view key);

// The value of key as it would be written in a scenario file.
nlohmann::json config_value_json(const Config& config, const ConfigKey& key);

// The whole config as nested JSON in scenario-file form (every key, defaults included).
nlohmann::json config_to_json(const Config& config);

}  // namespace gosim::scenario
