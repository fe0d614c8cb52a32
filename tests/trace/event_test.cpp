#include <doctest/doctest.h>

#include <set>

#include "trace/human.h"
#include "trace_fixtures.h"

using namespace gosim::test;

TEST_CASE("event names: every kind, why code, reason and counter parses back") {
  std::set<std::string_view> seen;
  for (int k = 0; k < kEventKinds; ++k) {
    auto kind = static_cast<EventKind>(k);
    std::string_view name = kind_name(kind);
    REQUIRE(!name.empty());
    CHECK(seen.insert(name).second);
    EventKind back{};
    CHECK(parse_kind(name, &back));
    CHECK(back == kind);
    for (int r = 0; r < reason_count(kind); ++r) {
      std::string_view rn = reason_name(kind, static_cast<std::uint8_t>(r));
      REQUIRE(!rn.empty());
      std::uint8_t rb = 255;
      CHECK(parse_reason(kind, rn, &rb));
      CHECK(rb == r);
    }
    CHECK(reason_name(kind, static_cast<std::uint8_t>(reason_count(kind))).empty());
  }
  seen.clear();
  for (int w = 0; w < kWhyCodes; ++w) {
    std::string_view name = why_name(static_cast<Why>(w));
    REQUIRE(!name.empty());
    CHECK(seen.insert(name).second);
    Why back{};
    CHECK(parse_why(name, &back));
    CHECK(back == static_cast<Why>(w));
  }
  for (int c = 0; c < kCounterIds; ++c) {
    CounterId back{};
    CHECK(parse_counter(counter_name(static_cast<CounterId>(c)), &back));
    CHECK(back == static_cast<CounterId>(c));
    CHECK(!counter_label(static_cast<CounterId>(c)).empty());
  }
  CHECK(reason_count(EventKind::GoBlock) == kBlockReasons);
  CHECK(reason_count(EventKind::GoStart) == 0);
}

TEST_CASE("event names: unknown names and values are refused, not crashed on") {
  EventKind k{};
  Why w{};
  CHECK_FALSE(parse_kind("GoFly", &k));
  CHECK_FALSE(parse_why("", &w));
  CHECK(kind_name(static_cast<EventKind>(250)).empty());
  CHECK(why_name(static_cast<Why>(250)).empty());
  CHECK(block_reason_name(static_cast<BlockReason>(99)).empty());
  CHECK(status_name(static_cast<RunOutcome::Status>(9)).empty());
  std::uint8_t r = 0;
  CHECK_FALSE(parse_reason(EventKind::GoStart, "Runnext", &r));
}

TEST_CASE("event names: wait reasons use Go's words") {
  CHECK(block_reason_name(BlockReason::ChanRecv) == "chan receive");
  CHECK(block_reason_name(BlockReason::Mutex) == "semacquire");
  CHECK(block_reason_name(BlockReason::NetWait) == "IO wait");
  CHECK(block_reason_name(BlockReason::SelectNoCases) == "select (no cases)");
  CHECK(status_name(RunOutcome::Status::LimitExceeded) == "limit");
}

TEST_CASE("describe: fills names from the header") {
  TraceHeader h = story_header();
  using K = EventKind;
  CHECK(describe(ev(0, K::GoBlock, 7, 0, 0, 0, -1, 0, r(BlockReason::ChanRecv), Why::BlockChanRecv), h) ==
        "G7 blocked receiving from channel jobs (empty, no sender)");
  CHECK(describe(ev(0, K::ProcSteal, 3, 1, 2, 0, 4, 8, 0, Why::ProcStealGot), h) ==
        "P1: local and global queues empty, stole 4 of 8 Gs from P0");
  CHECK(describe(ev(0, K::GoBlock, 7, 0, 0, 0, -1, 0, r(BlockReason::Mutex), Why::BlockMutex), h) ==
        "G7 blocked locking mutex mu (held by another G)");
  CHECK(describe(ev(0, K::GoCreate, 2, 0, 0, 1, 1), h) == "G1 creates G2 running worker");
  CHECK(describe(ev(0, K::GoUnblock, 5, 2, 0, -1, 0, 0, r(Queue::Local), Why::WakeTimer), h) ==
        "G5's sleep timer fired: it goes to P2's local run queue");
  CHECK(describe(ev(0, K::GoPreempt, 5, 0, 0, 10000000, 0, 0, 0, Why::PreemptTimeSlice), h).find("after 10ms") !=
        std::string::npos);
  // Out-of-range names say so instead of crashing.
  CHECK(describe(ev(0, K::GoBlock, 7, 0, 0, 9, -1, 0, r(BlockReason::ChanSend), Why::BlockChanSend), h) ==
        "G7 blocked sending on channel channel #9 (full, no receiver)");
  CHECK(describe(ev(0, static_cast<K>(200), 7, 0, 0), h) == "unknown event");
}

TEST_CASE("describe: every template renders with no placeholder left") {
  TraceHeader h = story_header();
  for (int w = 1; w < kWhyCodes; ++w) {
    std::string_view tmpl = why_template(static_cast<Why>(w));
    INFO(why_name(static_cast<Why>(w)));
    CHECK(!tmpl.empty());
    std::string text = describe(ev(0, EventKind::Counter, 1, 0, 0, 0, 1, 2, 0, static_cast<Why>(w)), h);
    CHECK(text.find('{') == std::string::npos);
  }
  for (int k = 0; k < kEventKinds; ++k) {
    INFO(kind_name(static_cast<EventKind>(k)));
    std::string text = describe(ev(0, static_cast<EventKind>(k), 1, 0, 0, 0, 1, 2), h);
    CHECK(!text.empty());
    CHECK(text.find('{') == std::string::npos);
  }
}

TEST_CASE("human units: durations and bytes") {
  CHECK(format_duration(850) == "850ns");
  CHECK(format_duration(12500) == "12.5µs");
  CHECK(format_duration(3250000) == "3.25ms");
  CHECK(format_duration(1500000000) == "1.5s");
  CHECK(format_duration(-2000) == "-2µs");
  CHECK(format_bytes(512) == "512B");
  CHECK(format_bytes(4096) == "4KiB");
  CHECK(format_bytes(3 << 20) == "3MiB");
}

TEST_CASE("describe: a why code shared by two kinds reads right on both") {
  TraceHeader h = story_header();
  using K = EventKind;
  CHECK(describe(ev(0, K::GoSysBlock, 5, 0, 0, 0, 0, 0, 0, Why::HandoffRetake), h) ==
        "sysmon retook P0 from G5, in a syscall for at least one sysmon tick");
  CHECK(describe(ev(0, K::HandoffP, -1, 0, 2, 0, 0, 0, r(HandoffReason::SyscallRetake), Why::HandoffRetake), h) ==
        "sysmon retook P0 from M0, stuck in a syscall, and hands it to M2");
  CHECK(why_template(Why::HandoffRetake, K::GoSysBlock) != why_template(Why::HandoffRetake));
  CHECK(why_template(Why::StartLocal, K::GoStart) == why_template(Why::StartLocal));
}
