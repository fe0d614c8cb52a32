#include "view/terminal.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace gosim::view {
namespace {

// What signal handlers need to put the terminal back: plain globals, since
// only async-signal-safe calls (tcsetattr, write) may touch them.
struct termios g_saved;
volatile std::sig_atomic_t g_raw = 0;
volatile std::sig_atomic_t g_resized = 0;
constexpr char kEnter[] = "\x1b[?1049h\x1b[?25l";
constexpr char kLeave[] = "\x1b[?25h\x1b[?1049l";
constexpr int kFatalSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void write_all(const char* s, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(STDOUT_FILENO, s, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return;
    }
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void restore_now() {
  if (!g_raw) return;
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  write_all(kLeave, sizeof(kLeave) - 1);
  g_raw = 0;
}

void make_raw() {
  struct termios raw = g_saved;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  write_all(kEnter, sizeof(kEnter) - 1);
  g_raw = 1;
}

void on_fatal(int sig) {
  restore_now();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void on_stop(int) {
  // Suspend with the terminal as the shell expects it; SIGCONT restores raw mode.
  bool was_raw = g_raw;
  restore_now();
  std::signal(SIGTSTP, SIG_DFL);
  std::raise(SIGTSTP);
  std::signal(SIGTSTP, on_stop);
  if (was_raw) {
    make_raw();
    g_resized = 1;
  }
}

void on_winch(int) { g_resized = 1; }

}  // namespace

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

int terminal_width(int fd) {
  struct winsize ws;
  if (!is_terminal(fd) || ::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 0;
  return ws.ws_col;
}

int terminal_height(int fd) {
  struct winsize ws;
  if (!is_terminal(fd) || ::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0) return 0;
  return ws.ws_row;
}

RawTerminal::~RawTerminal() { leave(); }

bool RawTerminal::enter() {
  if (active_) return true;
  if (!is_terminal(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &g_saved) != 0) return false;
  for (int sig : kFatalSignals) std::signal(sig, on_fatal);
  std::signal(SIGTSTP, on_stop);
  // Without SA_RESTART, so a resize interrupts the blocking read and redraws.
  struct sigaction sa {};
  sa.sa_handler = on_winch;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  ::sigaction(SIGWINCH, &sa, nullptr);
  make_raw();
  active_ = true;
  return true;
}

void RawTerminal::leave() {
  if (!active_) return;
  restore_now();
  for (int sig : kFatalSignals) std::signal(sig, SIG_DFL);
  std::signal(SIGTSTP, SIG_DFL);
  std::signal(SIGWINCH, SIG_DFL);
  active_ = false;
}

Key RawTerminal::read_key() {
  for (;;) {
    if (g_resized) {
      g_resized = 0;
      return Key::Resize;
    }
    char buf[8];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Key::Quit;  // stdin closed
    if (buf[0] == '\x1b') {
      if (n >= 3 && buf[1] == '[') {
        switch (buf[2]) {
          case 'C': return Key::Next;
          case 'D': return Key::Prev;
          case 'A': return Key::PrevMany;
          case 'B': return Key::NextMany;
          case 'H': return Key::First;
          case 'F': return Key::Last;
          case '5': return Key::PrevMany;  // Page Up
          case '6': return Key::NextMany;  // Page Down
        }
        return Key::Other;
      }
      return n == 1 ? Key::Quit : Key::Other;
    }
    switch (buf[0]) {
      case 'n': case ' ': case '\n': case '\r': case 'l': return Key::Next;
      case 'p': case 'b': case 'h': case 0x7f: return Key::Prev;
      case 'N': return Key::NextMany;
      case 'P': return Key::PrevMany;
      case '0': case '^': return Key::First;
      case '$': case 'G': return Key::Last;
      case 'g': case ':': return Key::Goto;
      case 'q': case 'Q': case 0x04: return Key::Quit;
      default: return Key::Other;
    }
  }
}

std::string RawTerminal::read_line(const std::string& prompt) {
  std::string line;
  auto show = [&] {
    std::string s = "\r\x1b[K" + prompt + line + "\x1b[?25h";
    write_all(s.data(), s.size());
  };
  show();
  for (;;) {
    char c;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\r' || c == '\n') break;
    if (c == '\x1b') {
      line.clear();
      break;
    }
    if ((c == 0x7f || c == '\b') && !line.empty()) line.pop_back();
    else if (c >= 32 && c < 127 && line.size() < 40) line += c;
    show();
  }
  write_all("\x1b[?25l", 6);
  return line;
}

}  // namespace gosim::view
