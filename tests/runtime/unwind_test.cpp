// Unwinding at the end of a run (sched.cpp, "unwinding abandoned
// goroutines"): goroutines still parked or runnable when the run ends
// (panic, deadlock, limit, or main returning) have their frames destroyed on
// their own stacks, so every destructor runs exactly once and nothing leaks.
// Run under ASan with detect_leaks=1 (scripts/test.sh) and under TSan.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "process_counts.h"
#include "runtime/api.h"
#include "runtime/run_scenario.h"
#include "runtime/sched.h"
#include "scenario/program.h"
#include "trace/sink.h"

namespace rt = gosim::rt;
namespace sc = gosim::scenario;
using namespace std::chrono_literals;
using gosim::test::fds_now;
using gosim::test::threads_now;

namespace {

constexpr int kSlots = 32;
using Slots = std::array<std::atomic<int>, kSlots>;

// Counts its destruction in slot `i`: each must end at exactly 1 per object.
struct Counted {
  Slots* slots;
  int i;
  Counted(Slots& s, int k) : slots(&s), i(k) {}
  Counted(const Counted&) = delete;
  ~Counted() { (*slots)[static_cast<std::size_t>(i)].fetch_add(1); }
};

// What a goroutine's frame owns: heap memory (LeakSanitizer sees it if the
// frame is abandoned) and a counter.
struct Owned {
  Counted c;
  std::vector<int> v = std::vector<int>(1000, 7);
  std::unique_ptr<std::string> s = std::make_unique<std::string>(200, 'x');
  Owned(Slots& sl, int k) : c(sl, k) {}
};

}  // namespace

TEST_CASE("unwind: a panic unwinds goroutines parked in every kind of wait, each destructor once") {
  int t0 = threads_now(), f0 = fds_now();
  Slots frames{};    // the Owned in each goroutine's frame (main: slot 0)
  Slots closures{};  // a Counted captured by value in each closure
  std::atomic<int> guards{0};  // RAII guards that use runtime objects while unwinding
  std::atomic<int> ready{0};
  rt::Result r = rt::run(
      [&] {
        Owned mine(frames, 0);
        rt::Chan<int> never, never2, a, b, c, closed_by_guard;
        rt::Mutex mu, mu2;
        rt::WaitGroup wg, wg2;
        wg.add(1);   // never done: a waiter blocks for good
        wg2.add(1);  // done by a guard while unwinding
        std::unique_lock<rt::Mutex> held(mu);  // main holds mu: a goroutine blocks on it
        // Each goroutine counts itself ready right before it blocks; on one P
        // it gives the P up only by blocking, so when main runs again after
        // the count, that goroutine is parked.
        auto spawn = [&](int k, auto body) {
          auto cnt = std::make_shared<Counted>(closures, k);
          rt::go([&, k, cnt, body] {
            Owned o(frames, k);
            body();
          });
        };
        spawn(1, [&] { ready++; never.recv(); });
        spawn(2, [&] { ready++; never2.send(1); });
        spawn(3, [&] {
          ready++;
          rt::select(rt::on_recv(a, [](int, bool) {}), rt::on_recv(b, [](int, bool) {}), rt::on_send(c, 5, [] {}));
        });
        spawn(4, [&] { ready++; std::lock_guard<rt::Mutex> l(mu); });
        spawn(5, [&] { ready++; wg.wait(); });
        spawn(6, [&] { ready++; rt::sleep(1h); });
        spawn(7, [&] { ready++; rt::syscall_sleep(1h); });
        spawn(8, [&] { ready++; rt::select(); });  // select {}
        spawn(9, [&] {
          ready++;
          for (;;) rt::yield();  // always runnable
        });
        spawn(10, [&] {
          // defer mu2.Unlock(); defer wg2.Done(); defer close(ch): run while unwinding.
          struct Done {
            rt::WaitGroup& wg;
            std::atomic<int>& n;
            ~Done() { wg.done(); n++; }
          };
          struct Close {
            rt::Chan<int>& ch;
            std::atomic<int>& n;
            ~Close() { ch.close(); n++; }
          };
          std::lock_guard<rt::Mutex> l(mu2);
          Done d{wg2, guards};
          Close cl{closed_by_guard, guards};
          ready++;
          never.recv();  // a second waiter on the same channel
        });
        while (ready.load() < 10) rt::yield();
        spawn(11, [&] { ready++; });  // created, never started: only its closure exists
        // panic: close of closed channel
        rt::Chan<int> x(1);
        x.close();
        x.close();
      },
      {.procs = 1});
  CHECK(r.status == rt::Result::Status::Error);
  CHECK(r.message.rfind("panic: close of closed channel", 0) == 0);
  for (int k = 0; k <= 10; k++) {
    CAPTURE(k);
    CHECK(frames[static_cast<std::size_t>(k)].load() == 1);
  }
  CHECK(frames[11].load() == 0);  // never ran
  for (int k = 1; k <= 11; k++) {
    CAPTURE(k);
    CHECK(closures[static_cast<std::size_t>(k)].load() == 1);
  }
  CHECK(guards.load() == 2);
  CHECK(ready.load() == 10);
  CHECK(threads_now() == t0);
  CHECK(fds_now() == f0);
}

