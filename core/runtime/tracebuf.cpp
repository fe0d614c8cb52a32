// Per-M trace buffers and their merge (see tracebuf.h).
#include "runtime/tracebuf.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "runtime/nanotime.h"

namespace gosim::runtime {

bool TraceClock::tsc_usable() {
  if (tsc_disabled) return false;
  static const bool usable = [] {
#if defined(__x86_64__)
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream words(line);
      bool constant = false, nonstop = false;
      for (std::string w; words >> w;) {
        constant |= w == "constant_tsc";
        nonstop |= w == "nonstop_tsc";
      }
      return constant && nonstop;  // the first CPU's flags speak for all
    }
#endif
    return false;
  }();
  return usable;
}

namespace {

// A (ticks, nanotime) pair: the TSC read between two nanotime reads, taken
// as the middle; the best (narrowest) of a few tries. *err: half the width.
void tick_pair(std::int64_t* ticks, std::int64_t* ns, std::int64_t* err) {
  std::int64_t best = -1;
  for (int i = 0; i < 5; i++) {
    std::int64_t a = nanotime();
    std::int64_t t = cputicks();
    std::int64_t b = nanotime();
    if (best < 0 || b - a < best) {
      best = b - a;
      *ticks = t;
      *ns = a + (b - a) / 2;
    }
  }
  *err = std::max(*err, (best + 1) / 2);
}

}  // namespace

void TraceClock::begin(std::int64_t run_start, bool use_tsc) {
  tsc = use_tsc;
  cputicks_tsc = use_tsc;
  start = run_start;
  pair_err = 0;
  if (!tsc) {
    tick0 = ns0 = tick1 = ns1 = 0;  // ticks are nanotime: exact
    return;
  }
  tick_pair(&tick0, &ns0, &pair_err);
  map_from(tick0, ns0, tick0, ns0);
}

void TraceClock::end() {
  if (!tsc) return;
  std::int64_t t1 = 0, n1 = 0;
  tick_pair(&t1, &n1, &pair_err);
  map_from(tick0, ns0, t1, n1);
}

void TraceClock::map_from(std::int64_t t0, std::int64_t n0, std::int64_t t1, std::int64_t n1) {
  tick0 = t0;
  ns0 = n0;
  tick1 = t1;
  ns1 = n1;
  // ns per tick in 32.32 fixed point, so the merge multiplies instead of
  // dividing (a 128-bit division per event was a tenth of the merge).
  mult = t1 > t0 ? static_cast<std::int64_t>((static_cast<__int128>(n1 - n0) << 32) / (t1 - t0))
                 : std::int64_t{1} << 32;
}

std::int64_t TraceClock::to_ns(std::int64_t ticks) const {
  if (!tsc) return ticks - start;
  return ns0 - start + dur_ns(ticks - tick0);
}

std::int64_t TraceClock::dur_ns(std::int64_t ticks) const {
  if (!tsc) return ticks;
  // Monotonic (a product by a positive constant, rounded to the nearest ns);
  // the truncated multiplier is off by < 1 ns per 2^32 ticks (~2 s here).
  return static_cast<std::int64_t>((static_cast<__int128>(ticks) * mult + (std::int64_t{1} << 31)) >> 32);
}

