// The lock-free local run queue (runq.h): FIFO order, runnext, overflow,
// stealing half, and concurrent stealing without loss or duplication.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "runtime/runq.h"

using gosim::runtime::RunQueue;

namespace {
auto no_backoff = [] { return true; };
}

TEST_CASE("runq: FIFO order, runnext first and inherits") {
  RunQueue<int> q;
  int v[4] = {0, 1, 2, 3};
  int* kicked = nullptr;
  REQUIRE(q.put(&v[0], false, &kicked));
  REQUIRE(q.put(&v[1], false, &kicked));
  REQUIRE(q.put(&v[2], true, &kicked));  // runnext
  REQUIRE(q.put(&v[3], true, &kicked));  // kicks v[2] to the tail
  CHECK(q.size() == 3);
  bool inherit = false;
  CHECK(q.get(&inherit) == &v[3]);
  CHECK(inherit);
  CHECK(q.get(&inherit) == &v[0]);
  CHECK_FALSE(inherit);
  CHECK(q.get(&inherit) == &v[1]);
  CHECK(q.get(&inherit) == &v[2]);
  CHECK(q.get(&inherit) == nullptr);
  CHECK(q.empty());
}

TEST_CASE("runq: a full ring refuses, overflow grabs the oldest half") {
  RunQueue<int> q;
  std::vector<int> v(300);
  int* kicked = nullptr;
  for (int i = 0; i < 256; i++) REQUIRE(q.put(&v[static_cast<std::size_t>(i)], false, &kicked));
  CHECK_FALSE(q.put(&v[256], false, &kicked));
  CHECK(kicked == &v[256]);
  int* batch[129];
  REQUIRE(q.grab_half_for_overflow(batch) == 128);
  for (int i = 0; i < 128; i++) CHECK(batch[i] == &v[static_cast<std::size_t>(i)]);
  CHECK(q.size() == 128);
  CHECK(q.put(&v[256], false, &kicked));
}

TEST_CASE("runq: steal takes ceil(n/2) from the head and returns the last") {
  RunQueue<int> victim, thief;
  std::vector<int> v(5);
  int* kicked = nullptr;
  for (auto& x : v) victim.put(&x, false, &kicked);
  std::uint32_t n = 0;
  int* run = thief.steal_from(victim, false, no_backoff, &n);
  CHECK(n == 3);
  CHECK(run == &v[2]);
  CHECK(thief.size() == 2);
  CHECK(victim.size() == 2);
  bool inherit;
  CHECK(victim.get(&inherit) == &v[3]);
}

TEST_CASE("runq: runnext is stolen only when allowed and the ring is empty") {
  RunQueue<int> victim, thief;
  int a = 1;
  int* kicked = nullptr;
  victim.put(&a, true, &kicked);
  std::uint32_t n = 0;
  CHECK(thief.steal_from(victim, false, no_backoff, &n) == nullptr);
  CHECK(thief.steal_from(victim, true, no_backoff, &n) == &a);
  CHECK(victim.empty());
}

TEST_CASE("runq: concurrent owner and thieves lose and duplicate nothing") {
  constexpr int kItems = 200000;
  RunQueue<int> owner;
  std::vector<int> items(kItems);
  std::vector<std::atomic<int>> seen(kItems);
  std::atomic<bool> done{false};
  auto consume = [&](int* x) { seen[static_cast<std::size_t>(x - items.data())].fetch_add(1); };
  std::vector<std::thread> thieves;
  for (int t = 0; t < 3; t++) {
    thieves.emplace_back([&] {
      RunQueue<int> mine;
      bool inherit;
      while (!done.load()) {
        std::uint32_t n = 0;
        if (int* x = mine.steal_from(owner, true, no_backoff, &n)) consume(x);
        while (int* y = mine.get(&inherit)) consume(y);
      }
    });
  }
  bool inherit;
  int* kicked = nullptr;
  for (int i = 0; i < kItems; i++) {
    int* x = &items[static_cast<std::size_t>(i)];
    bool next = i % 7 == 0;
    while (!owner.put(x, next, &kicked)) {
      // Full: consume one ourselves and retry with the kicked item.
      if (int* y = owner.get(&inherit)) consume(y);
      x = kicked;
      next = false;
    }
    if (i % 3 == 0)
      if (int* y = owner.get(&inherit)) consume(y);
  }
  while (int* y = owner.get(&inherit)) consume(y);
  done.store(true);
  for (auto& t : thieves) t.join();
  int missing = 0, dup = 0;
  for (auto& s : seen) {
    if (s.load() == 0) missing++;
    if (s.load() > 1) dup++;
  }
  CHECK(missing == 0);
  CHECK(dup == 0);
}
