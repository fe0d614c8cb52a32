// Per-M trace buffers (tracebuf.h): the 16-byte delta records and the full
// ones decode to the events put, across chunk growth; the tick->ns map is
// monotonic and exact without a TSC; the merge is by ticks and stable per M,
// then keeps stamps strictly increasing per G and per P in ns; and a traced
// run on several Ps (with the TSC, and with the nanotime fallback) yields
// stamps that are nondecreasing per M and strictly increasing per G.
#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "runtime/bench.h"
#include "runtime/nanotime.h"
#include "runtime/tracebuf.h"

using gosim::runtime::TraceBuf;
using gosim::runtime::TraceClock;
using gosim::trace::Event;
using gosim::trace::EventKind;

TEST_CASE("tracebuf: compact and full records survive chunk growth in order") {
  TraceBuf b;
  // Enough for the small first chunk and two big ones; every 7th event does
  // not fit a compact slot (a2, a big a0, a1 other than 0/-1, a big m).
  const std::int64_t n = static_cast<std::int64_t>(TraceBuf::kFirstChunkBytes / sizeof(TraceBuf::Slot) +
                                                   2 * (TraceBuf::kChunkBytes / sizeof(TraceBuf::Slot)));
  // (events() decodes without sorting: the stamps that go back stay put.)
  b.mid = 3;
  // Stamps go forward by small steps (compact), sometimes back (an explicit
  // stamp: full) or by more than 32 bits of ticks (full).
  std::vector<std::int64_t> ts(static_cast<std::size_t>(n));
  std::int64_t t = 1000;
  for (std::int64_t i = 0; i < n; i++) {
    if (i % 101 == 50) t -= 7;
    else if (i % 997 == 500) t += std::int64_t{1} << 33;
    else t += i % 13;
    ts[static_cast<std::size_t>(i)] = t;
  }
  auto make = [&ts](std::int64_t i) {
    Event e;
    e.t = ts[static_cast<std::size_t>(i)];
    e.kind = static_cast<EventKind>(i % gosim::trace::kEventKinds);
    e.reason = static_cast<std::uint8_t>(i % 5);
    e.why = static_cast<gosim::trace::Why>(i % gosim::trace::kWhyCodes);
    e.g = static_cast<std::int32_t>(i % 1000) - 1;
    e.p = (i / 500) % 3 - 1;  // changes now and then (a full record)
    e.m = 3;                  // the owner (compact), but see below
    e.a0 = i;
    e.a1 = i % 2 ? -1 : 0;
    switch (i % 7) {
      case 1: e.a2 = i; break;
      case 2: e.a0 = (std::int64_t{1} << 40) + i; break;
      case 3: e.a1 = 5; break;
      case 4: e.m = 70000; break;  // another M
      case 5: e.a0 = -i; break;
      default: break;
    }
    return e;
  };
  for (std::int64_t i = 0; i < n; i++) {
    Event e = make(i);
    b.put(e.t, e.kind, e.reason, e.why, e.g, e.p, e.m, e.a0, e.a1, e.a2);
  }
  CHECK(b.count == n);
  CHECK(b.chunks.size() >= 4);
  // Most records are compact (2 of 7 events are full, plus P changes and
  // stamps that go back or jump).
  std::size_t slots = b.used;
  for (std::size_t c = 0; c + 1 < b.chunks.size(); c++) slots += b.chunks[c].used;
  CHECK(slots < static_cast<std::size_t>(n) * 3);  // all full would be 4 n
  CHECK(slots > static_cast<std::size_t>(n));
  std::vector<Event> all = b.events();
  REQUIRE(all.size() == static_cast<std::size_t>(n));
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < n; i++) bad += all[static_cast<std::size_t>(i)] == make(i) ? 0 : 1;
  CHECK(bad == 0);
}

