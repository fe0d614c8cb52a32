// Durations and byte sizes as people write them in scenario files
// ("250us", "2ms", "64KiB"), parsed exactly into integers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gosim {

// Virtual or wall-clock time in nanoseconds. Every time in gosim is one.
using Nanos = std::int64_t;

inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;

// Parses "<number><unit>" with unit ns, us (or µs), ms, s, m (minutes) or h.
// The number may have a fraction ("1.5ms") as long as the result is a whole
// number of nanoseconds. Returns nullopt and sets *error on failure.
std::optional<Nanos> parse_duration(std::string_view text, std::string* error = nullptr);

// The shortest exact spelling: 2500000 -> "2500us", 3000000 -> "3ms", 0 -> "0s".
std::string format_duration(Nanos ns);

// A rounded spelling for people, with three significant digits: "2.5ms", "131us".
std::string human_duration(Nanos ns);

// Parses "<number><unit>" with unit B, KiB, MiB, GiB, TiB (powers of 1024) or
// KB, MB, GB, TB (powers of 1000); a fraction is allowed if the result is a
// whole number of bytes ("1.5KiB"). Returns nullopt and sets *error on failure.
std::optional<std::int64_t> parse_bytes(std::string_view text, std::string* error = nullptr);

// The shortest exact spelling: 65536 -> "64KiB", 1000 -> "1000B".
std::string format_bytes(std::int64_t bytes);

}  // namespace gosim
