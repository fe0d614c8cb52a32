// close() readies its waiters in Go 1.19's order (chan.go:closechan): every
// receiver, then every sender, pushed on a gList (LIFO, proc.go gList.push)
// and goreadied as they pop, each into runnext. On one P the first receiver
// runs first (it was readied last, into runnext) and the rest follow from
// the local run queue, last-parked first: parked [a b c] run [a c b]. Real
// go1.19 with GOMAXPROCS=1 runs three receivers parked in turn as [1 3 2].
#include <doctest/doctest.h>

#include <vector>

#include "runtime/api.h"

namespace rt = gosim::rt;

TEST_CASE("chan: close readies receivers in Go's gList order on one P") {
  for (int n : {3, 5}) {
    std::vector<int> parked, woke;
    rt::Result r = rt::run(
        [&] {
          rt::Chan<int> c;
          rt::WaitGroup wg;
          for (int i = 1; i <= n; i++) {
            wg.add(1);
            rt::go([&, i] {
              // One P, no safe point between this and the park: the
              // recording order is the order on c's recvq.
              parked.push_back(i);
              if (!c.recv()) woke.push_back(i);
              wg.done();
            });
          }
          while (static_cast<int>(parked.size()) < n) rt::yield();
          c.close();
          wg.wait();
        },
        {.procs = 1});
    REQUIRE(r.ok());
    REQUIRE(static_cast<int>(parked.size()) == n);
    // Go: the first parked runs first, then the others from the last parked.
    std::vector<int> want{parked[0]};
    for (int k = n - 1; k >= 1; k--) want.push_back(parked[static_cast<std::size_t>(k)]);
    CHECK(woke == want);
  }
}
