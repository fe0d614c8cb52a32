// Drawing the G/M/P picture. One line per P (the M holding it, what runs,
// runnext, local queue), then the global queue, the Ms, and where the
// parked Gs wait; the last event and its why sit on top.
#include "view/picture.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "trace/human.h"
#include "view/time_axis.h"

namespace gosim::view {
namespace {

using trace::EventKind;

class Picture {
 public:
  Picture(const SchedState& s, const trace::Trace& t, const PictureOptions& o, std::size_t step, std::size_t steps)
      : s_(s), t_(t), o_(o), st_(o.style), step_(step), steps_(steps) {
    // The last scheduler event applied; counters are not steps.
    for (auto i = std::min<std::size_t>(static_cast<std::size_t>(s.applied), t.events.size()); i > 0; --i) {
      if (t.events[i - 1].kind != EventKind::Counter) {
        last_ = &t.events[i - 1];
        break;
      }
    }
  }
  std::string draw();

 private:
  bool hot_g(std::int32_t g) const { return last_ && g >= 0 && last_->g == g; }
  bool hot_p(std::int32_t p) const {
    return last_ && p >= 0 && (last_->p == p || (last_->kind == EventKind::ProcSteal && last_->a0 == p));
  }
  bool hot_m(std::int32_t m) const {
    return last_ && m >= 0 && (last_->m == m || (last_->kind == EventKind::HandoffP && last_->a0 == m));
  }
  // "G7" in the G's colour, bold if the last event is about it.
  std::string gname(std::int32_t g) const {
    std::string text = fmt::format("G{}", g);
    if (!st_.color) return text;
    return (hot_g(g) ? ink(st_, Ink::Bold) : std::string()) + g_foreground(st_, g) + text + reset(st_);
  }
  std::string fn(std::int32_t g) const {
    const GInfo* G = s_.g(g);
    if (!G || G->fn < 0 || static_cast<std::size_t>(G->fn) >= t_.header.functions.size()) return {};
    return t_.header.functions[G->fn];
  }
  std::string name(const char* prefix, std::int32_t id, bool hot) const {
    std::string text = fmt::format("{}{}", prefix, id);
    return hot && st_.color ? ink(st_, Ink::Bold) + text + reset(st_) : text;
  }
  // "[G4 G5 G6 ... +12]" within `room` columns.
  std::string list(const std::deque<std::int32_t>& q, int room) const;
  std::string object_name(const GInfo& G) const;
  void line(std::string& out, const std::string& text) const { out += text + "\n"; }
  std::string rule() const {
    std::string r;
    for (int i = 0; i < std::max(10, o_.width); ++i) r += st_.hline();
    return ink(st_, Ink::Dim) + r + reset(st_);
  }

