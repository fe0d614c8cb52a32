// Building the timeline: one replay pass; each lane's stretches are spread
// over the columns they cover.
#include "view/timeline.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "view/sched_state.h"
#include "view/time_axis.h"

namespace gosim::view {
namespace {

using trace::EventKind;
using trace::Nanos;

struct Occ {
  CellKind kind = CellKind::Empty;
  std::int32_t id = -1;
  bool operator==(const Occ&) const = default;
};

bool is_runner(CellKind k) { return k == CellKind::Run || k == CellKind::Assist; }

// What covered one column: the few longest occupants, their shares of the
// column, and how many different Gs ran in it.
struct Acc {
  std::array<Occ, 4> occ{};
  std::array<float, 4> share{};
  std::uint8_t n = 0;
  std::uint16_t runners = 0;
  bool stw = false;
  float busy = 0;  // all occupants together, tracked or not

  void add(Occ o, float s) {
    if (o.kind == CellKind::STW) stw = true;
    busy += s;
    for (std::uint8_t i = 0; i < n; ++i) {
      if (occ[i] == o) {
        share[i] += s;
        return;
      }
    }
    // A G running and the same G assisting are one runner.
    if (is_runner(o.kind) && runners < 0xffff) {
      bool seen = false;
      for (std::uint8_t i = 0; i < n; ++i) seen = seen || (is_runner(occ[i].kind) && occ[i].id == o.id);
      if (!seen) ++runners;
    }
    if (n < occ.size()) {
      occ[n] = o;
      share[n] = s;
      ++n;
      return;
    }
    // Full: a newcomer replaces the smallest if it is bigger (approximate,
    // but only ever for columns with many occupants).
    auto smallest = std::min_element(share.begin(), share.end()) - share.begin();
    if (share[smallest] < s) {
      occ[smallest] = o;
      share[smallest] = s;
    }
  }

  Cell finish() const {
    if (stw) return {CellKind::STW, -1};
    int best = -1;
    for (int i = 0; i < n; ++i)
      if (best < 0 || share[i] > share[best]) best = i;
    if (best < 0 || busy <= 0) return {};
    Occ top = occ[best];
    if (busy < 0.25f) return {CellKind::Brief, is_runner(top.kind) ? top.id : -1};
    if (is_runner(top.kind) && (runners >= 3 || (runners >= 2 && share[best] < busy * 2 / 3)))
      return {CellKind::Mix, top.id};
    return {top.kind, top.id};
  }
};

// Maps time onto columns of the window.
struct Scale {
  Nanos from, to;
  int cols;
  double x(Nanos t) const {
    return static_cast<double>(t - from) * cols / static_cast<double>(to - from);
  }
};

struct Track {
  Occ occ;
  Nanos since = 0;
  std::int32_t lane = -1;  // index into the accumulators, -1 none
};

class Builder {
 public:
  Builder(const trace::Trace& t, const TimelineOptions& o, Nanos to, Nanos end)
      : trace_(t), opt_(o), scale_{o.from, to, 0}, end_(end), state_(t.header) {}

  Timeline run(int cols);

 private:
  using Accs = std::vector<Acc>;

  void add(Accs& accs, Occ occ, Nanos a, Nanos b) {
    if (occ.kind == CellKind::Empty) return;
    a = std::max(a, scale_.from);
    b = std::min(b, std::min(scale_.to, end_));
    if (b <= a) return;
    double xa = scale_.x(a), xb = scale_.x(b);
    int c0 = std::max(0, static_cast<int>(std::floor(xa)));
    int c1 = std::min(scale_.cols - 1, static_cast<int>(std::ceil(xb)) - 1);
    for (int c = c0; c <= c1; ++c) {
      double s = std::min(xb, c + 1.0) - std::max(xa, static_cast<double>(c));
      if (s > 0) accs[c].add(occ, static_cast<float>(s));
    }
  }

