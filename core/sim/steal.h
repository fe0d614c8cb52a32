// The victim order of stealWork: proc.go:randomOrder / randomEnum.
//
// Each steal round visits every P exactly once, starting at a random P and
// moving by a random stride coprime with GOMAXPROCS. Both are drawn from the
// scheduler's seeded stream, so runs are reproducible.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

namespace gosim::sim {

class RandomOrder {
 public:
  // stealOrder.reset(count): the coprimes of count in [1, count].
  void reset(std::int32_t count) {
    count_ = count;
    coprimes_.clear();
    for (std::int32_t i = 1; i <= count; ++i) {
      if (std::gcd(i, count) == 1) coprimes_.push_back(i);
    }
  }
  std::int32_t count() const { return count_; }

  // randomEnum from one random number, as Go does with fastrand():
  // start = r % count, stride = coprimes[(r / count) % len(coprimes)].
  struct Enum {
    std::int32_t i = 0, count = 0, pos = 0, inc = 1;
    bool done() const { return i == count; }
    void next() {
      ++i;
      pos += inc;  // (pos + inc) % count without a division: inc <= count
      if (pos >= count) pos -= count;
    }
    std::int32_t position() const { return pos; }
  };
  Enum start(std::uint32_t r) const {
    Enum e;
    e.count = count_;
    e.pos = static_cast<std::int32_t>(r % static_cast<std::uint32_t>(count_));
    e.inc = coprimes_[(r / static_cast<std::uint32_t>(count_)) % coprimes_.size()];
    return e;
  }

 private:
  std::int32_t count_ = 0;
  std::vector<std::int32_t> coprimes_;
};

}  // namespace gosim::sim