TEST_CASE("unwind: a deadlock unwinds owners and waiters of channels and wait groups in either order") {
  Slots frames{};
  std::atomic<rt::Chan<int>*> late_chan{nullptr};
  std::atomic<rt::WaitGroup*> late_wg{nullptr};
  rt::Result r = rt::run(
      [&] {
        Owned mine(frames, 0);
        rt::Chan<int> never;
        // Waiters created before the owner (unwound after it: newest first)...
        rt::go([&] {
          Owned o(frames, 1);
          while (!late_chan.load()) rt::yield();
          late_chan.load()->recv();
        });
        rt::go([&] {
          Owned o(frames, 2);
          while (!late_wg.load()) rt::yield();
          late_wg.load()->wait();
        });
        // ... the owner, parked itself ...
        rt::go([&] {
          Owned o(frames, 3);
          rt::Chan<int> own;
          rt::WaitGroup own_wg;
          own_wg.add(1);
          late_chan = &own;
          late_wg = &own_wg;
          // ... and waiters created by it (unwound before it).
          rt::go([&] {
            Owned o2(frames, 4);
            own.recv();
          });
          rt::go([&] {
            Owned o2(frames, 5);
            own_wg.wait();
          });
          never.recv();
        });
        never.recv();
      },
      {.procs = 2});
  CHECK(r.status == rt::Result::Status::Deadlock);
  for (int k = 0; k <= 5; k++) {
    CAPTURE(k);
    CHECK(frames[static_cast<std::size_t>(k)].load() == 1);
  }
}

TEST_CASE("unwind: destructors that block are resumed when another unwinding goroutine unblocks them") {
  Slots frames{};
  std::atomic<int> got{-1}, sent{0}, slept{0};
  rt::Result r = rt::run(
      [&] {
        rt::Chan<int> never, c;
        // Unwound last of the two (older): its destructor receives what the
        // newer one's destructor, unwound first, blocked sending.
        struct Recv {
          rt::Chan<int>& c;
          std::atomic<int>& got;
          ~Recv() { got = c.recv().value_or(-2); }
        };
        struct Send {
          rt::Chan<int>& c;
          std::atomic<int>& sent;
          ~Send() {
            c.send(7);
            sent++;
          }
        };
        struct Sleep {
          std::atomic<int>& n;
          ~Sleep() {
            rt::sleep(1ms);  // a timer set while unwinding still fires
            rt::compute(50us);  // safe points do not stop it
            rt::checkpoint();
            n++;
          }
        };
        rt::go([&] {
          Owned o(frames, 1);
          Recv rv{c, got};
          never.recv();
        });
        rt::go([&] {
          Owned o(frames, 2);
          Send sd{c, sent};
          never.recv();
        });
        rt::go([&] {
          Owned o(frames, 3);
          Sleep s{slept};
          never.recv();
        });
        never.recv();
      },
      {.procs = 2});
  CHECK(r.status == rt::Result::Status::Deadlock);
  CHECK(got.load() == 7);
  CHECK(sent.load() == 1);
  CHECK(slept.load() == 1);
  for (int k = 1; k <= 3; k++) {
    CAPTURE(k);
    CHECK(frames[static_cast<std::size_t>(k)].load() == 1);
  }
}

