// Run queues: a P's local ring with its runnext slot, and the global queue.
//
// These are plain classes over G slot numbers (int32) so the queue rules can
// be tested exactly on hand-built states (tests/sim/runq_test.cpp):
//   - LocalRunq mirrors p.runq/p.runnext and proc.go:runqput, runqputslow,
//     runqget, runqgrab, runqsteal, runqempty;
//   - GlobalRunq mirrors sched.runq (a FIFO linked through g.schedlink) and
//     globrunqput, globrunqputbatch; globrunq_batch() is globrunqget's size rule.
// The engine is single-threaded, so there are no CASes: a thief "wins" the
// race by being the event that is processed first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/slab.h"

namespace gosim::sim {

inline constexpr std::int32_t kNoG = -1;

// sched.runq: FIFO linked through a per-G link slot (g.schedlink), so a queued
// G costs no allocation. Links live here, indexed by G slot.
class GlobalRunq {
 public:
  void ensure(std::int32_t slots) {
    while (static_cast<std::int32_t>(link_.size()) < slots) link_.emplace_back() = kNoG;
  }
  // globrunqput: tail.
  void put(std::int32_t g) {
    ensure(g + 1);
    link_[static_cast<std::size_t>(g)] = kNoG;
    if (tail_ == kNoG) head_ = g; else link_[static_cast<std::size_t>(tail_)] = g;
    tail_ = g;
    ++size_;
  }
  std::int32_t get() {
    if (head_ == kNoG) return kNoG;
    std::int32_t g = head_;
    head_ = link_[static_cast<std::size_t>(g)];
    if (head_ == kNoG) tail_ = kNoG;
    --size_;
    return g;
  }
  std::int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The Gs in order (tests and deadlock reports only).
  std::vector<std::int32_t> contents() const {
    std::vector<std::int32_t> out;
    for (std::int32_t g = head_; g != kNoG; g = link_[static_cast<std::size_t>(g)]) out.push_back(g);
    return out;
  }

 private:
  // Chunked (2 MiB, huge pages): grows with the G table without copying.
  Slab<std::int32_t, 19> link_;
  std::int32_t head_ = kNoG, tail_ = kNoG;
  std::int64_t size_ = 0;
};

// globrunqget's batch size: min(n, n/gomaxprocs + 1, cap/2, max if max > 0).
inline std::int64_t globrunq_batch(std::int64_t runqsize, std::int64_t gomaxprocs,
                                   std::int64_t local_cap, std::int64_t max = 0) {
  if (runqsize == 0) return 0;
  std::int64_t n = std::min(runqsize, runqsize / gomaxprocs + 1);
  if (max > 0 && n > max) n = max;
  if (n > local_cap / 2) n = local_cap / 2;
  return n;
}

// p.runq (a ring of `cap` slots) plus p.runnext.
class LocalRunq {
 public:
  explicit LocalRunq(std::int64_t cap = 256)
      : ring_(static_cast<std::size_t>(cap), kNoG),
        mask_((cap & (cap - 1)) == 0 ? static_cast<std::uint64_t>(cap - 1) : 0) {}

  std::int64_t cap() const { return static_cast<std::int64_t>(ring_.size()); }
  // Ring length only (what schedtrace prints), without runnext.
  std::int64_t size() const { return static_cast<std::int64_t>(tail_ - head_); }
  std::int32_t runnext() const { return runnext_; }
  // With many Ps the engine's counter flush looks only at the queues that
  // changed since the last flush: every change sets `bit` in `*word` (not
  // owned). An unwatched queue (few Ps, tests) pays one branch.
  void watch(std::uint64_t* word, std::uint64_t bit) {
    dirty_word_ = word;
    dirty_bit_ = bit;
  }
  // The G the next get() returns, or kNoG (the queue is not changed).
  std::int32_t peek() const { return runnext_ != kNoG ? runnext_ : head_ != tail_ ? ring_[idx(head_)] : kNoG; }
  // runqempty: ring empty and no runnext.
  bool empty() const { return head_ == tail_ && runnext_ == kNoG; }