TEST_CASE("tracebuf: merge is by time, keeps per-M order on ties, sorts an unsorted buffer") {
  TraceBuf a, b;
  auto put = [](TraceBuf& buf, std::int64_t t, std::int32_t m, std::int64_t tag) {
    buf.put(t, EventKind::GoStart, 0, gosim::trace::Why::None, 1, 0, m, tag, 0, 0);
  };
  put(a, 10, 0, 1);
  put(a, 10, 0, 2);  // tie inside one M: stays after tag 1
  put(a, 30, 0, 3);
  put(b, 20, 1, 4);
  put(b, 5, 1, 5);  // out of order (an explicitly stamped event): sorted
  std::vector<Event> all = gosim::runtime::merge_traces({&a, &b});
  REQUIRE(all.size() == 5);
  std::vector<std::int64_t> tags;
  for (const Event& e : all) tags.push_back(e.a0);
  CHECK(tags == std::vector<std::int64_t>{5, 1, 2, 4, 3});
}

namespace {

// The bench ping-pong (bench.h) on 2 Ps: Gs move between Ms.
void check_traced_run(bool tsc) {
  namespace rb = gosim::runtime::bench;
  gosim::runtime::RunOptions ro;
  ro.config.gomaxprocs = 2;
  ro.tracing = true;
  rb::detail::PingPongState st;
  st.n = 20000;
  auto s = std::make_unique<gosim::runtime::Sched>(ro);
  TraceClock::tsc_disabled = !tsc;
  gosim::runtime::run_main(*s, rb::detail::pingpong_main, &st, 0, 0);
  const std::int64_t run_ns = gosim::runtime::nanotime() - s->start;
  TraceClock::tsc_disabled = false;
  REQUIRE(s->tracebufs.front()->tclock);
  CHECK(s->tracebufs.front()->tclock->tsc == (tsc && TraceClock::tsc_usable()));
  std::vector<TraceBuf*> bufs;
  bool per_m = true;
  for (auto& b : s->tracebufs) {
    bufs.push_back(b.get());
    // The buffer itself (before any sort) must be in time order, except for
    // sysmon's explicitly stamped events.
    std::int64_t last = -1;
    for (const Event& e : b->events()) {
      if (e.kind == EventKind::SysmonWake || e.kind == EventKind::GoSysBlock) continue;
      per_m = per_m && e.t >= last;
      last = e.t;
    }
  }
  gosim::runtime::sched = nullptr;
  CHECK(per_m);
  std::vector<Event> all = gosim::runtime::merge_traces(bufs);
  CHECK(all.size() > 6 * 20000u);
  std::map<std::int32_t, std::int64_t> g_last;
  bool per_g = true, sorted = true;
  std::int64_t t = -1;
  int blocks = 0, starts = 0, unblocks = 0;
  for (const Event& e : all) {
    sorted = sorted && e.t >= t;
    t = e.t;
    if (e.kind == EventKind::GoBlock) blocks++;
    if (e.kind == EventKind::GoStart) starts++;
    if (e.kind == EventKind::GoUnblock) unblocks++;
    if (e.g < 0 || e.kind == EventKind::SysmonWake) continue;
    auto it = g_last.find(e.g);
    if (it != g_last.end()) per_g = per_g && e.t > it->second;
    g_last[e.g] = e.t;
  }
  CHECK(sorted);
  CHECK(per_g);
  // Trace time is ns since the run's start: inside the run (the TSC map's
  // error is a few tens of ns at each end; 1 us of slack).
  CHECK(all.front().t >= 0);
  CHECK(all.back().t <= run_ns + 1000);
  CHECK(all.back().t > run_ns / 2);
  // Every round trip blocks and wakes each side once.
  CHECK(blocks >= 2 * 20000);
  CHECK(unblocks >= 2 * 20000);
  CHECK(starts >= blocks);
}

}  // namespace

TEST_CASE("tracebuf: a traced run on 2 Ps: stamps nondecreasing per M, increasing per G (TSC stamps)") {
  check_traced_run(true);
}

TEST_CASE("tracebuf: a traced run on 2 Ps: stamps nondecreasing per M, increasing per G (nanotime fallback)") {
  check_traced_run(false);
}