TEST_CASE("unwind: when main returns, goroutines parked on main's channel and mutex are unwound") {
  Slots frames{};
  std::atomic<int> ready{0};
  rt::Result r = rt::run(
      [&] {
        rt::Chan<int> quit;  // destroyed when main returns, with waiters
        rt::Mutex mu;
        rt::WaitGroup wg;
        wg.add(1);
        mu.lock();
        rt::go([&] {
          Owned o(frames, 1);
          ready++;
          quit.recv();
        });
        rt::go([&] {
          Owned o(frames, 2);
          ready++;
          rt::select(rt::on_recv(quit, [](int, bool) {}), rt::on_send(quit, 1, [] {}));
        });
        rt::go([&] {
          Owned o(frames, 3);
          ready++;
          mu.lock();
        });
        rt::go([&] {
          Owned o(frames, 4);
          ready++;
          wg.wait();
        });
        while (ready.load() < 4) rt::yield();
      },  // Go: the program exits; here they are unwound after main's frame
      {.procs = 1});
  CHECK(r.ok());
  for (int k = 1; k <= 4; k++) {
    CAPTURE(k);
    CHECK(frames[static_cast<std::size_t>(k)].load() == 1);
  }
}

TEST_CASE("unwind: catch (...) that rethrows sees it, a goroutine limit unwinds too") {
  Slots frames{};
  std::atomic<int> caught{0}, ready{0};
  bool std_handler_ran = false;
  rt::Result r = rt::run(
      [&] {
        rt::Chan<int> never;
        for (int i = 1; i <= 8; i++) {
          rt::go([&, i] {
            Owned o(frames, i);
            try {
              ready++;
              never.recv();
            } catch (const std::exception&) {
              std_handler_ran = true;  // not a std::exception: never here
            } catch (...) {
              caught++;
              throw;  // as with abi::__forced_unwind
            }
          });
        }
        while (ready.load() < 8) rt::yield();
        rt::go([] {});  // the 10th live goroutine: over the limit, the run ends
        never.recv();
      },
      {.procs = 1, .max_goroutines = 9});
  CHECK(r.status == rt::Result::Status::LimitExceeded);
  CHECK_FALSE(std_handler_ran);
  CHECK(caught.load() == 8);
  for (int k = 1; k <= 8; k++) {
    CAPTURE(k);
    CHECK(frames[static_cast<std::size_t>(k)].load() == 1);
  }
}

namespace {

namespace grt = gosim::runtime;

rt::Chan<int>* g_never = nullptr;
std::atomic<int> g_swallowed{0}, g_ready{0};

// Plain goroutine functions (no closure): the stuck one must not own heap memory.
void swallow_and_return(grt::G*) {
  try {
    g_ready++;
    g_never->recv();
  } catch (...) {
    g_swallowed++;  // swallowed: it runs on and returns, which is fine
  }
}

void swallow_and_block(grt::G*) {
  try {
    g_ready++;
    g_never->recv();
  } catch (...) {
    g_swallowed++;
  }
  g_never->recv();  // blocks again: left blocked, reported
}

void stuck_main(grt::G*) {
  rt::Chan<int> never;
  g_never = &never;
  grt::newproc(swallow_and_return, nullptr, -1, 0);
  grt::newproc(swallow_and_block, nullptr, -1, 0);
  for (int i = 0; i < 4; i++) grt::newproc([](grt::G*) { g_never->recv(); }, nullptr, -1, 0);
  while (g_ready.load() < 2) rt::yield();
  rt::Chan<int> x(1);
  x.close();
  x.close();
}

}  // namespace

TEST_CASE("unwind: a goroutine that swallows the exception and blocks again is left blocked, stacks all return") {
  grt::RunOptions ro;
  ro.config.gomaxprocs = 2;
  auto s = std::make_unique<grt::Sched>(ro);
  gosim::trace::RunOutcome out = grt::run_main(*s, stuck_main, nullptr, -1, 0);
  grt::sched = nullptr;
  CHECK(out.status == gosim::trace::RunOutcome::Status::Error);
  CHECK(g_swallowed.load() == 2);
  CHECK(s->unwind_stuck == 1);
  CHECK(s->stacks.stats().in_use == 0);
  CHECK(s->ngoroutines.load() == 1);  // the stuck one
}

namespace {

sc::Op op(sc::OpKind k, std::int32_t target = -1) {
  sc::Op o;
  o.kind = k;
  o.target = target;
  return o;
}

sc::Op timed(sc::OpKind k, std::int64_t ns) {
  sc::Op o = op(k);
  o.dur = sc::DurationSpec::fixed(ns);
  return o;
}

}  // namespace