  const SchedState& s_;
  const trace::Trace& t_;
  const PictureOptions& o_;
  const Style& st_;
  std::size_t step_, steps_;
  const trace::Event* last_ = nullptr;
};

std::string Picture::list(const std::deque<std::int32_t>& q, int room) const {
  std::string out = "[";
  int used = 1;
  for (std::size_t i = 0; i < q.size(); ++i) {
    std::string plain = fmt::format("G{}", q[i]);
    std::string more = fmt::format(" {} +{}", st_.ellipsis(), q.size() - i);
    int need = static_cast<int>(plain.size()) + (i ? 1 : 0);
    bool last = i + 1 == q.size();
    if (used + need + (last ? 1 : static_cast<int>(display_width(more)) + 1) > room && i > 0) {
      out += more;
      used = room;
      break;
    }
    if (i) out += ' ';
    out += gname(q[i]);
    used += need;
  }
  return out + "]";
}

std::string Picture::object_name(const GInfo& G) const {
  const std::vector<std::string>* names = nullptr;
  switch (G.block) {
    case trace::BlockReason::ChanSend:
    case trace::BlockReason::ChanRecv: names = &t_.header.channels; break;
    case trace::BlockReason::Mutex: names = &t_.header.mutexes; break;
    case trace::BlockReason::WaitGroup: names = &t_.header.waitgroups; break;
    default: return {};
  }
  if (G.object >= 0 && static_cast<std::size_t>(G.object) < names->size()) return (*names)[G.object];
  return {};
}

std::string Picture::draw() {
  std::string out;
  const trace::TraceHeader& h = t_.header;
  // The event that led here, and why.
  std::string head;
  if (last_) {
    head = fmt::format("step {}/{}  t={}  {}", step_, steps_, format_time(last_->t), trace::kind_name(last_->kind));
    if (last_->g >= 0) head += fmt::format(" G{}", last_->g);
    if (last_->p >= 0) head += fmt::format(" P{}", last_->p);
    if (last_->m >= 0) head += fmt::format(" M{}", last_->m);
  } else {
    head = fmt::format("step 0/{}  t=0  (before the first event)", steps_);
  }
  line(out, ink(st_, Ink::Bold) + head + reset(st_));
  if (last_) {
    std::string why = trace::describe(*last_, h);
    line(out, fmt::format("  {}", why));
  }
  line(out, rule());

  // GC and stop-the-world.
  std::string gc;
  if (s_.stw) {
    gc = ink(st_, Ink::Red) +
         fmt::format("STOP THE WORLD ({}) since {}",
                     s_.stw_kind == trace::STWKind::SweepTermination ? "sweep termination" : "mark termination",
                     format_time(s_.stw_since)) +
         reset(st_);
  } else if (s_.gc_active) {
    gc = ink(st_, Ink::Magenta) + fmt::format("GC cycle {} marking since {}", s_.gc_cycle, format_time(s_.gc_since)) +
         reset(st_);
  } else {
    gc = s_.gc_cycle > 0 ? fmt::format("GC off ({} cycle{} done)", s_.gc_cycle, s_.gc_cycle == 1 ? "" : "s")
                         : std::string("GC off");
  }
  if (s_.heap_live >= 0) gc += fmt::format("   heap {}", trace::format_bytes(s_.heap_live));
  if (s_.heap_goal >= 0) gc += fmt::format(" (goal {})", trace::format_bytes(s_.heap_goal));
  // Mark assists (gcAssistAlloc): Gs that allocated during marking and now
  // pay for it with mark work on their own P before running on.
  std::vector<std::int32_t> assists;
  for (std::size_t i = 0; i < s_.gs.size(); ++i)
    if (s_.gs[i].assisting && s_.gs[i].status == GStatus::Running) assists.push_back(static_cast<std::int32_t>(i));
  line(out, gc);
  if (!assists.empty()) {
    std::string title = fmt::format("mark assists({}), debt:", assists.size());
    std::string text = ink(st_, Ink::Magenta) + title + reset(st_);
    int used = static_cast<int>(title.size());
    for (std::size_t i = 0; i < assists.size(); ++i) {
      const GInfo& G = s_.gs[assists[i]];
      std::string debt = fmt::format(" {}", trace::format_bytes(G.assist_debt));
      std::string plain = fmt::format(" G{}{}", assists[i], debt);
      std::string more = fmt::format(" {} +{}", st_.ellipsis(), assists.size() - i);
      if (used + static_cast<int>(plain.size() + display_width(more)) > o_.width && i + 1 < assists.size()) {
        text += more;
        break;
      }
      text += " " + gname(assists[i]) + debt;
      used += static_cast<int>(plain.size());
    }
    line(out, text);
  }

  // One line per P: "P0  M0 > G3 main        next G7   local [G4 G5]".
  const int who_width = 22;
  for (std::size_t i = 0; i < s_.ps.size(); ++i) {
    const PInfo& P = s_.ps[i];
    auto id = static_cast<std::int32_t>(i);
    std::string m = P.m >= 0 ? fmt::format("M{}", P.m) : std::string("--");
    std::string what, what_plain;
    if (P.gc_worker) {
      what_plain = "GC mark worker";
      what = ink(st_, Ink::Magenta) + what_plain + reset(st_);
    } else {
      switch (P.status) {
        case PStatus::Running:
          if (P.g >= 0) {
            std::string f = fn(P.g);
            what_plain = fmt::format("{} G{}{}{}", st_.ascii ? ">" : "▶", P.g, f.empty() ? "" : " ", f);
            what = fmt::format("{} {}{}{}", st_.ascii ? ">" : "▶", gname(P.g), f.empty() ? "" : " ", f);
          } else if (const MInfo* M = s_.m(P.m); M && M->spinning) {
            what = what_plain = "~ spinning";
          } else {
            what = what_plain = "  scheduling";
          }
          break;
        case PStatus::Syscall: {
          const MInfo* M = s_.m(P.m);
          what_plain = fmt::format("{} syscall", st_.syscall());
          if (M && M->g >= 0) what_plain += fmt::format(" G{}", M->g);
          // Hand-off off: no sysmon retake, the P is its M's until the syscall returns.
          if (!s_.syscall_handoff) what_plain += " held";
          what = ink(st_, Ink::Yellow) + what_plain + reset(st_);
          break;
        }
        case PStatus::GCStop:
          what_plain = "x stopped (STW)";
          what = ink(st_, Ink::Red) + what_plain + reset(st_);
          break;
        case PStatus::Idle:
          what_plain = "  idle";
          what = ink(st_, Ink::Dim) + what_plain + reset(st_);
          break;
      }
    }
    int wp = static_cast<int>(display_width(what_plain));
    if (wp > who_width) {
      // Cut long function names; keep the G id.
      what_plain = what_plain.substr(0, who_width);
      if (P.g >= 0 && P.status == PStatus::Running && !P.gc_worker)
        what = fmt::format("{} {} {}", st_.ascii ? ">" : "▶", gname(P.g), fn(P.g).substr(0, std::max(0, who_width - 3 - static_cast<int>(fmt::format("G{}", P.g).size()))));
      wp = static_cast<int>(display_width(what_plain));
      wp = std::min(wp, who_width);
    }
    std::string next = P.runnext >= 0 ? gname(P.runnext) : std::string("-");
    int next_plain = P.runnext >= 0 ? static_cast<int>(fmt::format("G{}", P.runnext).size()) : 1;
    std::string prefix = fmt::format("{:<4}{:<4} ", fmt::format("P{}", i), m);
    std::string text = name("P", id, hot_p(id)) + std::string(4 - std::min<std::size_t>(4, fmt::format("P{}", i).size()), ' ');
    text += fmt::format("{:<4} ", m) + what + std::string(static_cast<std::size_t>(std::max(1, who_width - wp + 1)), ' ');
    text += "next " + next + std::string(static_cast<std::size_t>(std::max(1, 7 - next_plain)), ' ');
    int used = static_cast<int>(prefix.size()) + who_width + 1 + 5 + std::max(next_plain + 1, 7);
    text += fmt::format("local({}) ", P.runq.size());
    used += static_cast<int>(fmt::format("local({}) ", P.runq.size()).size());
    text += list(P.runq, std::max(8, o_.width - used));
    line(out, text);
  }
  // Why a P in a syscall stays where it is when nobody may take it.
  if (!s_.syscall_handoff) {
    for (std::size_t i = 0; i < s_.ps.size(); ++i) {
      const PInfo& P = s_.ps[i];
      if (P.status != PStatus::Syscall) continue;
      const MInfo* M = s_.m(P.m);
      std::string g = M && M->g >= 0 ? fmt::format("G{}'s", M->g) : std::string("the");
      line(out, ink(st_, Ink::Dim) +
                    fmt::format("  P{} stays with M{} until {} syscall returns: syscall hand-off is off, sysmon "
                                "never retakes it",
                                i, P.m, g) +
                    reset(st_));
    }
  }
  {
    std::string text = fmt::format("global({}) ", s_.global.size());
    line(out, text + list(s_.global, std::max(8, o_.width - static_cast<int>(text.size()))));
  }
  line(out, rule());

  // Ms: what each thread does.
  std::string ms;
  int col = 0;
  auto add = [&](const std::string& styled, int plain) {
    if (col > 0 && col + 3 + plain > o_.width) {
      ms += "\n";
      col = 0;
    }
    if (col > 0) {
      ms += "   ";
      col += 3;
    }
    ms += styled;
    col += plain;
  };
  for (std::size_t i = 0; i < s_.ms.size(); ++i) {
    const MInfo& M = s_.ms[i];
    auto id = static_cast<std::int32_t>(i);
    std::string plain;
    std::string styled;
    switch (M.status()) {
      case MStatus::NotStarted: continue;
      case MStatus::Running: {
        const GInfo* G = s_.g(M.g);
        std::string assist = G && G->assisting ? " (mark assist)" : "";
        plain = M.g >= 0 ? fmt::format("M{} runs G{} on P{}{}", i, M.g, M.p, assist)
                         : fmt::format("M{} schedules on P{}", i, M.p);
        styled = M.g >= 0 ? fmt::format("{} runs {} on P{}{}", name("M", id, hot_m(id)), gname(M.g), M.p, assist)
                          : fmt::format("{} schedules on P{}", name("M", id, hot_m(id)), M.p);
        break;
      }
      case MStatus::Spinning:
        plain = fmt::format("M{} spinning on P{}", i, M.p);
        styled = name("M", id, hot_m(id)) + ink(st_, Ink::Cyan) + fmt::format(" spinning on P{}", M.p) + reset(st_);
        break;
      case MStatus::Syscall: {
        std::string held = M.p >= 0 ? fmt::format(", P{} held{}", M.p, s_.syscall_handoff ? "" : " (hand-off off)")
                                    : std::string(", no P");
        plain = fmt::format("M{} in syscall G{}{}", i, M.g, held);
        styled = name("M", id, hot_m(id)) + ink(st_, Ink::Yellow) + " in syscall " + reset(st_) + gname(M.g) + held;
        break;
      }
      case MStatus::Idle:
        plain = fmt::format("M{} idle (thread cache)", i);
        styled = name("M", id, hot_m(id)) + ink(st_, Ink::Dim) + " idle (thread cache)" + reset(st_);
        break;
      case MStatus::NoP:
        plain = fmt::format("M{} without a P", i);
        styled = name("M", id, hot_m(id)) + " without a P";
        break;
      case MStatus::Exited:
        plain = fmt::format("M{} exited", i);
        styled = name("M", id, hot_m(id)) + ink(st_, Ink::Dim) + " exited" + reset(st_);
        break;
    }
    add(styled, static_cast<int>(display_width(plain)));
  }
  if (!ms.empty()) line(out, ms);

  // Parked Gs: the netpoller, timers, and everything else by what it waits on.
  std::vector<std::int32_t> net, timers;
  std::map<std::string, std::vector<std::int32_t>> blocked;
  std::size_t counts[6] = {};
  for (std::size_t i = 0; i < s_.gs.size(); ++i) {
    const GInfo& G = s_.gs[i];
    counts[static_cast<int>(G.status)]++;
    if (G.status != GStatus::Waiting) continue;
    auto id = static_cast<std::int32_t>(i);
    if (G.block == trace::BlockReason::NetWait) net.push_back(id);
    else if (G.block == trace::BlockReason::Sleep) timers.push_back(id);
    else if (G.forever) blocked["forever"].push_back(id);
    else {
      std::string what(trace::block_reason_name(G.block));
      std::string obj = object_name(G);
      blocked[obj.empty() ? what : what + " " + obj].push_back(id);
    }
  }
  auto with_times = [&](const char* title, const std::vector<std::int32_t>& gs) {
    if (gs.empty()) return;
    std::string text = fmt::format("{}({}):", title, gs.size());
    int used = static_cast<int>(text.size());
    for (std::size_t i = 0; i < gs.size(); ++i) {
      const GInfo& G = s_.gs[gs[i]];
      std::string plain = G.ready_at >= 0 ? fmt::format(" G{}@{}", gs[i], format_time(G.ready_at)) : fmt::format(" G{}", gs[i]);
      std::string more = fmt::format(" {} +{}", st_.ellipsis(), gs.size() - i);
      if (used + static_cast<int>(plain.size() + display_width(more)) > o_.width && i + 1 < gs.size()) {
        text += more;
        break;
      }
      text += G.ready_at >= 0 ? fmt::format(" {}@{}", gname(gs[i]), format_time(G.ready_at)) : " " + gname(gs[i]);
      used += static_cast<int>(plain.size());
    }
    line(out, text);
  };
  with_times("netpoller", net);
  with_times("timers", timers);
  for (const auto& [why, gs] : blocked) {
    std::deque<std::int32_t> q(gs.begin(), gs.end());
    std::string text = fmt::format("waiting on {}({}) ", why, gs.size());
    line(out, text + list(q, std::max(8, o_.width - static_cast<int>(display_width(text)))));
  }
  line(out, ink(st_, Ink::Dim) +
                fmt::format("Gs: {} running, {} runnable, {} waiting, {} in syscalls, {} done",
                            counts[static_cast<int>(GStatus::Running)], counts[static_cast<int>(GStatus::Runnable)],
                            counts[static_cast<int>(GStatus::Waiting)], counts[static_cast<int>(GStatus::Syscall)],
                            counts[static_cast<int>(GStatus::Dead)]) +
                reset(st_));
  return out;
}

}  // namespace

std::string render_picture(const SchedState& state, const trace::Trace& trace, const PictureOptions& options,
                           std::size_t step, std::size_t steps) {
  Picture p(state, trace, options, step, steps);
  return p.draw();
}

}  // namespace gosim::view
