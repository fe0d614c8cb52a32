#include "sim/throughput.h"

#include <sys/resource.h>
#include <time.h>

#include <chrono>

#include "scenario/program.h"
#include "sim/simulator.h"

namespace gosim::sim::throughput {
namespace {

using scenario::Op;
using scenario::OpKind;

Op op(OpKind k, int target = -1, std::int64_t count = 1) {
  Op o;
  o.kind = k;
  o.target = target;
  o.count = count;
  return o;
}

scenario::Function function(const char* name, std::vector<Op> ops) {
  scenario::Function f;
  f.name = name;
  f.ops = std::move(ops);
  return f;
}

std::shared_ptr<scenario::Scenario> base(const char* name, std::int64_t procs) {
  auto s = std::make_shared<scenario::Scenario>();
  s->name = name;
  s->config.gomaxprocs = procs;
  return s;
}

struct CountingSink final : trace::TraceSink {
  std::int64_t n = 0;
  void event(const trace::Event&) override { ++n; }
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::int64_t max_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

}  // namespace

std::shared_ptr<scenario::Scenario> spawn(std::int64_t n, std::int64_t procs) {
  auto s = base("spawn", procs);
  s->channels.push_back({"release", 0, {}});
  s->waitgroups.push_back({"ready", {}});
  s->waitgroups.push_back({"done", {}});
  s->functions.push_back(function("main", {op(OpKind::WgAdd, 0, n), op(OpKind::WgAdd, 1, n), op(OpKind::Go, 1, n),
                                           op(OpKind::WgWait, 0), op(OpKind::Close, 0), op(OpKind::WgWait, 1)}));
  s->functions.push_back(function("worker", {op(OpKind::WgDone, 0), op(OpKind::Recv, 0), op(OpKind::WgDone, 1)}));
  return s;
}

std::shared_ptr<scenario::Scenario> fanout(std::int64_t fib_n, std::int64_t procs) {
  auto s = base("fanout", procs);
  s->waitgroups.push_back({"wg", {}});
  Op left = op(OpKind::Go, 1), right = op(OpKind::Go, 1);
  left.arg = {true, -1};
  right.arg = {true, -2};
  Op cond = op(OpKind::If);
  cond.cond = {scenario::Cond::Cmp::Ge, 2};
  cond.body = {op(OpKind::WgAdd, 0, 2), left, right};
  Op root = op(OpKind::Go, 1);
  root.arg = {false, fib_n};
  s->functions.push_back(function("main", {op(OpKind::WgAdd, 0, 1), root, op(OpKind::WgWait, 0)}));
  s->functions.push_back(function("node", {cond, op(OpKind::WgDone, 0)}));
  return s;
}

std::int64_t fanout_tasks(std::int64_t fib_n) {
  std::int64_t a = 0, b = 1;  // fib(0), fib(1)
  for (std::int64_t i = 0; i < fib_n; ++i) {
    const std::int64_t c = a + b;
    a = b;
    b = c;
  }
  return 2 * b - 1;  // b = fib(n+1)
}

std::shared_ptr<scenario::Scenario> pingpong(std::int64_t round_trips, std::int64_t procs) {
  auto s = base("pingpong", procs);
  s->channels.push_back({"ping", 0, {}});
  s->channels.push_back({"pong", 0, {}});
  Op main_loop = op(OpKind::Repeat, -1, round_trips);
  main_loop.body = {op(OpKind::Send, 0), op(OpKind::Recv, 1)};
  Op peer_loop = op(OpKind::Repeat, -1, round_trips);
  peer_loop.body = {op(OpKind::Recv, 0), op(OpKind::Send, 1)};
  s->functions.push_back(function("main", {op(OpKind::Go, 1), main_loop}));
  s->functions.push_back(function("peer", {peer_loop}));
  return s;
}

Measurement measure(std::shared_ptr<scenario::Scenario> s) {
  s->config.limits.max_events = 1'000'000'000'000;
  s->config.limits.max_goroutines = 50'000'000;
  scenario::Program p = scenario::compile(s);
  CountingSink sink;
  Measurement m;
  const std::int64_t rss0 = max_rss_bytes();
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const trace::RunOutcome o = simulate(p, sink);
  const auto t1 = std::chrono::steady_clock::now();
  m.cpu_s = cpu_seconds() - c0;
  m.wall_s = std::chrono::duration<double>(t1 - t0).count();
  m.max_rss_growth = max_rss_bytes() - rss0;
  m.engine_events = o.engine_events;
  m.trace_events = sink.n;
  m.virtual_end = o.end_time;
  m.ok = o.status == trace::RunOutcome::Status::Ok;
  m.message = o.message;
  return m;
}

}  // namespace gosim::sim::throughput
