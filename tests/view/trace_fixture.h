// Hand-built traces for the view tests: events written the way the
// simulator writes them (event.h), without running anything.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "../support/make_event.h"
#include "trace/sink.h"

namespace gosim::test {

using trace::Event;
using trace::EventKind;

struct TraceBuilder {
  trace::Trace t;

  explicit TraceBuilder(int gomaxprocs, std::initializer_list<std::string> functions = {"main", "worker"}) {
    t.header.mode = "sim";
    t.header.clock = "virtual";
    t.header.scenario_name = "fixture";
    t.header.gomaxprocs = gomaxprocs;
    t.header.functions = functions;
    t.header.channels = {"jobs"};
    t.header.mutexes = {"mu"};
    t.header.waitgroups = {"wg"};
  }

  TraceBuilder& ev(trace::Nanos at, EventKind kind, std::int32_t g = -1, std::int32_t p = -1, std::int32_t m = -1,
                   std::int64_t a0 = 0, std::int64_t a1 = 0, std::int64_t a2 = 0, std::uint8_t reason = 0) {
    t.events.push_back(make_event(at, kind, g, p, m, a0, a1, a2, trace::Why::None, reason));
    if (t.outcome.end_time < at) t.outcome.end_time = at;
    return *this;
  }
  // The common ones, with their fields named.
  TraceBuilder& create(trace::Nanos at, std::int32_t g, std::int32_t creator, std::int32_t p, std::int32_t fn = 1) {
    return ev(at, EventKind::GoCreate, g, p, -1, creator, fn, 1);
  }
  TraceBuilder& start(trace::Nanos at, std::int32_t g, std::int32_t p, std::int32_t m) {
    return ev(at, EventKind::GoStart, g, p, m);
  }
  TraceBuilder& end(trace::Nanos at, std::int32_t g, std::int32_t p, std::int32_t m) {
    return ev(at, EventKind::GoEnd, g, p, m);
  }
  TraceBuilder& unblock(trace::Nanos at, std::int32_t g, trace::Queue q, std::int32_t p, std::int32_t waker = -1) {
    return ev(at, EventKind::GoUnblock, g, p, -1, waker, 0, 0, static_cast<std::uint8_t>(q));
  }
  TraceBuilder& block(trace::Nanos at, std::int32_t g, trace::BlockReason r, std::int64_t object = -1,
                      trace::Nanos ready = -1) {
    return ev(at, EventKind::GoBlock, g, -1, -1, object, ready, 0, static_cast<std::uint8_t>(r));
  }
  TraceBuilder& finish(trace::Nanos at) {
    t.outcome.end_time = at;
    return *this;
  }
};

}  // namespace gosim::test
