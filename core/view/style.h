// How the terminal views draw: Unicode block characters or plain ASCII, ANSI
// colour or none. Every glyph the views use comes from here, so --ascii
// really means ASCII and colour off really means no escape sequences.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gosim::view {

struct Style {
  bool color = false;
  bool ascii = false;

  // Glyph by purpose, in the chosen character set.
  std::string_view run() const { return ascii ? "#" : "█"; }
  std::string_view run_alt() const { return ascii ? "=" : "▓"; }  // next span in a lane
  std::string_view mix() const { return ascii ? "%" : "▒"; }      // several Gs in one column
  std::string_view brief() const { return ascii ? "_" : "▁"; }    // busy for a sliver of the column
  std::string_view syscall() const { return ascii ? "/" : "░"; }
  std::string_view spin() const { return "~"; }
  std::string_view idle() const { return ascii ? "." : "·"; }
  std::string_view runnable() const { return ascii ? "-" : "─"; }
  std::string_view waiting() const { return ascii ? "." : "·"; }
  std::string_view gc_mark() const { return ascii ? "-" : "▒"; }
  std::string_view stw() const { return ascii ? "#" : "█"; }
  std::string_view stopped() const { return "x"; }
  std::string_view assist() const { return ascii ? "*" : "▚"; }  // a G in a GC mark assist
  std::string_view hline() const { return ascii ? "-" : "─"; }
  std::string_view tick() const { return ascii ? "+" : "┬"; }
  std::string_view ellipsis() const { return ascii ? "..." : "…"; }
  std::string_view arrow() const { return ascii ? "->" : "→"; }
  // Sparkline level 0..8 (0 = empty).
  std::string_view level(int eighths) const;
};

// ANSI SGR codes; the empty string when colour is off.
enum class Ink : std::uint8_t { None, Red, Yellow, Magenta, Cyan, Dim, Bold, Green };
std::string ink(const Style& s, Ink i);
// A G's colour: a background from a fixed palette chosen by id, with a
// readable foreground.
std::string g_colors(const Style& s, std::int32_t id);
// The same hue as a foreground only.
std::string g_foreground(const Style& s, std::int32_t id);
std::string reset(const Style& s);

// Display width of UTF-8 text (every glyph used here is one column wide).
std::size_t display_width(std::string_view utf8);

}  // namespace gosim::view
