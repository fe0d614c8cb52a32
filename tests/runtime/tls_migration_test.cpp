// Fibers migrate between two OS threads; current_m() must name the M of the
// thread running the fiber after every switch. Built with -O2 (see
// tests/runtime/CMakeLists.txt); the same code runs under clang++ and on
// AArch64 through fiber_selftest.cpp.
#include <doctest/doctest.h>

#define GOSIM_SELFTEST_NO_MAIN
#include "fiber_selftest.cpp"

TEST_CASE("tls: current_m() follows a fiber across threads") {
  selftest::failures = 0;
  long migrations = selftest::test_migration(8, 2000);
  CHECK(migrations == 8 * 2000);
  CHECK(selftest::failures == 0);
}

TEST_CASE("tls: set_current_m binds the calling thread only") {
  using namespace gosim::runtime;
  char tag;
  M* mine = reinterpret_cast<M*>(&tag);
  set_current_m(mine);
  M* seen_elsewhere = mine;
  std::thread([&] { seen_elsewhere = current_m(); }).join();
  CHECK(current_m() == mine);
  CHECK(seen_elsewhere == nullptr);
  set_current_m(nullptr);
  CHECK(current_m() == nullptr);
}

TEST_CASE("fiber selftest: ping-pong, FP values and alignment (as on AArch64)") {
  selftest::failures = 0;
  selftest::test_ping_pong();
  selftest::test_fenv();
  selftest::test_alignment();
  CHECK(selftest::failures == 0);
}
