// Per-M trace buffers (Go: trace.go keeps per-P buffers; we keep per-M ones,
// like Go 1.22's tracer). Only the thread running an M appends to its buffer,
// so the hot path is a bounds check and a store: no lock, no atomic. At the
// end of the run every buffer is merged by time (merge_traces).
//
// Stamps: a clock read costs ~20-40 ns (vDSO clock_gettime; rdtsc alone is
// ~20 ns on the VMs we measured), as much as the rest of an event, so events
// share stamps the way Go's tracer shares a P's ticks: the scheduler reads
// the clock once per switch (and compute, syscalls, the first event after a
// sleep read it anyway) and stores the reading in `clock`; the events of that
// switch (GoBlock, GoStart, the wake-ups done by the G since) use it. A
// G-side event is therefore stamped with the M's latest reading: never later
// than the event, early by at most the time the G ran since that reading
// without computing, sleeping or making a syscall.
//
// Causality: an event about a G or P that another M will continue (GoUnblock
// then GoStart, ProcStop then ProcStart) is stamped before the object is
// published and the next one after it is taken; stamps are also made strictly
// increasing per G and per P (tlast), so equal or stale stamps on two Ms
// cannot reorder a G's own events in the merged trace. Per buffer, stamps are
// nondecreasing (TraceBuf::tlast), so the merge needs no sort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trace/event.h"

namespace gosim::runtime {

struct TraceBuf {
  // Chunks are mmap'ed: the first is small (most Ms trace little), the next
  // ones 2 MiB, 2 MiB-aligned and advised MADV_HUGEPAGE, so one page fault
  // maps 43,690 events instead of 85 (4 KiB faults were a third of the
  // tracing cost). Nothing is constructed in advance: emit writes each event.
  static constexpr std::size_t kFirstChunkBytes = 64 * 1024;
  static constexpr std::size_t kChunkBytes = 2 * 1024 * 1024;

  struct Chunk {
    trace::Event* events = nullptr;
    std::size_t cap = 0;    // events
    std::size_t bytes = 0;  // mapped
  };
  std::vector<Chunk> chunks;
  trace::Event* cur = nullptr;  // the last chunk
  std::size_t used = 0;         // in the last chunk
  std::size_t cap = 0;          // of the last chunk
  std::int64_t count = 0;
  std::int64_t clock = 0;  // the M's latest clock reading (run time, ns): the shared stamp
  std::int64_t tlast = 0;  // the latest stamp written here (stamps are nondecreasing)

  TraceBuf() = default;
  TraceBuf(const TraceBuf&) = delete;
  TraceBuf& operator=(const TraceBuf&) = delete;
  ~TraceBuf();

  bool full() const { return used == cap; }
  // Events the next chunk holds (the trace limit is accounted per chunk).
  std::size_t next_chunk_events() const {
    return (chunks.empty() ? kFirstChunkBytes : kChunkBytes) / sizeof(trace::Event);
  }
  trace::Event* next() {
    if (used == cap) grow();
    count++;
    return cur + used++;
  }
  // Records a clock reading (run time) made by the scheduler anyway.
  void saw_clock(std::int64_t t) {
    if (t > clock) clock = t;
  }

 private:
  void grow();
};

// Merges the buffers into one time-ordered list (stable: an M's own events
// keep their order on equal stamps).
std::vector<trace::Event> merge_traces(const std::vector<TraceBuf*>& bufs);

}  // namespace gosim::runtime
