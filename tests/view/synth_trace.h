// A synthetic but consistent gosim trace of about N events, for tests that
// want a big varied trace without running the simulator (html_page_test.cpp)
// and for the HTML view's render benchmark (bench/view/synth_trace.cpp,
// render_bench.py --synth). A toy scheduler moves Gs the way the trace
// vocabulary says (runnext, local queues, the global queue, steals,
// syscalls, blocking and waking with a waker, counters), so every lane and
// arrow kind has data. Deterministic: the same arguments give the same trace.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "trace/sink.h"
#include "trace_fixture.h"

namespace gosim::test {

namespace synth_detail {

using namespace gosim::trace;

struct Synth {
  int nprocs;
  std::mt19937_64 rng{42};
  Nanos now = 0;
  std::vector<Event> out;
  struct P {
    int g = -1;
    int runnext = -1;
    std::deque<int> runq;
  };
  std::vector<P> ps;
  std::deque<int> global;
  std::vector<int> blocked;
  int next_g = 0;
  int live = 0;

  explicit Synth(int n) : nprocs(n), ps(static_cast<std::size_t>(n)) {}

  std::uint64_t roll(std::uint64_t n) { return rng() % n; }
  void emit(EventKind k, int g, int p, int m, std::int64_t a0 = 0, std::int64_t a1 = 0, std::int64_t a2 = 0,
            Why why = Why::None, std::uint8_t reason = 0) {
    out.push_back(make_event(now, k, g, p, m, a0, a1, a2, why, reason));
  }
  void counters(int p) {
    emit(EventKind::Counter, -1, p, -1, static_cast<std::int64_t>(ps[p].runq.size()), 0, 0, Why::None,
         static_cast<std::uint8_t>(CounterId::LocalRunq));
    emit(EventKind::Counter, -1, -1, -1, static_cast<std::int64_t>(global.size()), 0, 0, Why::None,
         static_cast<std::uint8_t>(CounterId::GlobalRunq));
  }
  void put_runnext(int p, int g) {
    if (ps[p].runnext >= 0) ps[p].runq.push_back(ps[p].runnext);
    ps[p].runnext = g;
  }
  void create(int p, int creator) {
    int g = next_g++;
    ++live;
    emit(EventKind::GoCreate, g, p, p, creator, g == 0 ? 0 : 1);
    put_runnext(p, g);
    counters(p);
  }
  void start(int p, int g, Why why) {
    ps[p].g = g;
    emit(EventKind::GoStart, g, p, p, 0, 0, 0, why);
  }
  // One scheduling decision on P p.
  void step(int p) {
    now += 200 + static_cast<Nanos>(roll(5000));
    P& P_ = ps[p];
    if (P_.g < 0) {
      if (P_.runnext >= 0) {
        int g = P_.runnext;
        P_.runnext = -1;
        start(p, g, Why::StartRunnext);
      } else if (!P_.runq.empty()) {
        int g = P_.runq.front();
        P_.runq.pop_front();
        start(p, g, Why::StartLocal);
        counters(p);
      } else if (!global.empty()) {
        int g = global.front();
        global.pop_front();
        start(p, g, Why::StartGlobal);
        counters(p);
      } else {
        int victim = static_cast<int>(roll(static_cast<std::uint64_t>(nprocs)));
        P& V = ps[victim];
        if (victim != p && V.runq.size() >= 2) {
          std::size_t had = V.runq.size(), n = had - had / 2;
          for (std::size_t i = 0; i < n; ++i) {
            P_.runq.push_back(V.runq.front());
            V.runq.pop_front();
          }
          int g = P_.runq.back();
          emit(EventKind::ProcSteal, g, p, p, victim, static_cast<std::int64_t>(n), static_cast<std::int64_t>(had),
               Why::ProcStealGot);
          P_.runq.pop_back();
          start(p, g, Why::StartSteal);
          counters(p);
          counters(victim);
        } else if (!blocked.empty()) {
          // A timer fires: a blocked G wakes on this P.
          std::size_t i = roll(blocked.size());
          int g = blocked[i];
          blocked[i] = blocked.back();
          blocked.pop_back();
          emit(EventKind::GoUnblock, g, p, -1, -1, 0, 0, Why::WakeTimer, static_cast<std::uint8_t>(Queue::Runnext));
          put_runnext(p, g);
        }
      }
      return;
    }
    int g = P_.g;
    std::uint64_t r = roll(100);
    if (r < 10 && live < 20000) {
      create(p, g);
    } else if (r < 30) {
      P_.g = -1;
      emit(EventKind::GoBlock, g, p, p, 0, -1, 0, Why::BlockChanRecv, static_cast<std::uint8_t>(BlockReason::ChanRecv));
      blocked.push_back(g);
    } else if (r < 45 && !blocked.empty()) {
      std::size_t i = roll(blocked.size());
      int w = blocked[i];
      blocked[i] = blocked.back();
      blocked.pop_back();
      emit(EventKind::GoUnblock, w, p, p, g, 0, 0, Why::WakeChanSend, static_cast<std::uint8_t>(Queue::Runnext));
      put_runnext(p, w);
      counters(p);
    } else if (r < 55) {
      emit(EventKind::GoSysCall, g, p, p, 3000);
      now += 3000;
      emit(EventKind::GoSysExit, g, p, p, 0, 0, 0, Why::SysExitFast, static_cast<std::uint8_t>(SysExitPath::FastOldP));
    } else if (r < 62) {
      P_.g = -1;
      emit(EventKind::GoSched, g, p, p, 0, 0, 0, Why::GoschedToGlobal);
      global.push_back(g);
      counters(p);
    } else if (r < 68 && live > 50) {
      P_.g = -1;
      --live;
      emit(EventKind::GoEnd, g, p, p, 0, 0, 0, Why::GoExit);
    }
  }
};

}  // namespace synth_detail

// About `events` events (at least that many, a few more at most) on
// `nprocs` Ps, each with its M (MStart first).
inline trace::Trace synthetic_trace(std::size_t events, int nprocs = 8) {
  using namespace gosim::trace;
  synth_detail::Synth s(nprocs);
  for (int p = 0; p < nprocs; ++p) s.emit(EventKind::MStart, -1, p, p, p + 1);
  s.create(0, -1);
  int p = 0;
  while (s.out.size() < events) {
    s.step(p);
    p = (p + 1) % nprocs;
  }
  Trace t;
  t.header.mode = "sim";
  t.header.clock = "virtual";
  t.header.scenario_name = "synthetic";
  t.header.scenario_description = "A synthetic trace for the HTML view's render benchmark.";
  t.header.functions = {"main", "worker"};
  t.header.channels = {"c"};
  t.header.gomaxprocs = nprocs;
  t.events = std::move(s.out);
  t.outcome.end_time = s.now;
  return t;
}

}  // namespace gosim::test
