// The bounds a scenario file must respect, in one place: the parser enforces
// them, docs/scenario-format.md and docs/scenario.schema.json state them.
// They exist so that a scenario from a stranger cannot exhaust memory or time
// before the run-time limits (config "limits") even apply.
#pragma once

#include <cstdint>

#include "scenario/units.h"

namespace gosim::scenario {

inline constexpr std::int64_t kMaxFileBytes = 16 << 20;  // larger files are refused unread
inline constexpr int kMaxNesting = 128;                  // JSON arrays/objects inside each other
inline constexpr std::size_t kMaxErrors = 100;           // diagnostics reported per file
inline constexpr std::size_t kMaxNameLength = 64;        // function, channel, mutex, wait group names
inline constexpr std::size_t kMaxFunctions = 1000;       // functions in one scenario
inline constexpr std::size_t kMaxDeclared = 10000;       // channels, mutexes or wait groups (each)
inline constexpr std::size_t kMaxTextLength = 16384;     // name and description of the scenario

inline constexpr std::int64_t kMaxGoCount = 10'000'000;        // goroutines started by one go op
inline constexpr std::int64_t kMaxRepeat = 4'294'967'295;      // iterations of one repeat op
inline constexpr std::int64_t kMaxCapacity = 100'000'000;      // channel buffer
inline constexpr std::int64_t kMaxAlloc = std::int64_t{1} << 40;  // 1 TiB in one alloc op
inline constexpr Nanos kMaxOpDuration = 24 * 3600 * kSecond;   // one compute/sleep/syscall/netwait
inline constexpr std::int64_t kMaxArg = 1'000'000'000;         // |K| in args and conditions
inline constexpr std::int64_t kMaxDelta = 2'147'483'647;       // |delta| of wg_add (Go's counter is 32-bit)
inline constexpr std::size_t kMaxSelectCases = 256;            // cases of one select

}  // namespace gosim::scenario