TEST_CASE("tracebuf: the tick->ns map is exact without a TSC, monotonic and close to nanotime with one") {
  TraceClock fb;
  TraceClock::tsc_disabled = true;
  fb.begin(1000, TraceClock::tsc_usable());
  TraceClock::tsc_disabled = false;
  fb.end();
  CHECK_FALSE(fb.tsc);
  CHECK(fb.to_ns(1000) == 0);
  CHECK(fb.to_ns(123456789) == 123456789 - 1000);
  CHECK(fb.dur_ns(777) == 777);

  if (!TraceClock::tsc_usable()) return;  // (no invariant TSC here: the fallback is all there is)
  TraceClock c;
  const std::int64_t start = gosim::runtime::nanotime();
  c.begin(start, true);
  CHECK(c.tsc);
  std::vector<std::pair<std::int64_t, std::int64_t>> reads;  // (ticks, nanotime)
  for (int i = 0; i < 2000; i++) {
    std::int64_t a = gosim::runtime::nanotime();
    std::int64_t t = gosim::runtime::cputicks();
    std::int64_t b = gosim::runtime::nanotime();
    if (b - a < 2000) reads.push_back({t, a + (b - a) / 2});  // (skip reads split by preemption)
  }
  c.end();
  gosim::runtime::cputicks_tsc = false;
  REQUIRE(c.tick1 > c.tick0);
  REQUIRE(!reads.empty());
  // Monotonic, and each reading maps within a few us of nanotime (pair
  // errors plus the reading's own bracket; generous: the host is shared).
  std::int64_t prev = INT64_MIN, worst = 0;
  bool mono = true;
  for (auto [t, ns] : reads) {
    std::int64_t m = c.to_ns(t);
    mono = mono && m >= prev;
    prev = m;
    worst = std::max(worst, std::abs(m - (ns - start)));
  }
  CHECK(mono);
  CHECK(worst < 5000);
  // Neighbouring ticks never map backwards, far from the calibration too.
  bool step = true;
  for (std::int64_t t = c.tick1 + (std::int64_t{1} << 40); t < c.tick1 + (std::int64_t{1} << 40) + 5000; t++)
    step = step && c.to_ns(t + 1) >= c.to_ns(t);
  CHECK(step);
}

TEST_CASE("tracebuf: merge orders by ticks, then keeps stamps increasing per G and per P in ns") {
  // 3 ticks per ns: ticks 30, 31, 32 all map to ns 10.
  auto tc = std::make_shared<TraceClock>();
  tc->tsc = true;
  tc->start = 0;
  tc->map_from(0, 0, 3000, 1000);
  TraceBuf a, b;
  a.tclock = b.tclock = tc;
  a.mid = 0;
  b.mid = 1;
  using gosim::trace::Why;
  // M0 wakes G5 (queued on P0), M1 steals and starts it on P1, M0 starts G6 on P0.
  a.put(30, EventKind::GoUnblock, 0, Why::None, 5, 0, 0, 4, 0, 0);
  b.put(31, EventKind::GoStart, 0, Why::None, 5, 1, 1, 0, 0, 0);
  a.put(32, EventKind::GoStart, 0, Why::None, 6, 0, 0, 0, 0, 0);
  b.put(3000, EventKind::GoPreempt, 0, Why::None, 5, 1, 1, 2100, 0, 0, TraceBuf::kA0Ticks);
  std::vector<Event> all = gosim::runtime::merge_traces({&a, &b});
  REQUIRE(all.size() == 4);
  CHECK(all[0].kind == EventKind::GoUnblock);
  CHECK(all[1].kind == EventKind::GoStart);
  CHECK(all[1].g == 5);
  CHECK(all[2].g == 6);
  CHECK(all[0].t == 10);
  CHECK(all[1].t == 11);  // G5's second event, 1 ns after its first
  CHECK(all[2].t == 11);  // P0's second event; ties with G5's on P1 are fine
  CHECK(all[3].t == 1000);
  CHECK(all[3].a0 == 700);  // a tick duration, in ns
  CHECK(all[1].m == 1);
  CHECK(all[1].p == 1);
}