  Occ p_occ(std::int32_t id) const;
  Occ m_occ(std::int32_t id) const;
  Occ g_occ(std::int32_t id) const;
  bool assisting(std::int32_t g) const {
    const GInfo* G = state_.g(g);
    return G && G->assisting;
  }
  Occ gc_occ() const {
    if (state_.stw) return {CellKind::STW, -1};
    if (state_.gc_active) return {CellKind::GCMark, -1};
    return {};
  }

  void update(std::vector<Track>& tracks, std::vector<Accs>& accs, std::int32_t id, Occ now, Nanos t);
  void update_g(std::int32_t id, Nanos t);
  void flush_g(std::int32_t id, Nanos t);
  void note_queue(std::size_t q, std::int32_t len, Nanos t);
  void fill_queue(std::size_t q, int upto);
  void mark(std::vector<std::int32_t>& marks, std::int32_t p, Nanos t);

  const trace::Trace& trace_;
  const TimelineOptions& opt_;
  Scale scale_;
  Nanos end_;
  SchedState state_;

  std::vector<Track> p_tracks_, m_tracks_, g_tracks_;
  std::vector<Accs> p_accs_, m_accs_, g_accs_;
  Track gc_track_;
  Accs gc_acc_;
  std::vector<std::int32_t> g_lane_ids_;
  std::vector<bool> g_counted_;
  std::size_t hidden_g_ = 0;
  std::vector<std::int32_t> steals_, handoffs_;
  // Run queues: [0] global, [1 + p] P's runnext and local queue.
  std::vector<std::vector<std::int32_t>> q_max_;
  std::vector<std::int32_t> q_cur_;
  std::vector<int> q_next_;  // first column not yet filled
};

Occ Builder::p_occ(std::int32_t id) const {
  const PInfo& P = state_.ps[id];
  if (P.gc_worker) return {CellKind::GCWorker, -1};
  switch (P.status) {
    case PStatus::Running:
      if (P.g >= 0) return {assisting(P.g) ? CellKind::Assist : CellKind::Run, P.g};
      if (const MInfo* M = state_.m(P.m); M && M->spinning) return {CellKind::Spin, -1};
      return {};
    case PStatus::Syscall: {
      const MInfo* M = state_.m(P.m);
      return {CellKind::SyscallHeld, M ? M->g : -1};
    }
    case PStatus::GCStop: return {CellKind::Stopped, -1};
    case PStatus::Idle: return {};
  }
  return {};
}

Occ Builder::m_occ(std::int32_t id) const {
  const MInfo& M = state_.ms[id];
  switch (M.status()) {
    case MStatus::Syscall: return {CellKind::Syscall, M.g};
    case MStatus::Running: {
      if (M.g >= 0) return {assisting(M.g) ? CellKind::Assist : CellKind::Run, M.g};
      if (const PInfo* P = state_.p(M.p); P && P->gc_worker) return {CellKind::GCWorker, -1};
      return {};
    }
    case MStatus::Spinning: return {CellKind::Spin, -1};
    case MStatus::Idle: return {CellKind::Idle, -1};
    default: return {};
  }
}

Occ Builder::g_occ(std::int32_t id) const {
  const GInfo& G = state_.gs[id];
  switch (G.status) {
    case GStatus::Running: return {G.assisting ? CellKind::Assist : CellKind::Run, G.p};
    case GStatus::Runnable: return {CellKind::Runnable, -1};
    case GStatus::Waiting: return {CellKind::Waiting, -1};
    case GStatus::Syscall: return {CellKind::Syscall, id};
    default: return {};
  }
}

void Builder::update(std::vector<Track>& tracks, std::vector<Accs>& accs, std::int32_t id, Occ now,
                     Nanos t) {
  if (id < 0) return;
  if (static_cast<std::size_t>(id) >= tracks.size()) tracks.resize(id + 1);
  if (static_cast<std::size_t>(id) >= accs.size()) accs.resize(id + 1, Accs(scale_.cols));
  Track& tr = tracks[id];
  if (tr.occ == now) return;
  add(accs[id], tr.occ, tr.since, t);
  tr.occ = now;
  tr.since = t;
}

// G lanes exist only for the first max_g_lanes Gs seen in the window.
void Builder::update_g(std::int32_t id, Nanos t) {
  if (static_cast<std::size_t>(id) >= g_tracks_.size()) {
    g_tracks_.resize(id + 1);
    g_counted_.resize(id + 1, false);
  }
  Occ now = g_occ(id);
  if (g_tracks_[id].occ == now) return;
  flush_g(id, t);
  g_tracks_[id].occ = now;
}

// Adds G id's open stretch up to t.
void Builder::flush_g(std::int32_t id, Nanos t) {
  Track& tr = g_tracks_[id];
  Nanos a = std::max(tr.since, scale_.from), b = std::min(t, std::min(scale_.to, end_));
  if (tr.occ.kind != CellKind::Empty && b > a) {
    if (tr.lane < 0 && !g_counted_[id]) {
      g_counted_[id] = true;
      if (g_accs_.size() < opt_.max_g_lanes) {
        tr.lane = static_cast<std::int32_t>(g_accs_.size());
        g_accs_.emplace_back(scale_.cols);
        g_lane_ids_.push_back(id);
      } else {
        ++hidden_g_;
      }
    }
    if (tr.lane >= 0) add(g_accs_[tr.lane], tr.occ, tr.since, t);
  }
  tr.since = t;
}

void Builder::fill_queue(std::size_t q, int upto) {
  upto = std::min(upto, scale_.cols - 1);
  for (int c = q_next_[q]; c <= upto; ++c) q_max_[q][c] = std::max(q_max_[q][c], q_cur_[q]);
  q_next_[q] = std::max(q_next_[q], upto + 1);
}

void Builder::note_queue(std::size_t q, std::int32_t len, Nanos t) {
  if (q >= q_cur_.size()) {
    q_cur_.resize(q + 1, 0);
    q_next_.resize(q + 1, 0);
    q_max_.resize(q + 1, std::vector<std::int32_t>(scale_.cols, -1));
  }
  if (q_cur_[q] == len) return;
  if (t >= scale_.from && t < scale_.to) {
    int c = std::min(scale_.cols - 1, static_cast<int>(scale_.x(t)));
    fill_queue(q, c);  // the length entering this column counts too
    q_max_[q][c] = std::max(q_max_[q][c], len);
  }
  q_cur_[q] = len;
}

void Builder::mark(std::vector<std::int32_t>& marks, std::int32_t p, Nanos t) {
  if (t < scale_.from || t >= scale_.to || p < 0) return;
  int c = std::min(scale_.cols - 1, static_cast<int>(scale_.x(t)));
  if (marks[c] == -1) marks[c] = p;
  else if (marks[c] != p) marks[c] = -2;
}

void push_unique(std::vector<std::int32_t>& v, std::int64_t id) {
  if (id < 0 || id >= (1 << 26)) return;
  auto i = static_cast<std::int32_t>(id);
  if (std::find(v.begin(), v.end(), i) == v.end()) v.push_back(i);
}

Timeline Builder::run(int cols) {
  scale_.cols = cols;
  gc_acc_.assign(cols, Acc{});
  steals_.assign(cols, -1);
  handoffs_.assign(cols, -1);
  Timeline tl;
  tl.from = scale_.from;
  tl.to = scale_.to;
  tl.trace_end = end_;
  tl.columns = cols;

  std::vector<std::int32_t> ps, ms;
  auto related = [&](const trace::Event& e) {
    push_unique(ps, e.p);
    push_unique(ms, e.m);
    if (e.kind == EventKind::ProcSteal) push_unique(ps, e.a0);
    if (e.kind == EventKind::HandoffP) push_unique(ms, e.a0);
    if (const GInfo* G = state_.g(e.g)) {
      push_unique(ps, G->p);
      push_unique(ms, G->m);
    }
    for (std::size_t i = 0, n = ps.size(); i < n; ++i)
      if (const PInfo* P = state_.p(ps[i])) push_unique(ms, P->m);
    for (std::size_t i = 0, n = ms.size(); i < n; ++i)
      if (const MInfo* M = state_.m(ms[i])) push_unique(ps, M->p);
  };

  for (std::size_t p = 0; p < state_.ps.size(); ++p) {
    update(p_tracks_, p_accs_, static_cast<std::int32_t>(p), {}, 0);
    note_queue(1 + p, 0, 0);
  }
  note_queue(0, 0, 0);

  for (const trace::Event& e : trace_.events) {
    if (e.t > scale_.to) break;
    if (e.t >= scale_.from) ++tl.events_in_window;
    ps.clear();
    ms.clear();
    related(e);
    state_.apply(e);
    related(e);
    if (e.kind == EventKind::GoCreate && e.g >= 0) {
      if (static_cast<std::size_t>(e.g) >= tl.g_function.size()) tl.g_function.resize(e.g + 1, -1);
      tl.g_function[e.g] = static_cast<std::int32_t>(e.a1);
    }
    for (std::int32_t p : ps) {
      if (static_cast<std::size_t>(p) >= state_.ps.size()) continue;
      update(p_tracks_, p_accs_, p, p_occ(p), e.t);
      note_queue(1 + p, static_cast<std::int32_t>(state_.queued(p)), e.t);
    }
    for (std::int32_t m : ms) {
      if (static_cast<std::size_t>(m) < state_.ms.size()) update(m_tracks_, m_accs_, m, m_occ(m), e.t);
    }
    if (opt_.by_g && e.g >= 0 && static_cast<std::size_t>(e.g) < state_.gs.size()) update_g(e.g, e.t);
    note_queue(0, static_cast<std::int32_t>(state_.global.size()), e.t);
    Occ gc = gc_occ();
    if (!(gc == gc_track_.occ)) {
      add(gc_acc_, gc_track_.occ, gc_track_.since, e.t);
      gc_track_ = {gc, e.t, -1};
    }
    if (e.kind == EventKind::ProcSteal) mark(steals_, e.p, e.t);
    if (e.kind == EventKind::HandoffP) mark(handoffs_, e.p, e.t);
  }

  // Close what is still open at the end of the window (or of the trace).
  Nanos stop = std::min(scale_.to, end_);
  for (std::size_t i = 0; i < p_tracks_.size(); ++i) add(p_accs_[i], p_tracks_[i].occ, p_tracks_[i].since, stop);
  for (std::size_t i = 0; i < m_tracks_.size(); ++i) add(m_accs_[i], m_tracks_[i].occ, m_tracks_[i].since, stop);
  for (std::size_t i = 0; i < g_tracks_.size(); ++i) flush_g(static_cast<std::int32_t>(i), stop);
  add(gc_acc_, gc_track_.occ, gc_track_.since, stop);
  int last_col = stop > scale_.from ? std::min(cols - 1, static_cast<int>(std::ceil(scale_.x(stop))) - 1) : -1;
  for (std::size_t q = 0; q < q_cur_.size(); ++q) fill_queue(q, last_col);

  auto cells = [](const Accs& accs) {
    std::vector<Cell> out(accs.size());
    for (std::size_t c = 0; c < accs.size(); ++c) out[c] = accs[c].finish();
    return out;
  };
  auto lane = [&](LaneKind kind, std::int32_t id, std::string label) -> Lane& {
    tl.lanes.push_back(Lane{kind, id, std::move(label), {}, {}, {}});
    return tl.lanes.back();
  };
  lane(LaneKind::GC, -1, "GC").cells = cells(gc_acc_);
  for (std::size_t p = 0; p < p_accs_.size(); ++p)
    lane(LaneKind::P, static_cast<std::int32_t>(p), fmt::format("P{}", p)).cells = cells(p_accs_[p]);
  bool any_steal = std::any_of(steals_.begin(), steals_.end(), [](std::int32_t v) { return v != -1; });
  bool any_handoff = std::any_of(handoffs_.begin(), handoffs_.end(), [](std::int32_t v) { return v != -1; });
  if (any_steal) lane(LaneKind::Steals, -1, "steals").marks = steals_;
  if (any_handoff) lane(LaneKind::Handoffs, -1, "handoff").marks = handoffs_;
  for (std::size_t m = 0; m < m_accs_.size(); ++m) {
    if (m >= state_.ms.size() || !state_.ms[m].started) continue;
    lane(LaneKind::M, static_cast<std::int32_t>(m), fmt::format("M{}", m)).cells = cells(m_accs_[m]);
  }
  if (opt_.by_g) {
    std::vector<std::size_t> order(g_lane_ids_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return g_lane_ids_[a] < g_lane_ids_[b]; });
    for (std::size_t i : order)
      lane(LaneKind::G, g_lane_ids_[i], fmt::format("G{}", g_lane_ids_[i])).cells = cells(g_accs_[i]);
    tl.hidden_g_lanes = hidden_g_;
  }
  lane(LaneKind::RunQueue, -1, "runq gl").values = q_max_[0];
  for (std::size_t q = 1; q < q_max_.size(); ++q)
    lane(LaneKind::RunQueue, static_cast<std::int32_t>(q - 1), fmt::format("runq P{}", q - 1)).values = q_max_[q];
  if (tl.g_function.size() < state_.gs.size()) tl.g_function.resize(state_.gs.size(), -1);
  tl.syscall_handoff = state_.syscall_handoff;
  return tl;
}

}  // namespace

