// Seeded randomness. Each goroutine draws from its own stream, seeded from the
// config seed and its goroutine id, so a G draws the same durations in sim and
// real mode whatever order the Gs run in.
#pragma once

#include <cmath>
#include <cstdint>

#include "scenario/scenario.h"

namespace gosim::scenario {

// splitmix64: tiny state (8 bytes per G), good statistical quality.
struct Rng {
  std::uint64_t state = 0;

  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, bound) for bound > 0 (Lemire's multiply-shift, unbiased enough for bound << 2^64).
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }
};

inline Rng rng_for(std::uint64_t seed, std::uint64_t stream) {
  Rng r{seed ^ (stream * 0xD1B54A32D192ED03ULL)};
  r.next();  // decorrelate neighbouring streams
  return r;
}

// Draws a duration; Fixed draws nothing from the stream.
inline Nanos draw(const DurationSpec& d, Rng& rng) {
  switch (d.dist) {
    case DurationSpec::Dist::Fixed:
      return d.a;
    case DurationSpec::Dist::Uniform:
      return d.a + static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(d.b - d.a) + 1));
    case DurationSpec::Dist::Exp:
      // Inverse transform; 1 - unit() is in (0, 1] so the log is finite.
      return static_cast<Nanos>(std::llround(-static_cast<double>(d.a) * std::log(1.0 - rng.unit())));
  }
  return d.a;
}

}  // namespace gosim::scenario
