// The run-queue rules of go-runtime-model.md §2 and §3.5, checked exactly on
// small hand-built states.
#include <doctest/doctest.h>

#include <cstring>
#include <numeric>
#include <set>

#include "sim/runq.h"
#include "sim/sched.h"
#include "sim/steal.h"
#include "sim_support.h"

namespace gosim::sim {

// Reaches into the scheduler to build states by hand.
struct SchedTestAccess {
  static P& p(Sched& s, int i) { return s.ps_[static_cast<std::size_t>(i)]; }
  static GlobalRunq& global(Sched& s) { return s.grunq_; }
  // A runnable G in a fresh slot.
  static std::int32_t new_g(Sched& s) {
    auto slot = static_cast<std::int32_t>(s.gs_.size());
    G& g = s.gs_.emplace_back();
    g.goid = 100 + slot;
    g.status = GStatus::Runnable;
    ++s.runnable_;
    return slot;
  }
  // M0 holding P0 (the others idle), as after start-up.
  static M& m0(Sched& s) {
    M& m = s.ms_.emplace_back();
    m.id = 0;
    m.status = MStatus::Running;
    s.mcount_ = 1;
    for (std::int32_t i = static_cast<std::int32_t>(s.ps_.size()) - 1; i >= 1; --i) s.pidleput(i);
    s.acquirep(m, 0);
    return m;
  }
  static Found find(Sched& s, M& m) {
    bool parked = false;
    Found f = s.find_runnable(m, &parked);
    CHECK_FALSE(parked);
    return f;
  }
  static Found steal(Sched& s, M& m) {
    bool ran_timers = false;
    return s.steal_work(m, &ran_timers);
  }
  static std::int32_t globrunqget(Sched& s, P& p, std::int64_t max) { return s.globrunqget(p, max); }
  static G& g(Sched& s, std::int32_t slot) { return s.gs_[static_cast<std::size_t>(slot)]; }
  // A dead G slot full of junk on the free list (gFree), as a slot looks
  // after any life.
  static std::int32_t junk_free_slot(Sched& s) {
    auto slot = static_cast<std::int32_t>(s.gs_.size());
    G& g = s.gs_.emplace_back();
    std::memset(static_cast<void*>(&g), 0xA5, sizeof(G));
    s.gfree_.push_back(slot);
    return slot;
  }
  static std::int32_t newproc(Sched& s, M& m, std::int32_t parent, const scenario::Instr& in) {
    return s.newproc(m, s.gs_[static_cast<std::size_t>(parent)], in);
  }
  static void set_running(Sched& s, int pid, int mid) {
    // Another P owned by another M (so it is not idle).
    auto& pidle = s.pidle_;
    pidle.erase(std::remove(pidle.begin(), pidle.end(), pid), pidle.end());
    M& m = s.ms_.emplace_back();
    m.id = mid;
    m.status = MStatus::Running;
    s.acquirep(m, pid);
  }
};

}  // namespace gosim::sim

using namespace gosim;
using namespace gosim::sim;
using gosim::test::Builder;