TEST_CASE("unwind: a failed scenario run unwinds goroutines in netwait, syscall, sleep, channels, select, mutex, wait group") {
  for (bool netpoller : {true, false}) {
    CAPTURE(netpoller);
    int t0 = threads_now(), f0 = fds_now();
    auto s = std::make_shared<sc::Scenario>();
    s->name = "unwind";
    s->config.gomaxprocs = 2;
    s->config.mechanisms.netpoller = netpoller;
    s->channels = {{"never", 0, {}}, {"a", 0, {}}, {"bad", 1, {}}};
    s->mutexes = {{"mu", {}}};
    s->waitgroups = {{"wg", {}}};
    const std::int64_t hour = 3'600'000'000'000;
    auto fn = [](std::string name, std::vector<sc::Op> ops) {
      sc::Function f;
      f.name = std::move(name);
      f.ops = std::move(ops);
      return f;
    };
    sc::Op sel = op(sc::OpKind::Select);
    sc::SelectCase c1;
    c1.chan = 0;
    sc::SelectCase c2;
    c2.chan = 1;
    c2.is_send = true;
    sel.cases = {c1, c2};
    sc::Op add = op(sc::OpKind::WgAdd, 0);
    add.count = 1;
    std::vector<sc::Function> fns = {
        fn("main", {}),
        fn("recv", {op(sc::OpKind::Recv, 0)}),
        fn("send", {op(sc::OpKind::Send, 0)}),
        fn("select", {sel}),
        fn("lock", {op(sc::OpKind::Lock, 0)}),
        fn("wait", {op(sc::OpKind::WgWait, 0)}),
        fn("netwait", {timed(sc::OpKind::NetWait, hour)}),
        fn("syscall", {timed(sc::OpKind::Syscall, hour)}),
        fn("sleep", {timed(sc::OpKind::Sleep, hour)}),
        fn("yield", {}),
    };
    sc::Op forever = op(sc::OpKind::Repeat);
    forever.count = 1'000'000'000;
    forever.body = {op(sc::OpKind::Yield)};
    fns[9].ops = {forever};
    std::vector<sc::Op> main_ops = {add, op(sc::OpKind::Lock, 0)};
    for (std::int32_t f = 1; f <= 9; f++) {
      sc::Op go = op(sc::OpKind::Go, f);
      main_ops.push_back(go);
    }
    main_ops.push_back(timed(sc::OpKind::Sleep, 20'000'000));  // let them block (not needed for correctness)
    main_ops.push_back(op(sc::OpKind::Close, 2));
    main_ops.push_back(op(sc::OpKind::Close, 2));  // panic: close of closed channel
    fns[0].ops = main_ops;
    s->functions = fns;
    s->entry = 0;
    sc::Program prog = sc::compile(s);
    gosim::trace::RecordingSink sink;
    gosim::trace::TraceHeader header;
    header.mode = "real";
    sink.begin(header);
    gosim::trace::RunOutcome out = grt::run_scenario(prog, sink);
    sink.end(out);
    CAPTURE(out.message);
    CHECK(out.status == gosim::trace::RunOutcome::Status::Error);
    CHECK(out.message.rfind("panic: close of closed channel", 0) == 0);
    CHECK(threads_now() == t0);
    CHECK(fds_now() == f0);  // netwait's timerfds closed
  }
}

TEST_CASE("unwind: children are unwound before their parents, also on recycled G structs") {
  // A child's deferred wg.done() touches its parent's WaitGroup: unwinding the
  // parent first would free it under the child (ASan: heap-use-after-free).
  std::atomic<int> done_guards{0}, ready{0};
  rt::Result r = rt::run(
      [&] {
        {
          rt::WaitGroup warm;  // dead Gs on the free list: the next ones reuse their structs
          for (int i = 0; i < 6; i++) {
            warm.add(1);
            rt::go([&] { warm.done(); });
          }
          warm.wait();
        }
        rt::Chan<int> never;
        rt::go([&] {
          rt::WaitGroup wg;
          wg.add(3);
          struct Done {
            rt::WaitGroup& wg;
            std::atomic<int>& n;
            ~Done() {
              wg.done();
              n++;
            }
          };
          for (int i = 0; i < 3; i++) {
            rt::go([&] {
              Done d{wg, done_guards};
              ready++;
              never.recv();
            });
          }
          ready++;
          never.recv();
        });
        while (ready.load() < 4) rt::yield();
        never.recv();  // deadlock
      },
      {.procs = 1});
  CHECK(r.status == rt::Result::Status::Deadlock);
  CHECK(done_guards.load() == 3);
}
