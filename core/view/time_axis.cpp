#include "view/time_axis.h"

#include <cstdlib>

#include <fmt/format.h>

namespace gosim::view {

trace::Nanos nice_step(trace::Nanos span, int max_ticks) {
  if (max_ticks < 1) max_ticks = 1;
  if (span <= 0) return 1;
  for (trace::Nanos decade = 1;; decade *= 10) {
    for (trace::Nanos m : {1, 2, 5}) {
      trace::Nanos step = m * decade;
      if (span / step <= max_ticks) return step;
    }
    if (decade > trace::Nanos{1} << 58) return decade;
  }
}

std::string format_time(trace::Nanos t) {
  if (t == 0) return "0";
  const char* sign = t < 0 ? "-" : "";
  trace::Nanos a = std::llabs(t);
  struct Unit {
    trace::Nanos ns;
    const char* name;
  };
  static constexpr Unit units[] = {{1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}, {1, "ns"}};
  for (const Unit& u : units) {
    if (a < u.ns && u.ns != 1) continue;
    if (a % u.ns == 0) return fmt::format("{}{}{}", sign, a / u.ns, u.name);
    std::string s = fmt::format("{:.3f}", static_cast<double>(a) / static_cast<double>(u.ns));
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return fmt::format("{}{}{}", sign, s, u.name);
  }
  return fmt::format("{}ns", t);
}

}  // namespace gosim::view
