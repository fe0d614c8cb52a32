// The terminal for the interactive stepper: its size, raw key input, and a
// guard that puts it back the way it was on every exit path (normal return,
// exceptions, and SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGTSTP).
#pragma once

#include <string>

namespace gosim::view {

bool is_terminal(int fd);
// Columns of the terminal on fd, or 0 if it is not a terminal.
int terminal_width(int fd);
int terminal_height(int fd);

enum class Key { None, Next, Prev, NextMany, PrevMany, First, Last, Goto, Quit, Resize, Other };

class RawTerminal {
 public:
  RawTerminal() = default;
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  ~RawTerminal();

  // Non-canonical, no echo, alternate screen, hidden cursor. False if stdin
  // is not a terminal.
  bool enter();
  void leave();

  // Blocks for one key press (Resize when the window changed size).
  Key read_key();
  // Reads a line with echo at the bottom of the screen; empty on Escape.
  std::string read_line(const std::string& prompt);

 private:
  bool active_ = false;
};

}  // namespace gosim::view