int Timeline::column(trace::Nanos t) const {
  if (t < from || t >= to || columns <= 0) return -1;
  auto c = static_cast<int>(static_cast<double>(t - from) * columns / static_cast<double>(to - from));
  return std::min(c, columns - 1);
}

const Lane* Timeline::find(LaneKind kind, std::int32_t id) const {
  for (const Lane& l : lanes)
    if (l.kind == kind && l.id == id) return &l;
  return nullptr;
}

trace::Nanos trace_end(const trace::Trace& t) {
  Nanos end = t.outcome.end_time;
  if (!t.events.empty()) end = std::max(end, t.events.back().t);
  return end;
}

std::optional<Timeline> build_timeline(const trace::Trace& trace, const TimelineOptions& options,
                                       std::string* error) {
  Nanos end = trace_end(trace);
  if (trace.events.empty()) {
    *error = "the trace has no events";
    return std::nullopt;
  }
  Nanos to = options.to.value_or(std::max<Nanos>(end, 1));
  if (options.from < 0) {
    *error = fmt::format("--from {} is before the trace starts (at 0)", format_time(options.from));
    return std::nullopt;
  }
  if (options.from >= end && end > 0) {
    *error = fmt::format("the window {}..{} is outside the trace, which spans 0..{}", format_time(options.from),
                         options.to ? format_time(*options.to) : std::string(), format_time(end));
    return std::nullopt;
  }
  if (to <= options.from) {
    *error = fmt::format("the window {}..{} is empty: --to must be after --from", format_time(options.from),
                         format_time(to));
    return std::nullopt;
  }
  // Lane labels ("runq P12", "M103", "G4711") take what their largest id needs.
  std::int64_t max_p = trace.header.gomaxprocs - 1, max_m = 0, max_g = 0;
  for (const trace::Event& e : trace.events) {
    max_p = std::max<std::int64_t>(max_p, e.p);
    max_m = std::max<std::int64_t>(max_m, e.m);
    if (options.by_g) max_g = std::max<std::int64_t>(max_g, e.g);
  }
  int label_width = 8;
  label_width = std::max<int>(label_width, static_cast<int>(fmt::format("runq P{}", max_p).size()) + 1);
  label_width = std::max<int>(label_width, static_cast<int>(fmt::format("M{}", max_m).size()) + 1);
  label_width = std::max<int>(label_width, static_cast<int>(fmt::format("G{}", max_g).size()) + 1);
  int cols = std::max(10, options.width - label_width);
  Builder b(trace, options, to, std::max(end, trace::Nanos{1}));
  Timeline tl = b.run(cols);
  tl.label_width = label_width;
  return tl;
}

}  // namespace gosim::view