namespace {
std::vector<std::int32_t> iota_vec(std::int32_t from, std::int32_t n) {
  std::vector<std::int32_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

struct Fixture {
  Builder b;
  scenario::Program prog;
  trace::RecordingSink sink;
  std::unique_ptr<Sched> s;
  explicit Fixture(std::int64_t procs, void (*tweak)(scenario::Config&) = nullptr) {
    b.fn("main");
    b.config().gomaxprocs = procs;
    if (tweak) tweak(b.config());
    prog = b.program();
    s = std::make_unique<Sched>(prog, sink);
  }
};
}  // namespace

TEST_CASE("runq: 256 Gs fit in the ring, the 257th overflows 128 oldest + itself (129) to the global queue") {
  GlobalRunq global;
  LocalRunq q(256);
  for (std::int32_t g = 0; g < 256; ++g) CHECK_FALSE(q.put(g, false, global));
  CHECK(q.size() == 256);
  CHECK(global.size() == 0);
  CHECK(q.put(256, false, global));
  CHECK(global.size() == 129);
  CHECK(q.size() == 128);
  std::vector<std::int32_t> expect = iota_vec(0, 128);
  expect.push_back(256);
  CHECK(global.contents() == expect);           // oldest half in order, then the new G
  CHECK(q.contents() == iota_vec(128, 128));    // the newer half stays
}

TEST_CASE("runq: runnext takes the new G and kicks the old runnext to the tail") {
  GlobalRunq global;
  LocalRunq q(256);
  q.put(1, false, global);
  q.put(2, true, global);
  CHECK(q.runnext() == 2);
  q.put(3, true, global);
  CHECK(q.runnext() == 3);
  CHECK(q.contents() == std::vector<std::int32_t>{3, 1, 2});
  bool inherit = false;
  CHECK(q.get(&inherit) == 3);
  CHECK(inherit);  // runnext inherits the time slice
  CHECK(q.get(&inherit) == 1);
  CHECK_FALSE(inherit);
  CHECK(q.get(&inherit) == 2);
  CHECK(q.get(&inherit) == kNoG);
  CHECK(q.empty());
}

TEST_CASE("runq: a full ring plus a runnext kick overflows through runqputslow") {
  GlobalRunq global;
  LocalRunq q(8);
  for (std::int32_t g = 0; g < 8; ++g) q.put(g, false, global);
  q.put(100, true, global);                 // runnext was empty: no kick
  CHECK(global.empty());
  CHECK(q.put(101, true, global));          // kicks 100 into a full ring
  CHECK(global.contents() == std::vector<std::int32_t>{0, 1, 2, 3, 100});
  CHECK(q.runnext() == 101);
}

TEST_CASE("runq: globrunqget batch is min(n, n/GOMAXPROCS+1, 128)") {
  CHECK(globrunq_batch(0, 4, 256) == 0);
  CHECK(globrunq_batch(1, 4, 256) == 1);
  CHECK(globrunq_batch(10, 4, 256) == 3);    // 10/4+1
  CHECK(globrunq_batch(10, 1, 256) == 10);   // min(n, ...)
  CHECK(globrunq_batch(1000, 2, 256) == 128);  // capped at half the ring
  CHECK(globrunq_batch(1000, 2, 256, 1) == 1); // the fairness path takes one

  Fixture f(4);
  M& m = SchedTestAccess::m0(*f.s);
  (void)m;
  for (int i = 0; i < 10; ++i) SchedTestAccess::global(*f.s).put(SchedTestAccess::new_g(*f.s));
  P& p0 = SchedTestAccess::p(*f.s, 0);
  std::int32_t g = SchedTestAccess::globrunqget(*f.s, p0, 0);
  CHECK(g == 0);                                           // the first one runs
  CHECK(p0.runq.contents() == std::vector<std::int32_t>{1, 2});  // the rest of the batch of 3
  CHECK(SchedTestAccess::global(*f.s).size() == 7);
}

TEST_CASE("runq: stealing takes ceil(n/2) from the head and runs the last stolen") {
  GlobalRunq global;
  LocalRunq victim(256), thief(256);
  for (std::int32_t g = 0; g < 5; ++g) victim.put(g, false, global);
  victim.put(9, true, global);  // runnext is not touched while the ring has Gs
  std::int64_t stolen = 0;
  std::int32_t run = thief.steal_from(victim, true, &stolen, global);
  CHECK(stolen == 3);
  CHECK(run == 2);
  CHECK(thief.contents() == std::vector<std::int32_t>{0, 1});
  CHECK(victim.contents() == std::vector<std::int32_t>{9, 3, 4});
  // One G: ceil(1/2) = 1.
  LocalRunq one(256), t2(256);
  one.put(7, false, global);
  CHECK(t2.steal_from(one, false, &stolen, global) == 7);
  CHECK(stolen == 1);
}

TEST_CASE("runq: runnext is stolen only when allowed and the ring is empty") {
  GlobalRunq global;
  LocalRunq victim(256), thief(256);
  victim.put(5, true, global);
  std::int64_t stolen = 0;
  CHECK(thief.steal_from(victim, false, &stolen, global) == kNoG);
  CHECK(stolen == 0);
  CHECK(victim.runnext() == 5);
  CHECK(thief.steal_from(victim, true, &stolen, global) == 5);
  CHECK(stolen == 1);
  CHECK(victim.empty());
}

TEST_CASE("runq: the steal order visits every P exactly once per round") {
  RandomOrder order;
  for (std::int32_t n : {1, 2, 3, 4, 6, 8, 12}) {
    order.reset(n);
    for (std::uint32_t r : {0u, 1u, 7u, 12345u, 0xdeadbeefu}) {
      std::set<std::int32_t> seen;
      for (auto e = order.start(r); !e.done(); e.next()) seen.insert(e.position());
      CHECK(static_cast<std::int32_t>(seen.size()) == n);
    }
  }
}

TEST_CASE("findRunnable: every 61st schedtick takes one G from the global queue before the local one") {
  Fixture f(1);
  M& m = SchedTestAccess::m0(*f.s);
  P& p0 = SchedTestAccess::p(*f.s, 0);
  std::int32_t local = SchedTestAccess::new_g(*f.s);
  std::int32_t global = SchedTestAccess::new_g(*f.s);
  p0.runq.put(local, false, SchedTestAccess::global(*f.s));
  SchedTestAccess::global(*f.s).put(global);
  p0.schedtick = 60;
  Found a = SchedTestAccess::find(*f.s, m);
  CHECK(a.g == local);
  CHECK(a.why == trace::Why::StartLocal);
  p0.runq.put(local, false, SchedTestAccess::global(*f.s));
  p0.schedtick = 61;
  Found b = SchedTestAccess::find(*f.s, m);
  CHECK(b.g == global);
  CHECK(b.why == trace::Why::StartFairness);
  CHECK(p0.runq.size() == 1);  // exactly one G came from the global queue
}

TEST_CASE("findRunnable: the fairness check can be switched off") {
  Fixture f(1, [](scenario::Config& c) { c.mechanisms.fairness_check = false; });
  M& m = SchedTestAccess::m0(*f.s);
  P& p0 = SchedTestAccess::p(*f.s, 0);
  std::int32_t local = SchedTestAccess::new_g(*f.s);
  p0.runq.put(local, false, SchedTestAccess::global(*f.s));
  SchedTestAccess::global(*f.s).put(SchedTestAccess::new_g(*f.s));
  p0.schedtick = 61;
  CHECK(SchedTestAccess::find(*f.s, m).g == local);
}

TEST_CASE("stealWork: a victim's runnext is stolen only in the last of the 4 rounds") {
  // P1 is in a syscall (not running, so no 3us back-off) with only runnext.
  Fixture f(2);
  M& m = SchedTestAccess::m0(*f.s);
  SchedTestAccess::set_running(*f.s, 1, 1);
  P& p1 = SchedTestAccess::p(*f.s, 1);
  p1.status = PStatus::Syscall;
  std::int32_t g = SchedTestAccess::new_g(*f.s);
  p1.runq.put(g, true, SchedTestAccess::global(*f.s));
  Found got = SchedTestAccess::steal(*f.s, m);
  CHECK(got.g == g);
  CHECK(got.why == trace::Why::StartSteal);
  // Each round looked at P1 once: the steal happened in round 4.
  CHECK(got.delay == 4 * f.b.s.config.costs.steal_attempt);
}

TEST_CASE("stealWork: a running victim's runnext is taken only after the 3us back-off") {
  Fixture f(2);
  M& m = SchedTestAccess::m0(*f.s);
  SchedTestAccess::set_running(*f.s, 1, 1);
  P& p1 = SchedTestAccess::p(*f.s, 1);
  std::int32_t g = SchedTestAccess::new_g(*f.s);
  p1.runq.put(g, true, SchedTestAccess::global(*f.s));
  Found got = SchedTestAccess::steal(*f.s, m);
  CHECK(got.g == kNoG);
  CHECK(m.victim == 1);           // findRunnable will usleep(3) and retry this victim
  CHECK(p1.runq.runnext() == g);  // still there for the victim to run
}

TEST_CASE("stealWork: from a ring it steals in the first round and skips idle Ps") {
  Fixture f(3);
  M& m = SchedTestAccess::m0(*f.s);
  SchedTestAccess::set_running(*f.s, 2, 1);
  P& p2 = SchedTestAccess::p(*f.s, 2);
  for (int i = 0; i < 4; ++i) p2.runq.put(SchedTestAccess::new_g(*f.s), false, SchedTestAccess::global(*f.s));
  Found got = SchedTestAccess::steal(*f.s, m);
  CHECK(got.g != kNoG);
  CHECK(got.delay == f.b.s.config.costs.steal_attempt);  // one look: P1 is idle and skipped
  CHECK(p2.runq.size() == 2);
  CHECK(SchedTestAccess::p(*f.s, 0).runq.size() == 1);
}

TEST_CASE("runq: every change to a watched queue marks it for the counter flush, and nothing else does") {
  GlobalRunq global;
  global.ensure(16);
  LocalRunq victim(4), thief(4);
  std::uint64_t word = 0;
  victim.watch(&word, 1u << 3);
  thief.watch(&word, 1u << 5);
  auto take = [&] {
    std::uint64_t w = word;
    word = 0;
    return w;
  };
  bool inherit = false;
  CHECK(victim.get(&inherit) == kNoG);  // empty: no change
  CHECK(take() == 0);
  victim.put(1, true, global);  // runnext
  CHECK(take() == 1u << 3);
  CHECK(victim.get(&inherit) == 1);
  CHECK(take() == 1u << 3);
  for (int g = 2; g <= 5; ++g) victim.put(g, false, global);  // ring
  CHECK(take() == 1u << 3);
  std::int64_t stolen = 0;
  CHECK(thief.steal_from(victim, false, &stolen, global) == 3);  // takes 2, 3; runs 3
  CHECK(take() == ((1u << 3) | (1u << 5)));
  victim.put(6, false, global);
  victim.put(7, false, global);
  victim.put(8, false, global);  // ring full (4, 5, 6, 7): overflow to the global queue
  CHECK(global.size() > 0);
  CHECK(take() == 1u << 3);
}

// newproc writes every field of a G in place instead of assigning a fresh G{}
// (sched.cpp says why). A slot reused from gFree must come out exactly like a
// new one: every field but the id, its random stream and the stale-sudog
// sequence. The structured binding stops compiling when G gains a field.
TEST_CASE("newproc: a reused G slot is initialised exactly like a fresh one") {
  Fixture f(2);
  M& m = SchedTestAccess::m0(*f.s);
  const std::int32_t parent = SchedTestAccess::new_g(*f.s);
  scenario::Instr go;
  go.code = scenario::Code::Go;
  go.target = 0;
  go.k = 1;
  go.arg_k = 3;
  const std::int32_t fresh = SchedTestAccess::newproc(*f.s, m, parent, go);
  const std::int32_t junk = SchedTestAccess::junk_free_slot(*f.s);
  const std::int32_t reused = SchedTestAccess::newproc(*f.s, m, parent, go);
  REQUIRE(reused == junk);
  REQUIRE(fresh != reused);
  auto fields = [](G& g) {
    auto& [cur, goid, rng, gm, op_pc, depth, wait_obj, wait_seq, cold, fn, select_arm, status, wait_reason, resume,
           preempt, panic_closed, in_compute, cold_work] = g;
    (void)goid, (void)rng, (void)wait_seq;  // per G by design
    return std::make_tuple(cur.n, cur.pc, cur.loop_depth, gm, op_pc, depth, wait_obj, cold, fn, select_arm, status,
                           wait_reason, resume, bool(preempt), bool(panic_closed), bool(in_compute),
                           bool(cold_work));
  };
  G& a = SchedTestAccess::g(*f.s, fresh);
  G& b = SchedTestAccess::g(*f.s, reused);
  CHECK(fields(a) == fields(b));
  CHECK(b.goid == a.goid + 1);
  CHECK(a.cur.n == 3);
  CHECK(a.status == GStatus::Runnable);
}
