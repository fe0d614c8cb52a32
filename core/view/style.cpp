#include "view/style.h"

#include <fmt/format.h>

namespace gosim::view {
namespace {

// Backgrounds that read well on both dark and light terminals; red is kept
// for stop-the-world and yellow for syscalls.
struct Hue {
  int bg, fg, text;
};
constexpr Hue kPalette[] = {
    {44, 34, 97}, {42, 32, 30}, {46, 36, 30}, {45, 35, 97},
    {104, 94, 30}, {102, 92, 30}, {106, 96, 30}, {105, 95, 30},
};
constexpr int kHues = sizeof(kPalette) / sizeof(kPalette[0]);

const Hue& hue(std::int32_t id) { return kPalette[(id < 0 ? 0 : id) % kHues]; }

}  // namespace

std::string_view Style::level(int eighths) const {
  static constexpr std::string_view kUnicode[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static constexpr std::string_view kAscii[] = {" ", ".", ".", ":", ":", "+", "+", "#", "#"};
  if (eighths < 0) eighths = 0;
  if (eighths > 8) eighths = 8;
  return ascii ? kAscii[eighths] : kUnicode[eighths];
}

std::string ink(const Style& s, Ink i) {
  if (!s.color) return {};
  switch (i) {
    case Ink::None: return {};
    case Ink::Red: return "\x1b[31m";
    case Ink::Yellow: return "\x1b[33m";
    case Ink::Magenta: return "\x1b[35m";
    case Ink::Cyan: return "\x1b[36m";
    case Ink::Dim: return "\x1b[2m";
    case Ink::Bold: return "\x1b[1m";
    case Ink::Green: return "\x1b[32m";
  }
  return {};
}

std::string g_colors(const Style& s, std::int32_t id) {
  if (!s.color) return {};
  const Hue& h = hue(id);
  return fmt::format("\x1b[{};{}m", h.bg, h.text);
}

std::string g_foreground(const Style& s, std::int32_t id) {
  if (!s.color) return {};
  return fmt::format("\x1b[{}m", hue(id).fg);
}

std::string reset(const Style& s) { return s.color ? "\x1b[0m" : ""; }

std::size_t display_width(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace gosim::view