  // runqput. With next, g goes to runnext and the old runnext (if any) is
  // put at the tail instead. If the ring is full, runqputslow moves the
  // cap/2 oldest Gs plus the one being added to the global queue (in order)
  // and returns true.
  bool put(std::int32_t g, bool next, GlobalRunq& global) {
    changed();
    if (next) {
      std::int32_t old = runnext_;
      runnext_ = g;
      if (old == kNoG) return false;
      g = old;
    }
    if (size() < cap()) {
      ring_[idx(tail_++)] = g;
      return false;
    }
    // runqputslow: the oldest half of the ring, then g, as one batch.
    const std::int64_t half = cap() / 2;
    for (std::int64_t i = 0; i < half; ++i) global.put(ring_[idx(head_++)]);
    global.put(g);
    return true;
  }

  // runqget: runnext first (inheritTime = true), then the ring head.
  std::int32_t get(bool* inherit_time) {
    if (runnext_ != kNoG) {
      std::int32_t g = runnext_;
      runnext_ = kNoG;
      changed();
      if (inherit_time) *inherit_time = true;
      return g;
    }
    if (inherit_time) *inherit_time = false;
    if (head_ == tail_) return kNoG;
    changed();
    return ring_[idx(head_++)];
  }

  // runqgrab: take ceil(n/2) from the head of the ring into out (in order);
  // if the ring is empty and steal_runnext, take runnext instead. Returns
  // how many were taken.
  std::int64_t grab(std::vector<std::int32_t>& out, bool steal_runnext) {
    std::int64_t n = size();
    n = n - n / 2;
    if (n == 0) {
      if (steal_runnext && runnext_ != kNoG) {
        out.push_back(runnext_);
        runnext_ = kNoG;
        changed();
        return 1;
      }
      return 0;
    }
    changed();
    for (std::int64_t i = 0; i < n; ++i) out.push_back(ring_[idx(head_++)]);
    return n;
  }

  // runqsteal: grab from victim, append all but the last to this ring, and
  // return the last (which the thief runs). stolen receives the count.
  std::int32_t steal_from(LocalRunq& victim, bool steal_runnext, std::int64_t* stolen,
                          GlobalRunq& global) {
    scratch_.clear();
    std::int64_t n = victim.grab(scratch_, steal_runnext);
    if (stolen) *stolen = n;
    if (n == 0) return kNoG;
    std::int32_t last = scratch_.back();
    for (std::size_t i = 0; i + 1 < scratch_.size(); ++i) put(scratch_[i], false, global);
    return last;
  }

  // The Gs in run order: runnext, then the ring (tests and reports only).
  std::vector<std::int32_t> contents() const {
    std::vector<std::int32_t> out;
    if (runnext_ != kNoG) out.push_back(runnext_);
    for (std::uint64_t i = head_; i != tail_; ++i) out.push_back(ring_[idx(i)]);
    return out;
  }

 private:
  // Ring slot of a position. Go's ring is a power of two (256) and masks;
  // any other configured size takes the division.
  std::size_t idx(std::uint64_t i) const {
    return static_cast<std::size_t>(mask_ != 0 ? (i & mask_) : i % ring_.size());
  }

  void changed() {
    if (dirty_word_) *dirty_word_ |= dirty_bit_;
  }

  std::vector<std::int32_t> ring_;
  std::vector<std::int32_t> scratch_;
  std::uint64_t* dirty_word_ = nullptr;
  std::uint64_t dirty_bit_ = 0;
  std::uint64_t mask_ = 0;  // cap - 1 if cap is a power of two, else 0
  std::uint64_t head_ = 0, tail_ = 0;
  std::int32_t runnext_ = kNoG;
};

}  // namespace gosim::sim