void TraceBuf::grow() {
  const bool first = chunks.empty();
  const std::size_t bytes = first ? kFirstChunkBytes : kChunkBytes;
  void* mem = nullptr;
  if (first) {
    mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  } else {
    // Over-map by one chunk and trim to a 2 MiB boundary: an aligned 2 MiB
    // range is what a transparent huge page needs.
    void* raw = ::mmap(nullptr, 2 * bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw != MAP_FAILED) {
      auto base = reinterpret_cast<std::uintptr_t>(raw);
      std::uintptr_t aligned = (base + bytes - 1) & ~(static_cast<std::uintptr_t>(bytes) - 1);
      if (aligned > base) ::munmap(raw, aligned - base);
      std::uintptr_t end = aligned + bytes;
      if (base + 2 * bytes > end) ::munmap(reinterpret_cast<void*>(end), base + 2 * bytes - end);
      mem = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
      ::madvise(mem, bytes, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
#endif
    } else {
      mem = MAP_FAILED;
    }
  }
  if (mem == MAP_FAILED) {
    std::fprintf(stderr, "gosim: fatal error: out of memory for the trace buffer\n");
    std::abort();
  }
  if (!chunks.empty()) chunks.back().used = used;
  cur = static_cast<Slot*>(mem);
  cap = bytes / sizeof(Slot);
  used = 0;
  chunks.push_back({cur, cap, 0, bytes});
}

TraceBuf::~TraceBuf() {
  for (const Chunk& c : chunks) ::munmap(c.slots, c.bytes);
}

std::vector<trace::Event> TraceBuf::events() const {
  std::vector<trace::Event> v;
  v.reserve(static_cast<std::size_t>(count));
  auto a0_ns = [this](std::int64_t a0) { return tclock ? tclock->dur_ns(a0) : a0; };
  std::int64_t t = 0;          // put()'s tprev, replayed
  std::int32_t p = kNoP;       // put()'s lastp, replayed
  for (std::size_t c = 0; c < chunks.size(); c++) {
    const Slot* s = chunks[c].slots;
    const Slot* end = s + (c + 1 == chunks.size() ? used : chunks[c].used);
    while (s < end) {
      if (s->flags & kFull) {
        trace::Event e;
        std::memcpy(static_cast<void*>(&e), s + 1, sizeof e);  // Event is trivially copyable
        if (s->flags & kA0Ticks) e.a0 = a0_ns(e.a0);
        t = e.t;
        p = e.p;
        v.push_back(e);
        s += kFullSlots;
      } else {
        t += s->dt;
        v.push_back(trace::Event{t, s->kind, s->reason, s->why, s->g, p, mid,
                                 (s->flags & kA0Ticks) ? a0_ns(s->a0) : s->a0, (s->flags & kA1Minus1) ? -1 : 0, 0});
        s += 1;
      }
    }
  }
  return v;
}

namespace {

// Maps the merged stamps (ticks, in merged order) to trace time. The map is
// monotonic but coarser (a ns holds ~2 ticks here), so two events 1 tick
// apart may meet in one ns: as when they were put (order_stamp in sched.cpp),
// a stamp is raised to the previous one, and past the last one of its G and
// of its P, so the trace stays in the merged order with strictly increasing
// stamps per G and per P.
void ticks_to_ns(std::vector<trace::Event>& v, const TraceClock* tc) {
  std::vector<std::int64_t> glast, plast;  // by goid, by P id (+1: -1 is none)
  auto last = [](std::vector<std::int64_t>& l, std::int32_t id) -> std::int64_t& {
    std::size_t i = static_cast<std::size_t>(id) + 1;
    if (i >= l.size()) l.resize(std::max(i + 1, 2 * l.size()), -1);
    return l[i];
  };
  std::int64_t prev = 0;
  for (trace::Event& e : v) {
    std::int64_t t = std::max(tc->to_ns(e.t), prev);
    std::int64_t* gl = e.g >= 0 ? &last(glast, e.g) : nullptr;
    std::int64_t* pl = e.p >= 0 ? &last(plast, e.p) : nullptr;
    if (gl && t <= *gl) t = *gl + 1;
    if (pl && t <= *pl) t = *pl + 1;
    if (gl) *gl = t;
    if (pl) *pl = t;
    e.t = prev = t;
  }
}

}  // namespace

std::vector<trace::Event> merge_traces(const std::vector<TraceBuf*>& bufs) {
  // Each buffer is nondecreasing in t (stamps are clamped to the buffer's
  // tlast) except for events stamped by trace_event_at with a time of their
  // own; such a buffer gets a stable sort, which keeps per-M order on ties.
  std::vector<std::vector<trace::Event>> lists;
  std::size_t total = 0;
  for (TraceBuf* b : bufs) {
    if (!b || b->count == 0) continue;
    std::vector<trace::Event> v = b->events();
    auto by_t = [](const trace::Event& x, const trace::Event& y) { return x.t < y.t; };
    if (!std::is_sorted(v.begin(), v.end(), by_t)) std::stable_sort(v.begin(), v.end(), by_t);
    total += v.size();
    lists.push_back(std::move(v));
  }
  const TraceClock* tc = nullptr;
  for (TraceBuf* b : bufs)
    if (b && b->tclock) tc = b->tclock.get();  // one run: one clock
  if (lists.size() == 1) {
    if (tc) ticks_to_ns(lists[0], tc);
    return std::move(lists[0]);
  }
  // k-way merge in runs: take from the list with the smallest head while it
  // stays below every other head (ties go to the lower list, as (t, list)
  // order would). Ms are few and runs long (an M's stretch between two
  // events of another), so this beats a heap step per event.
  std::vector<trace::Event> out;
  out.reserve(total);
  std::vector<std::size_t> pos(lists.size(), 0);
  auto before = [&](std::size_t a, std::size_t b) {  // head of a before head of b
    std::int64_t ta = lists[a][pos[a]].t, tb = lists[b][pos[b]].t;
    return ta < tb || (ta == tb && a < b);
  };
  for (;;) {
    std::size_t best = lists.size(), next = lists.size();
    for (std::size_t l = 0; l < lists.size(); l++) {
      if (pos[l] == lists[l].size()) continue;
      if (best == lists.size() || before(l, best)) {
        next = best;
        best = l;
      } else if (next == lists.size() || before(l, next)) {
        next = l;
      }
    }
    if (best == lists.size()) break;
    const std::vector<trace::Event>& bl = lists[best];
    std::size_t i = pos[best];
    if (next == lists.size()) {
      i = bl.size();
    } else {
      const std::int64_t bound = lists[next][pos[next]].t;
      do i++;
      while (i < bl.size() && (bl[i].t < bound || (bl[i].t == bound && best < next)));
    }
    out.insert(out.end(), bl.begin() + static_cast<std::ptrdiff_t>(pos[best]), bl.begin() + static_cast<std::ptrdiff_t>(i));
    pos[best] = i;
  }
  if (tc) ticks_to_ns(out, tc);
  return out;
}

}  // namespace gosim::runtime
