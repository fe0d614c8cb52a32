// Building small scenarios in C++ and running them through the simulator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scenario/program.h"
#include "sim/simulator.h"
#include "trace/sink.h"

namespace gosim::test {

// Short names for the durations the sim tests are written in.
inline constexpr Nanos kUs = kMicrosecond, kMs = kMillisecond;

using scenario::Op;
using scenario::OpKind;

inline Op op(OpKind k) {
  Op o;
  o.kind = k;
  return o;
}
inline Op compute(Nanos d) {
  Op o = op(OpKind::Compute);
  o.dur = scenario::DurationSpec::fixed(d);
  return o;
}
inline Op compute_uniform(Nanos a, Nanos b) {
  Op o = op(OpKind::Compute);
  o.dur = {scenario::DurationSpec::Dist::Uniform, a, b};
  return o;
}
inline Op go(int fn, std::int64_t count = 1, scenario::ArgExpr arg = {true, 0}) {
  Op o = op(OpKind::Go);
  o.target = fn;
  o.count = count;
  o.arg = arg;
  return o;
}
inline Op target_op(OpKind k, int t) {
  Op o = op(k);
  o.target = t;
  return o;
}
inline Op send(int c) { return target_op(OpKind::Send, c); }
inline Op recv(int c) { return target_op(OpKind::Recv, c); }
inline Op close_chan(int c) { return target_op(OpKind::Close, c); }
inline Op lock(int m) { return target_op(OpKind::Lock, m); }
inline Op unlock(int m) { return target_op(OpKind::Unlock, m); }
inline Op wg_add(int w, std::int64_t d) {
  Op o = target_op(OpKind::WgAdd, w);
  o.count = d;
  return o;
}
inline Op wg_done(int w) { return target_op(OpKind::WgDone, w); }
inline Op wg_wait(int w) { return target_op(OpKind::WgWait, w); }
inline Op timed(OpKind k, Nanos d) {
  Op o = op(k);
  o.dur = scenario::DurationSpec::fixed(d);
  return o;
}
inline Op sys_call(Nanos d) { return timed(OpKind::Syscall, d); }
inline Op netwait(Nanos d) { return timed(OpKind::NetWait, d); }
inline Op sleep_for(Nanos d) { return timed(OpKind::Sleep, d); }
inline Op yield() { return op(OpKind::Yield); }
inline Op gc() { return op(OpKind::Gc); }
inline Op alloc(std::int64_t bytes, bool retain = false) {
  Op o = op(OpKind::Alloc);
  o.count = bytes;
  o.retain = retain;
  return o;
}
inline Op repeat(std::int64_t n, std::vector<Op> body) {
  Op o = op(OpKind::Repeat);
  o.count = n;
  o.body = std::move(body);
  return o;
}
inline Op if_n(scenario::Cond::Cmp cmp, std::int64_t k, std::vector<Op> then, std::vector<Op> otherwise = {}) {
  Op o = op(OpKind::If);
  o.cond = {cmp, k};
  o.body = std::move(then);
  o.else_body = std::move(otherwise);
  return o;
}
inline Op select(std::vector<scenario::SelectCase> cases, bool has_default = false, std::vector<Op> dflt = {}) {
  Op o = op(OpKind::Select);
  o.cases = std::move(cases);
  o.has_default = has_default;
  o.else_body = std::move(dflt);
  return o;
}
inline scenario::SelectCase select_case(bool is_send, int chan, std::vector<Op> body = {}) {
  scenario::SelectCase c;
  c.is_send = is_send;
  c.chan = chan;
  c.body = std::move(body);
  return c;
}

struct Builder {
  scenario::Scenario s;
  Builder() {
    s.name = "test";
    s.config.gomaxprocs = 4;
  }
  // Functions are declared first (so they can refer to each other), then defined.
  int fn(const std::string& name, std::vector<Op> ops = {}) {
    scenario::Function f;
    f.name = name;
    f.ops = std::move(ops);
    s.functions.push_back(std::move(f));
    return static_cast<int>(s.functions.size()) - 1;
  }
  void define(int f, std::vector<Op> ops) { s.functions[static_cast<std::size_t>(f)].ops = std::move(ops); }
  int chan(const std::string& name, std::int64_t cap = 0) {
    s.channels.push_back({name, cap, {}});
    return static_cast<int>(s.channels.size()) - 1;
  }
  int mutex(const std::string& name) {
    s.mutexes.push_back({name, {}});
    return static_cast<int>(s.mutexes.size()) - 1;
  }
  int wg(const std::string& name) {
    s.waitgroups.push_back({name, {}});
    return static_cast<int>(s.waitgroups.size()) - 1;
  }
  scenario::Config& config() { return s.config; }
  scenario::Program program() const {
    return scenario::compile(std::make_shared<const scenario::Scenario>(s));
  }
};

struct RunResult {
  std::vector<trace::Event> events;
  trace::RunOutcome outcome;
  std::size_t count(trace::EventKind k) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
  std::vector<trace::Event> of(trace::EventKind k) const {
    std::vector<trace::Event> out;
    for (const auto& e : events) {
      if (e.kind == k) out.push_back(e);
    }
    return out;
  }
  bool ok() const { return outcome.status == trace::RunOutcome::Status::Ok; }
};

inline RunResult run(const Builder& b) {
  scenario::Program p = b.program();
  trace::RecordingSink sink;
  RunResult r;
  r.outcome = sim::simulate(p, sink);
  r.events = sink.trace().events;
  return r;
}

}  // namespace gosim::test
