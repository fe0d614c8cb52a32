// Per-M trace buffers (tracebuf.h): chunked growth keeps every event in
// order, the merge is by time and stable per M, and a traced run on several
// Ps yields stamps that are nondecreasing per M and strictly increasing per G.
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "runtime/bench.h"
#include "runtime/tracebuf.h"

using gosim::runtime::TraceBuf;
using gosim::trace::Event;
using gosim::trace::EventKind;

TEST_CASE("tracebuf: compact and full records survive chunk growth in order") {
  TraceBuf b;
  // Enough for the small first chunk and two big ones; every 7th event does
  // not fit a compact slot (a2, a big a0, a1 other than 0/-1, a big m).
  const std::int64_t n = static_cast<std::int64_t>(TraceBuf::kFirstChunkBytes / sizeof(TraceBuf::Slot) +
                                                   2 * (TraceBuf::kChunkBytes / sizeof(TraceBuf::Slot)));
  auto make = [](std::int64_t i) {
    Event e;
    e.t = i;
    e.kind = static_cast<EventKind>(i % gosim::trace::kEventKinds);
    e.reason = static_cast<std::uint8_t>(i % 5);
    e.why = static_cast<gosim::trace::Why>(i % gosim::trace::kWhyCodes);
    e.g = static_cast<std::int32_t>(i % 1000) - 1;
    e.p = static_cast<std::int32_t>(i % 9) - 1;
    e.m = static_cast<std::int32_t>(i % 11) - 1;
    e.a0 = i;
    e.a1 = i % 2 ? -1 : 0;
    switch (i % 7) {
      case 1: e.a2 = i; break;
      case 2: e.a0 = (std::int64_t{1} << 40) + i; break;
      case 3: e.a1 = 5; break;
      case 4: e.m = 70000; break;
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
  std::vector<Event> all = gosim::runtime::merge_traces({&b});
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

TEST_CASE("tracebuf: a traced run on 2 Ps: stamps nondecreasing per M, increasing per G") {
  // The bench ping-pong (bench.h) on 2 Ps: Gs move between Ms.
  namespace rb = gosim::runtime::bench;
  gosim::runtime::RunOptions ro;
  ro.config.gomaxprocs = 2;
  ro.tracing = true;
  rb::detail::PingPongState st;
  st.n = 20000;
  auto s = std::make_unique<gosim::runtime::Sched>(ro);
  gosim::runtime::run_main(*s, rb::detail::pingpong_main, &st, 0, 0);
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
  // Every round trip blocks and wakes each side once.
  CHECK(blocks >= 2 * 20000);
  CHECK(unblocks >= 2 * 20000);
  CHECK(starts >= blocks);
}
