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

TEST_CASE("tracebuf: events survive chunk growth in order") {
  TraceBuf b;
  // The small first chunk, two full big ones, and 7 events in a fourth.
  const std::int64_t n = static_cast<std::int64_t>(TraceBuf::kFirstChunkBytes / sizeof(Event) +
                                                   2 * (TraceBuf::kChunkBytes / sizeof(Event)) + 7);
  for (std::int64_t i = 0; i < n; i++) {
    Event* e = b.next();
    *e = Event{};
    e->t = i;
    e->a0 = i * 3;
  }
  CHECK(b.count == n);
  CHECK(b.chunks.size() == 4);
  std::vector<Event> all = gosim::runtime::merge_traces({&b});
  REQUIRE(all.size() == static_cast<std::size_t>(n));
  bool ok = true;
  for (std::int64_t i = 0; i < n; i++) ok = ok && all[static_cast<std::size_t>(i)].a0 == i * 3;
  CHECK(ok);
}

TEST_CASE("tracebuf: merge is by time, keeps per-M order on ties, sorts an unsorted buffer") {
  TraceBuf a, b;
  auto put = [](TraceBuf& buf, std::int64_t t, std::int32_t m, std::int64_t tag) {
    Event* e = buf.next();
    *e = Event{};
    e->t = t;
    e->m = m;
    e->a0 = tag;
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
    for (std::size_t c = 0; c < b->chunks.size(); c++) {
      std::size_t n = c + 1 == b->chunks.size() ? b->used : b->chunks[c].cap;
      for (std::size_t i = 0; i < n; i++) {
        const Event& e = b->chunks[c].events[i];
        if (e.kind == EventKind::SysmonWake || e.kind == EventKind::GoSysBlock) continue;
        per_m = per_m && e.t >= last;
        last = e.t;
      }
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
