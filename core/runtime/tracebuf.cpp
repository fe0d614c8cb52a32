// Merging per-M trace buffers (see tracebuf.h).
#include "runtime/tracebuf.h"

#include <algorithm>
#include <queue>

namespace gosim::runtime {

std::vector<trace::Event> merge_traces(const std::vector<TraceBuf*>& bufs) {
  // Each buffer is already sorted by t except where causality stamps (tlast)
  // pushed an event 1 ns past the clock; a stable sort of each, then a k-way
  // merge, keeps per-M order on ties.
  std::vector<std::vector<trace::Event>> lists;
  std::size_t total = 0;
  for (TraceBuf* b : bufs) {
    if (!b || b->count == 0) continue;
    std::vector<trace::Event> v;
    v.reserve(static_cast<std::size_t>(b->count));
    for (std::size_t c = 0; c < b->chunks.size(); c++) {
      std::size_t n = (c + 1 == b->chunks.size()) ? b->used : TraceBuf::kChunk;
      v.insert(v.end(), b->chunks[c].get(), b->chunks[c].get() + n);
    }
    std::stable_sort(v.begin(), v.end(), [](const trace::Event& a, const trace::Event& b) { return a.t < b.t; });
    total += v.size();
    lists.push_back(std::move(v));
  }
  std::vector<trace::Event> out;
  out.reserve(total);
  using Head = std::pair<std::int64_t, std::pair<std::size_t, std::size_t>>;  // t, (list, index)
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  for (std::size_t i = 0; i < lists.size(); i++) heap.push({lists[i][0].t, {i, 0}});
  while (!heap.empty()) {
    auto [t, li] = heap.top();
    heap.pop();
    auto [l, i] = li;
    out.push_back(lists[l][i]);
    if (i + 1 < lists[l].size()) heap.push({lists[l][i + 1].t, {l, i + 1}});
  }
  return out;
}

}  // namespace gosim::runtime
