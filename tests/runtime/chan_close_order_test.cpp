// close() readies its waiters in Go 1.19's order (chan.go:closechan): every
// receiver, then every sender, pushed on a gList (LIFO, proc.go gList.push)
// and goreadied as they pop, each into runnext. On one P the first receiver
// runs first (it was readied last, into runnext) and the rest follow from
// the local run queue, last-parked first: parked [a b c] run [a c b]. Real
// go1.19 with GOMAXPROCS=1 runs three receivers parked in turn as [1 3 2].
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <vector>

#include "runtime/api.h"

namespace rt = gosim::rt;

TEST_CASE("chan: close readies receivers in Go's gList order on one P") {
  for (int n : {3, 5}) {
    // Atomics: the goroutines may run on different threads over time (and
    // the test runs under TSan), so the records are race-free whatever the M.
    std::array<std::atomic<int>, 8> parked{}, woke{};
    std::atomic<int> nparked{0}, nwoke{0};
    rt::Result r = rt::run(
        [&] {
          rt::Chan<int> c;
          rt::WaitGroup wg;
          for (int i = 1; i <= n; i++) {
            wg.add(1);
            rt::go([&, i] {
              // One P, no safe point between this and the park: the
              // recording order is the order on c's recvq.
              parked[static_cast<std::size_t>(nparked.fetch_add(1))].store(i);
              if (!c.recv()) woke[static_cast<std::size_t>(nwoke.fetch_add(1))].store(i);
              wg.done();
            });
          }
          while (nparked.load() < n) rt::yield();
          c.close();
          wg.wait();
        },
        {.procs = 1});
    REQUIRE(r.ok());
    REQUIRE(nparked.load() == n);
    REQUIRE(nwoke.load() == n);
    std::vector<int> got, want;
    for (int k = 0; k < n; k++) got.push_back(woke[static_cast<std::size_t>(k)].load());
    // Go: the first parked runs first, then the others from the last parked.
    want.push_back(parked[0].load());
    for (int k = n - 1; k >= 1; k--) want.push_back(parked[static_cast<std::size_t>(k)].load());
    CHECK(got == want);
  }
}
