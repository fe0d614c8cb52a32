#include "scenario/units.h"

#include <array>
#include <charconv>
#include <cctype>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace gosim {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t scale;
};

// Longest names first so "ms" is not read as "m" + "s".
constexpr std::array<Unit, 7> kDurationUnits{{
    {"ns", 1}, {"us", kMicrosecond}, {"\xC2\xB5s", kMicrosecond}, {"ms", kMillisecond},
    {"s", kSecond}, {"m", 60 * kSecond}, {"h", 3600 * kSecond}}};

constexpr std::array<Unit, 9> kByteUnits{{
    {"B", 1}, {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30}, {"TiB", 1LL << 40},
    {"KB", 1'000}, {"MB", 1'000'000}, {"GB", 1'000'000'000}, {"TB", 1'000'000'000'000}}};

void set(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

// Splits "12.5ms" into the number part and the unit part.
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' ||
                             (i == 0 && (text[i] == '-' || text[i] == '+')))) {
    ++i;
  }
  return {text.substr(0, i), text.substr(i)};
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& u : units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// Parses a non-negative decimal with an optional fraction and multiplies it by
// scale exactly; fails if the result is not whole or overflows.
std::optional<std::int64_t> scaled(std::string_view number, std::int64_t scale, std::string* error,
                                   std::string_view what) {
  if (!number.empty() && number[0] == '-') {
    set(error, fmt::format("a {} cannot be negative", what));
    return std::nullopt;
  }
  if (!number.empty() && number[0] == '+') number.remove_prefix(1);
  auto dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
  if (whole.empty() && frac.empty()) {
    set(error, fmt::format("expected a number before the unit"));
    return std::nullopt;
  }
  if (frac.find('.') != std::string_view::npos) {
    set(error, "a number has at most one decimal point");
    return std::nullopt;
  }
  std::int64_t w = 0;
  if (!whole.empty()) {
    auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
    if (ec != std::errc{} || p != whole.data() + whole.size()) {
      set(error, fmt::format("{} is too large", what));
      return std::nullopt;
    }
  }
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (w > kMax / scale) {
    set(error, fmt::format("{} is too large", what));
    return std::nullopt;
  }
  std::int64_t result = w * scale;
  // The fraction F/10^d must give a whole number of units: F*scale divisible
  // by 10^d (so "1.5KiB" is 1536 bytes, "1.5ns" is an error).
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  if (frac.empty()) return result;
  if (frac.size() > 18) {
    set(error, fmt::format("{} has more precision than its unit allows", what));
    return std::nullopt;
  }
  std::int64_t f = 0, pow10 = 1;
  for (char c : frac) {
    f = f * 10 + (c - '0');
    pow10 *= 10;
  }
  __int128 num = static_cast<__int128>(f) * scale;
  if (num % pow10 != 0) {
    set(error, fmt::format("{} has more precision than its unit allows", what));
    return std::nullopt;
  }
  auto part = static_cast<std::int64_t>(num / pow10);  // < scale, so it fits
  if (result > kMax - part) {
    set(error, fmt::format("{} is too large", what));
    return std::nullopt;
  }
  result += part;
  return result;
}

}  // namespace

std::optional<Nanos> parse_duration(std::string_view text, std::string* error) {
  auto [number, unit_name] = split_number(text);
  if (number.empty()) {
    set(error, fmt::format("expected a duration such as \"250us\" or \"2ms\", got \"{}\"", text));
    return std::nullopt;
  }
  if (unit_name.empty()) {
    set(error, fmt::format("duration \"{}\" needs a unit: ns, us, ms, s, m or h (e.g. \"{}ms\")",
                           text, number));
    return std::nullopt;
  }
  const Unit* unit = find_unit(kDurationUnits, unit_name);
  if (!unit) {
    set(error, fmt::format("unknown duration unit \"{}\" in \"{}\" (use ns, us, ms, s, m or h)",
                           unit_name, text));
    return std::nullopt;
  }
  return scaled(number, unit->scale, error, "duration");
}

std::string format_duration(Nanos ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  // Unsigned so that the most negative value has a magnitude too.
  std::uint64_t v = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  static constexpr std::array<Unit, 4> kExact{{{"s", kSecond}, {"ms", kMillisecond},
                                               {"us", kMicrosecond}, {"ns", 1}}};
  for (const Unit& u : kExact) {
    auto scale = static_cast<std::uint64_t>(u.scale);
    if (v % scale == 0) return fmt::format("{}{}{}", sign, v / scale, u.name);
  }
  return fmt::format("{}{}ns", sign, v);
}

std::string human_duration(Nanos ns) {
  double v = static_cast<double>(ns < 0 ? -ns : ns);
  std::string sign = ns < 0 ? "-" : "";
  auto fmt3 = [&](double x, std::string_view unit) {
    // Three significant digits, no trailing zeros.
    std::string s = x >= 100 ? fmt::format("{:.0f}", x) : x >= 10 ? fmt::format("{:.1f}", x)
                                                                   : fmt::format("{:.2f}", x);
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return fmt::format("{}{}{}", sign, s, unit);
  };
  if (v < 1e3) return fmt::format("{}{}ns", sign, static_cast<std::int64_t>(v));
  if (v < 1e6) return fmt3(v / 1e3, "us");
  if (v < 1e9) return fmt3(v / 1e6, "ms");
  return fmt3(v / 1e9, "s");
}

std::optional<std::int64_t> parse_bytes(std::string_view text, std::string* error) {
  auto [number, unit_name] = split_number(text);
  if (number.empty()) {
    set(error, fmt::format("expected a size such as \"64KiB\" or \"1MiB\", got \"{}\"", text));
    return std::nullopt;
  }
  if (unit_name.empty()) {
    set(error, fmt::format("size \"{}\" needs a unit: B, KiB, MiB, GiB, TiB, KB, MB, GB or TB (e.g. \"{}B\")",
                           text, number));
    return std::nullopt;
  }
  const Unit* unit = find_unit(kByteUnits, unit_name);
  if (!unit) {
    set(error, fmt::format("unknown size unit \"{}\" in \"{}\" (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)",
                           unit_name, text));
    return std::nullopt;
  }
  return scaled(number, unit->scale, error, "size");
}

std::string format_bytes(std::int64_t bytes) {
  static constexpr std::array<Unit, 4> kBinary{{{"TiB", 1LL << 40}, {"GiB", 1LL << 30},
                                                {"MiB", 1LL << 20}, {"KiB", 1LL << 10}}};
  if (bytes != 0) {
    for (const Unit& u : kBinary) {
      if (bytes % u.scale == 0) return fmt::format("{}{}", bytes / u.scale, u.name);
    }
  }
  return fmt::format("{}B", bytes);
}

}  // namespace gosim
