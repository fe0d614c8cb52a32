// Per-M trace buffers and their merge (see tracebuf.h).
#include "runtime/tracebuf.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>

namespace gosim::runtime {

void TraceBuf::grow() {
  const bool first = chunks.empty();
  const std::size_t bytes = first ? kFirstChunkBytes : kChunkBytes;
  void* mem = nullptr;
  if (first) {
    mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  } else {
    // Over-map by one chunk and trim to a 2 MiB boundary: an aligned 2 MiB
    // range is what a transparent huge page needs.
    void* raw = ::mmap(nullptr, 2 * bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw != MAP_FAILED) {
      auto base = reinterpret_cast<std::uintptr_t>(raw);
      std::uintptr_t aligned = (base + bytes - 1) & ~(static_cast<std::uintptr_t>(bytes) - 1);
      if (aligned > base) ::munmap(raw, aligned - base);
      std::uintptr_t end = aligned + bytes;
      if (base + 2 * bytes > end) ::munmap(reinterpret_cast<void*>(end), base + 2 * bytes - end);
      mem = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
      ::madvise(mem, bytes, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
#endif
    } else {
      mem = MAP_FAILED;
    }
  }
  if (mem == MAP_FAILED) {
    std::fprintf(stderr, "gosim: fatal error: out of memory for the trace buffer\n");
    std::abort();
  }
  if (!chunks.empty()) chunks.back().used = used;
  cur = static_cast<Slot*>(mem);
  cap = bytes / sizeof(Slot);
  used = 0;
  chunks.push_back({cur, cap, 0, bytes});
}

TraceBuf::~TraceBuf() {
  for (const Chunk& c : chunks) ::munmap(c.slots, c.bytes);
}

std::vector<trace::Event> TraceBuf::events() const {
  std::vector<trace::Event> v;
  v.reserve(static_cast<std::size_t>(count));
  for (std::size_t c = 0; c < chunks.size(); c++) {
    const Slot* s = chunks[c].slots;
    const Slot* end = s + (c + 1 == chunks.size() ? used : chunks[c].used);
    while (s < end) {
      if (s->flags & kFull) {
        trace::Event e;
        std::memcpy(static_cast<void*>(&e), s + 1, sizeof e);  // Event is trivially copyable
        v.push_back(e);
        s += 3;
      } else {
        v.push_back(trace::Event{s->t, s->kind, s->reason, s->why, s->g, s->p, static_cast<std::int32_t>(s->m1) - 1,
                                 s->a0, (s->flags & kA1Minus1) ? -1 : 0, 0});
        s += 1;
      }
    }
  }
  return v;
}

std::vector<trace::Event> merge_traces(const std::vector<TraceBuf*>& bufs) {
  // Each buffer is nondecreasing in t (stamps are clamped to the buffer's
  // tlast) except for events stamped by trace_event_at with a time of their
  // own; such a buffer gets a stable sort, which keeps per-M order on ties.
  std::vector<std::vector<trace::Event>> lists;
  std::size_t total = 0;
  for (TraceBuf* b : bufs) {
    if (!b || b->count == 0) continue;
    std::vector<trace::Event> v = b->events();
    auto by_t = [](const trace::Event& x, const trace::Event& y) { return x.t < y.t; };
    if (!std::is_sorted(v.begin(), v.end(), by_t)) std::stable_sort(v.begin(), v.end(), by_t);
    total += v.size();
    lists.push_back(std::move(v));
  }
  if (lists.size() == 1) return std::move(lists[0]);
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
