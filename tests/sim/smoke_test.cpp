#include <doctest/doctest.h>
#include <cstdio>

#include "sim_support.h"

using namespace gosim;
using namespace gosim::test;

TEST_CASE("smoke: hello-like fan-out with a wait group completes") {
  Builder b;
  int main_fn = b.fn("main");
  int worker = b.fn("worker");
  int wg = b.wg("wg");
  b.define(main_fn, {wg_add(wg, 4), go(worker, 4), wg_wait(wg)});
  b.define(worker, {compute(300 * kMicrosecond), wg_done(wg)});
  b.config().gomaxprocs = 2;
  RunResult r = run(b);
  INFO(r.outcome.message);
  CHECK(r.ok());
  CHECK(r.count(trace::EventKind::GoEnd) >= 4);
  if (std::getenv("GOSIM_DUMP")) {
    for (auto& e : r.events) std::printf("%lld k=%d why=%d g=%d p=%d m=%d a0=%lld a1=%lld a2=%lld r=%d\n", (long long)e.t, (int)e.kind, (int)e.why, e.g, e.p, e.m, (long long)e.a0, (long long)e.a1, (long long)e.a2, e.reason);
  }
}
