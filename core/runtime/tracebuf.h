// Per-M trace buffers (Go: trace.go keeps per-P buffers; we keep per-M ones,
// like Go 1.22's tracer). Only the thread running an M appends to its buffer,
// so the hot path is a bounds check and a store: no lock, no atomic. At the
// end of the run every buffer is merged by time (merge_traces).
//
// Causality: an event about a G or P that another M will continue (GoUnblock
// then GoStart, ProcStop then ProcStart) is stamped before the object is
// published and the next one after it is taken; stamps are also made strictly
// increasing per G and per P (tlast), so equal nanosecond clocks on two CPUs
// cannot reorder a G's own events in the merged trace.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "trace/event.h"

namespace gosim::runtime {

struct TraceBuf {
  static constexpr std::size_t kChunk = 8192;
  std::vector<std::unique_ptr<trace::Event[]>> chunks;
  std::size_t used = kChunk;  // in the last chunk
  std::int64_t count = 0;

  trace::Event* next() {
    if (used == kChunk) {
      chunks.emplace_back(new trace::Event[kChunk]);
      used = 0;
    }
    count++;
    return &chunks.back()[used++];
  }
};

// Merges the buffers into one time-ordered list (stable: an M's own events
// keep their order on equal stamps).
std::vector<trace::Event> merge_traces(const std::vector<TraceBuf*>& bufs);

}  // namespace gosim::runtime
