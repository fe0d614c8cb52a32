#include "trace/human.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace gosim::trace {
namespace {

// Up to three significant digits, trailing zeros dropped: 12.5, 3.25, 100.
void append_scaled(std::string& out, double v, const char* unit) {
  int decimals = v < 10 ? 2 : v < 100 ? 1 : 0;
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  out += s;
  out += unit;
}

}  // namespace

void append_duration(std::string& out, Nanos ns) {
  if (ns < 0) {
    out += '-';
    if (ns == INT64_MIN) ns = INT64_MAX;  // avoid overflow; close enough for words
    else ns = -ns;
  }
  if (ns < 1000) {
    out += fmt::format_int(ns).c_str();
    out += "ns";
  } else if (ns < 1000000) {
    append_scaled(out, ns / 1e3, "µs");
  } else if (ns < 1000000000) {
    append_scaled(out, ns / 1e6, "ms");
  } else {
    append_scaled(out, ns / 1e9, "s");
  }
}

std::string format_duration(Nanos ns) {
  std::string s;
  append_duration(s, ns);
  return s;
}

void append_bytes(std::string& out, std::int64_t bytes) {
  if (bytes < 0) {
    out += fmt::format("{}B", bytes);
    return;
  }
  if (bytes < 1024) {
    out += fmt::format_int(bytes).c_str();
    out += 'B';
  } else if (bytes < (std::int64_t{1} << 20)) {
    append_scaled(out, bytes / 1024.0, "KiB");
  } else if (bytes < (std::int64_t{1} << 30)) {
    append_scaled(out, bytes / 1048576.0, "MiB");
  } else {
    append_scaled(out, bytes / 1073741824.0, "GiB");
  }
}

std::string format_bytes(std::int64_t bytes) {
  std::string s;
  append_bytes(s, bytes);
  return s;
}

}  // namespace gosim::trace
