// gosim view on real traces written by `gosim run --trace`: lanes and spans
// where the trace puts them, the step printout against the trace's own
// run-queue counters, colour rules on a real terminal (a pty), and errors.
#include <doctest/doctest.h>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "cli_support.h"
#include "trace/gosim_json.h"

using namespace gosim;
using namespace gosim::test;
using trace::EventKind;

namespace {

// Runs a bundled scenario in sim mode and returns the trace path and the trace.
// `sets` are --set overrides ("mechanisms.syscall_handoff=false").
std::pair<std::string, trace::Trace> sim_trace(const std::string& scenario, const std::string& dir_name,
                                               const std::vector<std::string>& sets = {}) {
  auto dir = temp_dir(dir_name);
  std::string path = (dir / (scenario + ".trace.json")).string();
  std::vector<std::string> args = {"run", source_path("scenarios/" + scenario + ".json"), "--trace", path, "--quiet"};
  for (const std::string& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  auto r = run_gosim(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string error;
  auto t = trace::read_gosim_json(path, &error);
  REQUIRE_MESSAGE(t, error);
  return {path, std::move(*t)};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string lane(const std::string& text, const std::string& label) {
  for (const std::string& l : lines_of(text))
    if (l == label || l.rfind(label + " ", 0) == 0) return l;
  return {};
}

trace::Nanos end_of(const trace::Trace& t) {
  trace::Nanos end = t.outcome.end_time;
  if (!t.events.empty()) end = std::max(end, t.events.back().t);
  return end;
}

// A G's stretch on a P: from GoStart to the event that takes it off.
struct Span {
  std::int32_t g, p;
  trace::Nanos from, to;
};

std::vector<Span> run_spans(const trace::Trace& t) {
  std::vector<Span> out;
  std::map<std::int32_t, Span> open;  // by G
  for (const trace::Event& e : t.events) {
    switch (e.kind) {
      case EventKind::GoStart:
        open[e.g] = {e.g, e.p, e.t, -1};
        break;
      case EventKind::GoEnd:
      case EventKind::GoBlock:
      case EventKind::GoSched:
      case EventKind::GoPreempt:
      case EventKind::GoStop:
      case EventKind::GoSysCall: {
        auto it = open.find(e.g);
        if (it == open.end()) break;
        it->second.to = e.t;
        out.push_back(it->second);
        open.erase(it);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

struct PtyResult {
  int exit_code = -1;
  std::string out;
};

// Runs gosim on a pseudo-terminal (so it sees a real terminal), typing
// `keys` one by one after the first output appears.
PtyResult run_on_pty(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::string& keys = "") {
  std::string binary = std::string(GOSIM_BINARY_DIR) + "/gosim";
  struct winsize ws {};
  ws.ws_row = 40;
  ws.ws_col = 100;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
  if (pid == 0) {
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv{binary.data()};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  PtyResult r;
  std::size_t typed = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    struct pollfd pfd {master, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 200);
    if (ready > 0) {
      char buf[4096];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO: the child closed the terminal
      r.out.append(buf, static_cast<std::size_t>(n));
    } else if (ready == 0 && typed < keys.size() && !r.out.empty()) {
      // Quiet for a moment: the screen is drawn, press the next key.
      ssize_t w = ::write(master, &keys[typed], 1);
      if (w == 1) ++typed;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("gosim view: a lane for every P and every M of a real trace") {
  auto [path, t] = sim_trace("work-stealing", "view-lanes");
  auto r = run_gosim({"view", path, "--width", "100", "--color=never"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::set<std::int32_t> ms;
  for (const trace::Event& e : t.events)
    if (e.m >= 0) ms.insert(e.m);
  REQUIRE(t.header.gomaxprocs > 1);
  for (int p = 0; p < t.header.gomaxprocs; ++p) {
    CHECK_MESSAGE(!lane(r.out, "P" + std::to_string(p)).empty(), "P", p);
    CHECK_MESSAGE(!lane(r.out, "runq P" + std::to_string(p)).empty(), "runq P", p);
  }
  for (std::int32_t m : ms) CHECK_MESSAGE(!lane(r.out, "M" + std::to_string(m)).empty(), "M", m);
  CHECK(!lane(r.out, "GC").empty());
  CHECK(!lane(r.out, "runq gl").empty());
  bool stole = std::any_of(t.events.begin(), t.events.end(), [](const trace::Event& e) { return e.kind == EventKind::ProcSteal; });
  CHECK(stole == !lane(r.out, "steals").empty());
  for (const std::string& l : lines_of(r.out)) CHECK(l.find('\x1b') == std::string::npos);
}

TEST_CASE("gosim view: each G's run is drawn on its P's lane, in the columns the trace gives") {
  auto [path, t] = sim_trace("hello", "view-spans");
  const int width = 120, label = 8, cols = width - label;
  auto r = run_gosim({"view", path, "--width", std::to_string(width), "--ascii", "--color=never"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (unsigned char c : r.out) REQUIRE(c < 128);
  trace::Nanos end = end_of(t);
  auto col = [&](trace::Nanos ts) { return static_cast<int>(static_cast<double>(ts) * cols / static_cast<double>(end)); };
  int checked = 0;
  for (const Span& s : run_spans(t)) {
    if (col(s.to) - col(s.from) < 12) continue;  // room for a label
    std::string line = lane(r.out, "P" + std::to_string(s.p));
    REQUIRE(line.size() > static_cast<std::size_t>(label + col(s.to) - 1));
    std::string cells = line.substr(label);
    // The run carries its G's name and function at its start (the first
    // column may be shared with the G before it), and every other column
    // inside it is drawn.
    std::string name = "G" + std::to_string(s.g);
    std::int64_t fn = -1;
    for (const trace::Event& e : t.events)
      if (e.kind == EventKind::GoCreate && e.g == s.g) fn = e.a1;
    REQUIRE(fn >= 0);
    std::string label = name + " " + t.header.functions[static_cast<std::size_t>(fn)];
    auto at = cells.find(label, static_cast<std::size_t>(col(s.from)));
    CHECK_MESSAGE(at <= static_cast<std::size_t>(col(s.from) + 1), label, " at ", at);
    for (int c = col(s.from) + 1; c < col(s.to); ++c) {
      if (at != std::string::npos && c >= static_cast<int>(at) && c < static_cast<int>(at + label.size())) continue;
      CHECK_MESSAGE(cells[c] != ' ', name, " column ", c);
    }
    ++checked;
  }
  CHECK(checked >= 3);
}

TEST_CASE("gosim view --by g: one lane per G of the trace") {
  auto [path, t] = sim_trace("hello", "view-by-g");
  auto r = run_gosim({"view", path, "--by", "g", "--width", "100", "--color=never"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::set<std::int32_t> gs;
  for (const trace::Event& e : t.events)
    if (e.kind == EventKind::GoCreate) gs.insert(e.g);
  REQUIRE(gs.size() >= 3);
  for (std::int32_t g : gs) CHECK_MESSAGE(!lane(r.out, "G" + std::to_string(g)).empty(), "G", g);
}

TEST_CASE("gosim view --from/--to zooms, a window outside the trace is an error") {
  auto [path, t] = sim_trace("hello", "view-window");
  trace::Nanos end = end_of(t);
  auto r = run_gosim({"view", path, "--from", "100us", "--to", "200us", "--color=never"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("100us..200us") != std::string::npos);
  auto bad = run_gosim({"view", path, "--from", std::to_string(end / 1000 + 1000) + "us"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("outside the trace") != std::string::npos);
  auto empty = run_gosim({"view", path, "--from", "2us", "--to", "1us"});
  CHECK(empty.exit_code == 2);
  auto nonsense = run_gosim({"view", path, "--from", "soon"});
  CHECK(nonsense.exit_code == 2);
  CHECK(nonsense.err.find("--from") != std::string::npos);
}

TEST_CASE("gosim view --step --print --at: queue lengths match the trace's own run-queue counters") {
  auto [path, t] = sim_trace("work-stealing", "view-at");
  // The simulator samples the queues after each instant into Counter events;
  // the picture is replayed from the scheduling events alone. Both must agree.
  std::vector<trace::Nanos> times;
  for (const trace::Event& e : t.events)
    if (e.kind == EventKind::GoStart || e.kind == EventKind::ProcSteal) times.push_back(e.t);
  REQUIRE(times.size() > 10);
  int checked = 0;
  for (std::size_t i = 0; i < times.size(); i += times.size() / 6) {
    trace::Nanos at = times[i];
    std::int64_t global = 0;
    std::map<std::int32_t, std::int64_t> local;
    for (const trace::Event& e : t.events) {
      if (e.t > at) break;
      if (e.kind != EventKind::Counter) continue;
      auto id = static_cast<trace::CounterId>(e.reason);
      if (id == trace::CounterId::GlobalRunq) global = e.a0;
      if (id == trace::CounterId::LocalRunq) local[e.p] = e.a0;
    }
    auto r = run_gosim({"view", "--step", "--print", "--at", std::to_string(at) + "ns", path, "--width", "200"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK_MESSAGE(r.out.find("global(" + std::to_string(global) + ")") != std::string::npos, "at ", at, "\n", r.out);
    for (auto [p, n] : local) {
      std::string line = lane(r.out, "P" + std::to_string(p));
      CHECK_MESSAGE(line.find("local(" + std::to_string(n) + ")") != std::string::npos, "at ", at, ": ", line);
    }
    ++checked;
  }
  CHECK(checked >= 5);
}

TEST_CASE("gosim view --events A..B prints those steps, stdout not a terminal prints too") {
  auto [path, t] = sim_trace("hello", "view-events");
  auto r = run_gosim({"view", "--step", path, "--events", "2..4"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("step 2/") != std::string::npos);
  CHECK(r.out.find("step 4/") != std::string::npos);
  CHECK(r.out.find("step 5/") == std::string::npos);
  // Step 2 is the second non-counter event; its why is printed under it.
  std::vector<const trace::Event*> steps;
  for (const trace::Event& e : t.events)
    if (e.kind != EventKind::Counter) steps.push_back(&e);
  REQUIRE(steps.size() > 4);
  CHECK(r.out.find(trace::describe(*steps[1], t.header)) != std::string::npos);
  auto bad = run_gosim({"view", path, "--events", "9..2"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("gosim view: colour on a terminal, none with NO_COLOR or --color=never") {
  auto [path, t] = sim_trace("hello", "view-color");
  auto tty = run_on_pty({"view", path}, {});
  CHECK(tty.exit_code == 0);
  CHECK(tty.out.find("\x1b[") != std::string::npos);
  auto no_color = run_on_pty({"view", path}, {"NO_COLOR=1"});
  CHECK(no_color.exit_code == 0);
  CHECK(no_color.out.find('\x1b') == std::string::npos);
  CHECK(no_color.out.find("P0") != std::string::npos);
  auto never = run_on_pty({"view", path, "--color=never"}, {});
  CHECK(never.out.find('\x1b') == std::string::npos);
  auto piped = run_gosim({"view", path});
  CHECK(piped.out.find('\x1b') == std::string::npos);
  auto always = run_gosim({"view", path, "--color=always"});
  CHECK(always.out.find("\x1b[") != std::string::npos);
}

TEST_CASE("gosim view --step on a terminal: keys step forward and back, q restores the terminal") {
  auto [path, t] = sim_trace("hello", "view-interactive");
  auto r = run_on_pty({"view", "--step", path}, {"NO_COLOR=1"}, "nnpq");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\x1b[?1049h") != std::string::npos);  // alternate screen entered
  CHECK(r.out.find("step 0/") != std::string::npos);
  CHECK(r.out.find("step 2/") != std::string::npos);
  // After "p" the screen shows step 1 again, and the last thing written leaves
  // the alternate screen and shows the cursor.
  CHECK(r.out.rfind("step 1/") > r.out.find("step 2/"));
  auto leave = r.out.rfind("\x1b[?1049l");
  REQUIRE(leave != std::string::npos);
  CHECK(r.out.find("step", leave) == std::string::npos);
}

TEST_CASE("gosim view: missing, unreadable and malformed traces exit 2 with a located message") {
  auto dir = temp_dir("view-bad");
  auto missing = run_gosim({"view", (dir / "nope.json").string()});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("nope.json") != std::string::npos);
  // A real trace with its fifth line broken: the message names file and line.
  auto [good, t] = sim_trace("hello", "view-bad-source");
  std::istringstream in(read_file(good));
  std::string text;
  int n = 0;
  for (std::string l; std::getline(in, l);) text += (++n == 5 ? std::string("{\"t\":12,\"ev\":") : l) + "\n";
  write_file(dir / "garbage.json", text);
  auto garbage = run_gosim({"view", (dir / "garbage.json").string()});
  CHECK(garbage.exit_code == 2);
  CHECK_MESSAGE(garbage.err.find("garbage.json:5:") != std::string::npos, garbage.err);
  write_file(dir / "empty.json", "");
  auto empty = run_gosim({"view", (dir / "empty.json").string()});
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("empty.json") != std::string::npos);
  auto directory = run_gosim({"view", dir.string()});
  CHECK(directory.exit_code == 2);
  CHECK(directory.err.find("directory") != std::string::npos);
  auto narrow = run_gosim({"view", (dir / "garbage.json").string(), "--width", "5"});
  CHECK(narrow.exit_code == 2);
}

TEST_CASE("gosim view: two traces share one time axis, --html writes a page") {
  auto [a, ta] = sim_trace("hello", "view-two-a");
  auto [b, tb] = sim_trace("work-stealing", "view-two-b");
  auto r = run_gosim({"view", a, b, "--color=never", "--width", "90"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  trace::Nanos end = std::max(end_of(ta), end_of(tb));
  CHECK(r.out.find("hello:") != std::string::npos);
  CHECK(r.out.find("work-stealing:") != std::string::npos);
  // Both headers give the same window: the longer trace's span.
  auto first = r.out.find("GOMAXPROCS");
  auto second = r.out.find("GOMAXPROCS", first + 1);
  REQUIRE(second != std::string::npos);
  std::string h1 = r.out.substr(first, r.out.find('\n', first) - first);
  std::string h2 = r.out.substr(second, r.out.find('\n', second) - second);
  auto window = [](const std::string& h) {
    auto at = h.find(" 0..");
    if (at == std::string::npos) return std::string();
    ++at;
    return h.substr(at, h.find_first_of(", ", at) - at);
  };
  CHECK(!window(h1).empty());
  CHECK(window(h1) == window(h2));
  CHECK(window(h2).rfind("0..", 0) == 0);
  CHECK(end > 0);
  auto dir = temp_dir("view-html");
  std::string html = (dir / "out.html").string();
  auto page = run_gosim({"view", "--html", html, a, b});
  CHECK_MESSAGE(page.exit_code == 0, page.err);
  CHECK(read_file(html).find("<html") != std::string::npos);
}

namespace {

// An interval of the trace on one P, M and G: a mark assist or a syscall.
struct Interval {
  std::int32_t g, p, m;
  trace::Nanos from, to;
};

// GCMarkAssistStart..GCMarkAssistDone of each G, as the trace gives them.
std::vector<Interval> assists_of(const trace::Trace& t) {
  std::vector<Interval> out;
  std::map<std::int32_t, Interval> open;
  for (const trace::Event& e : t.events) {
    if (e.kind == EventKind::GCMarkAssistStart) open[e.g] = {e.g, e.p, e.m, e.t, -1};
    if (e.kind == EventKind::GCMarkAssistDone && open.count(e.g)) {
      Interval i = open[e.g];
      i.to = e.t;
      out.push_back(i);
      open.erase(e.g);
    }
  }
  return out;
}

// The cells of a lane (its line without the label).
std::string cells_of(const std::string& text, const std::string& label, std::size_t label_width) {
  std::string l = lane(text, label);
  return l.size() > label_width ? l.substr(label_width) : std::string();
}

}  // namespace

TEST_CASE("gosim view: GC mark assists are drawn on their P, M and G lanes where the trace puts them") {
  auto [path, t] = sim_trace("gc-stw-assist", "view-assist");
  std::vector<Interval> assists = assists_of(t);
  REQUIRE(assists.size() > 10);
  // A window around the first long assist, so it spans many columns.
  auto longest = std::max_element(assists.begin(), assists.end(),
                                  [](const Interval& a, const Interval& b) { return a.to - a.from < b.to - b.from; });
  const trace::Nanos from = longest->from - (longest->to - longest->from) / 4;
  const trace::Nanos to = longest->to + (longest->to - longest->from) / 4;
  const int width = 128, label = 8, cols = width - label;
  auto r = run_gosim({"view", path, "--from", std::to_string(from) + "ns", "--to", std::to_string(to) + "ns",
                      "--width", std::to_string(width), "--by", "g", "--ascii", "--color=never"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto col = [&](trace::Nanos ts) { return static_cast<double>(ts - from) * cols / static_cast<double>(to - from); };
  // Per lane: which columns lie wholly inside an assist of that lane, and
  // which wholly outside every assist of it.
  auto check_lane = [&](const std::string& name, auto belongs) {
    std::string cells = cells_of(r.out, name, label);
    std::vector<int> state(cols, 0);  // 1 inside, -1 outside, 0 boundary
    for (int c = 0; c < cols; ++c) state[c] = -1;
    for (const Interval& a : assists) {
      if (!belongs(a)) continue;
      double x0 = col(a.from), x1 = col(a.to);
      for (int c = 0; c < cols; ++c) {
        if (c >= x0 && c + 1 <= x1) state[c] = 1;
        else if (c + 1 > x0 && c < x1) state[c] = 0;
      }
    }
    int inside = 0;
    for (int c = 0; c < cols; ++c) {
      if (state[c] == 0 || static_cast<std::size_t>(c) >= cells.size() + 1) continue;
      char ch = static_cast<std::size_t>(c) < cells.size() ? cells[c] : ' ';
      if (state[c] == 1) {
        ++inside;
        // The assist glyph, or a span's label ("G3 assist", "P1 assist") over it.
        bool in_label = false;
        for (auto at = cells.find(" assist"); at != std::string::npos; at = cells.find(" assist", at + 1)) {
          std::size_t start = at;
          while (start > 0 && std::isdigit(static_cast<unsigned char>(cells[start - 1]))) --start;
          if (start > 0 && (cells[start - 1] == 'G' || cells[start - 1] == 'P')) --start;
          if (static_cast<std::size_t>(c) >= start && static_cast<std::size_t>(c) < at + 7) in_label = true;
        }
        CHECK_MESSAGE((ch == '*' || in_label), name, " column ", c, " inside an assist shows '", ch, "'\n", cells);
      } else {
        CHECK_MESSAGE(ch != '*', name, " column ", c, " outside every assist shows '*'\n", cells);
      }
    }
    return inside;
  };
  int drawn = 0;
  for (int p = 0; p < t.header.gomaxprocs; ++p) {
    drawn += check_lane("P" + std::to_string(p), [&](const Interval& a) { return a.p == p; });
  }
  drawn += check_lane("M" + std::to_string(longest->m), [&](const Interval& a) { return a.m == longest->m; });
  drawn += check_lane("G" + std::to_string(longest->g), [&](const Interval& a) { return a.g == longest->g; });
  CHECK(drawn > cols / 2);
  CHECK(r.out.find("* a G in a GC mark assist") != std::string::npos);
  // The assisting G's lane carries its name at the assist's start.
  std::string p_cells = cells_of(r.out, "P" + std::to_string(longest->p), label);
  auto at = p_cells.find("G" + std::to_string(longest->g) + " assist");
  CHECK(at != std::string::npos);
  CHECK(std::abs(static_cast<double>(at) - col(longest->from)) <= 1.0);
}

TEST_CASE("gosim view --print --at: the picture lists exactly the Gs the trace has in a mark assist") {
  auto [path, t] = sim_trace("gc-stw-assist", "view-assist-at");
  std::vector<Interval> assists = assists_of(t);
  REQUIRE(assists.size() > 10);
  int checked = 0;
  for (std::size_t i = 0; i < assists.size(); i += assists.size() / 5) {
    trace::Nanos at = (assists[i].from + assists[i].to) / 2;
    std::vector<const Interval*> now;
    for (const Interval& a : assists)
      if (a.from <= at && a.to > at) now.push_back(&a);
    REQUIRE(!now.empty());
    auto r = run_gosim({"view", "--print", "--at", std::to_string(at) + "ns", path, "--width", "200"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::string line;
    for (const std::string& l : lines_of(r.out))
      if (l.rfind("mark assists(", 0) == 0) line = l;
    CHECK_MESSAGE(line.rfind("mark assists(" + std::to_string(now.size()) + "), debt:", 0) == 0, "at ", at, "\n", r.out);
    for (const Interval* a : now) {
      CHECK_MESSAGE(line.find(" G" + std::to_string(a->g) + " ") != std::string::npos, "G", a->g, ": ", line);
      std::string m = "M" + std::to_string(a->m) + " runs G" + std::to_string(a->g) + " on P" + std::to_string(a->p) +
                      " (mark assist)";
      CHECK_MESSAGE(r.out.find(m) != std::string::npos, m, "\n", r.out);
    }
    std::size_t marked = 0;
    for (auto pos = r.out.find("(mark assist)"); pos != std::string::npos; pos = r.out.find("(mark assist)", pos + 1))
      ++marked;
    CHECK(marked == now.size());
    ++checked;
  }
  CHECK(checked >= 5);
}

TEST_CASE("gosim view with syscall hand-off off: the P stays with its M through the syscall, and says so") {
  auto [path, t] = sim_trace("syscall-handoff", "view-handoff-off", {"mechanisms.syscall_handoff=false"});
  // What the trace says: nobody took the P (no GoSysBlock, no HandoffP), and
  // the G came back on the fast path to the same P.
  const trace::Event* enter = nullptr;
  const trace::Event* exit = nullptr;
  for (const trace::Event& e : t.events) {
    CHECK(e.kind != EventKind::GoSysBlock);
    CHECK(e.kind != EventKind::HandoffP);
    if (e.kind == EventKind::GoSysCall && !enter) enter = &e;
    if (e.kind == EventKind::GoSysExit && !exit) exit = &e;
  }
  REQUIRE(enter);
  REQUIRE(exit);
  CHECK(exit->g == enter->g);
  CHECK(exit->p == enter->p);
  CHECK(exit->reason == static_cast<std::uint8_t>(trace::SysExitPath::FastOldP));
  std::string g = "G" + std::to_string(enter->g), p = "P" + std::to_string(enter->p),
              m = "M" + std::to_string(enter->m);
  for (trace::Nanos at : {enter->t + 1, (enter->t + exit->t) / 2, exit->t - 1}) {
    auto r = run_gosim({"view", "--print", "--at", std::to_string(at) + "ns", path, "--width", "120"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::string pline = lane(r.out, p);
    CHECK_MESSAGE(pline.find(m) != std::string::npos, pline);
    CHECK_MESSAGE(pline.find("syscall " + g + " held") != std::string::npos, pline);
    CHECK(r.out.find(p + " stays with " + m + " until " + g + "'s syscall returns: syscall hand-off is off") !=
          std::string::npos);
    CHECK(r.out.find(m + " in syscall " + g + ", " + p + " held (hand-off off)") != std::string::npos);
  }
  auto after = run_gosim({"view", "--print", "--at", std::to_string(exit->t) + "ns", path, "--width", "120"});
  CHECK(lane(after.out, p).find(g + " ") != std::string::npos);
  CHECK(lane(after.out, p).find("syscall") == std::string::npos);
  CHECK(after.out.find("stays with") == std::string::npos);
  // The timeline: the P lane is the syscall from GoSysCall to GoSysExit.
  const int width = 108, label = 8, cols = width - label;
  auto tl = run_gosim({"view", path, "--ascii", "--color=never", "--width", std::to_string(width)});
  REQUIRE_MESSAGE(tl.exit_code == 0, tl.err);
  std::string cells = cells_of(tl.out, p, label);
  trace::Nanos end = end_of(t);
  int c0 = static_cast<int>(static_cast<double>(enter->t) * cols / static_cast<double>(end)) + 1;
  int c1 = static_cast<int>(static_cast<double>(exit->t) * cols / static_cast<double>(end));
  REQUIRE(c1 - c0 > 10);
  std::string sys_label = "sys " + g;
  auto lab = cells.find(sys_label, static_cast<std::size_t>(c0 - 1));
  for (int c = c0; c < c1; ++c) {
    bool in_label = lab != std::string::npos && static_cast<std::size_t>(c) >= lab && static_cast<std::size_t>(c) < lab + sys_label.size();
    CHECK_MESSAGE((cells[static_cast<std::size_t>(c)] == '/' || in_label), "column ", c, "\n", cells);
  }
  CHECK(tl.out.find("hand-off off: never retaken") != std::string::npos);
}

TEST_CASE("gosim view with syscall hand-off on: once the trace says the P was taken, it is not shown held") {
  auto [path, t] = sim_trace("syscall-handoff", "view-handoff-on");
  const trace::Event* block = nullptr;
  for (const trace::Event& e : t.events)
    if (e.kind == EventKind::GoSysBlock && !block) block = &e;
  REQUIRE(block);
  std::string p = "P" + std::to_string(block->p);
  auto before = run_gosim({"view", "--print", "--at", std::to_string(block->t - 1) + "ns", path, "--width", "120"});
  CHECK(lane(before.out, p).find("syscall G" + std::to_string(block->g)) != std::string::npos);
  CHECK(lane(before.out, p).find("held") == std::string::npos);
  auto taken = run_gosim({"view", "--print", "--at", std::to_string(block->t) + "ns", path, "--width", "120"});
  CHECK(lane(taken.out, p).find("syscall") == std::string::npos);
  CHECK(taken.out.find("no P") != std::string::npos);  // its M is in the syscall without a P
  CHECK(taken.out.find("hand-off off") == std::string::npos);
}
