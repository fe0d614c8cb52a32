// Per-goroutine state keyed by goroutine id, for the trace consumers (the
// summary) that follow every G of a run.
//
// Goroutine ids are dense and only grow (Go's goidgen; both engines number
// Gs the same way), so pages of 4096 consecutive ids replace a hash map: a
// lookup is two loads, a live G costs sizeof(T) plus a bit, and a page is
// freed when the last of its Gs is erased. A million live Gs in a hash map
// cost ~60 bytes and a hashed probe each; the summary was the slowest part
// of `gosim run` on large scenarios.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace gosim::trace {

template <class T>
class IdTable {
 public:
  // Ids outside [0, kMaxId] (a corrupt trace) are never stored.
  static constexpr std::int64_t kMaxId = INT32_MAX;

  T* find(std::int64_t id) {
    Page* pg = page(id);
    if (!pg || !pg->live.test(slot(id))) return nullptr;
    return &pg->values[slot(id)];
  }
  bool contains(std::int64_t id) { return find(id) != nullptr; }

  // The entry for id, value-initialised if it was absent; nullptr only for an
  // id outside the range.
  T* get(std::int64_t id) {
    if (id < 0 || id > kMaxId) return nullptr;
    const auto pi = static_cast<std::size_t>(id >> kShift);
    if (pi >= pages_.size()) pages_.resize(pi + 1);
    if (!pages_[pi]) pages_[pi] = std::make_unique<Page>();
    Page& pg = *pages_[pi];
    if (!pg.live.test(slot(id))) {
      pg.live.set(slot(id));
      pg.values[slot(id)] = T{};
      ++pg.count;
      ++size_;
    }
    return &pg.values[slot(id)];
  }

  // Returns whether id was present.
  bool erase(std::int64_t id) {
    Page* pg = page(id);
    if (!pg || !pg->live.test(slot(id))) return false;
    pg->live.reset(slot(id));
    --size_;
    if (--pg->count == 0) pages_[static_cast<std::size_t>(id >> kShift)].reset();
    return true;
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr unsigned kShift = 12;
  static constexpr std::size_t kPage = std::size_t{1} << kShift;
  struct Page {
    T values[kPage];
    std::bitset<kPage> live;
    std::size_t count = 0;
  };
  static std::size_t slot(std::int64_t id) { return static_cast<std::size_t>(id) & (kPage - 1); }
  Page* page(std::int64_t id) {
    if (id < 0) return nullptr;
    const auto pi = static_cast<std::size_t>(id >> kShift);
    return pi < pages_.size() ? pages_[pi].get() : nullptr;
  }

  std::vector<std::unique_ptr<Page>> pages_;
  std::size_t size_ = 0;
};

}  // namespace gosim::trace
