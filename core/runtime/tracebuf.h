// Per-M trace buffers (Go: trace.go keeps per-P buffers; we keep per-M ones,
// like Go 1.22's tracer). Only the thread running an M appends to its buffer,
// so the hot path is a bounds check and a 16-byte store: no lock, no atomic.
// At the end of the run every buffer is merged by time (merge_traces).
//
// Clock: stamps are cputicks (nanotime.h): a raw rdtsc (~15-17 ns of CPU on
// the VM we measured, against ~30 for clock_gettime) when /proc/cpuinfo says
// the TSC is invariant (constant_tsc and nonstop_tsc), else nanotime. They
// become trace time (ns since the run's start) only at the merge, through the
// straight line between two (ticks, nanotime) pairs taken at the run's start
// and end (TraceClock), as Go's trace converts cputicks with the ticks per
// second it measures over the trace. Error of a stamp against nanotime: the
// pairs' error (half a clock_gettime, ~15 ns, TraceClock::pair_err) plus any
// change in the TSC/CLOCK_MONOTONIC rate during the run (NTP slewing: at most
// 500 ppm of the run, in practice far less), plus < 1 ns per 2 s of run from
// the fixed-point multiplier; the order of events is exactly the TSC's.
//
// Shared stamps: even an rdtsc per event would be 6 per round trip of the
// ping-pong, so events share stamps the way Go's tracer shares a P's ticks:
// the scheduler reads the clock once per switch (and compute, syscalls, the
// first event after a sleep read it anyway) and stores the reading in
// `clock`; the events of that switch (GoBlock, GoStart, the wake-ups done by
// the G since) use it. A G-side event is therefore stamped with the M's
// latest reading: never later than the event, early by at most the time the
// G ran since that reading without computing, sleeping or making a syscall.
//
// Causality: an event about a G or P that another M will continue (GoUnblock
// then GoStart, ProcStop then ProcStart) is stamped before the object is
// published and the next one after it is taken; stamps are also made strictly
// increasing per G and per P (tlast, in ticks), so equal or stale stamps on
// two Ms cannot reorder a G's own events. The merge orders by ticks and, as
// a ns holds ~2 ticks, raises a stamp that would tie its G's or P's previous
// one by 1 ns, so the same holds in the merged trace. Per buffer, stamps are
// nondecreasing (TraceBuf::tlast), so the merge needs no sort.
//
// Cost (docs/runtime.md, "Tracing cost"): what remains on the hot path is the
// rdtsc per switch (~30 ns of CPU per ping-pong round trip: the floor), the
// stamp ordering and the record stores (~30 ns per round trip, ~5 per event,
// plus the page faults of fresh memory); decoding, the tick map and the merge
// run at the end (~33 ns of CPU per event).
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "trace/event.h"

namespace gosim::runtime {

// The map from the stamps in the buffers (cputicks, nanotime.h) to trace time
// (ns since the run's start), like Go's trace header's ticks per second: two
// (ticks, nanotime) pairs, at the run's start and end, and the straight line
// through them. Without a usable TSC, ticks are nanotime and the map is exact.
struct TraceClock {
  bool tsc = false;        // ticks are TSC cycles (else nanotime)
  std::int64_t start = 0;  // nanotime of trace time 0 (Sched::start)
  std::int64_t tick0 = 0, ns0 = 0;  // the pair at the start (ns0: nanotime)
  std::int64_t tick1 = 0, ns1 = 0;  // the pair at the end
  std::int64_t pair_err = 0;        // ns: half the widest nanotime bracket of a pair
  std::int64_t mult = 0;            // ns per tick, 32.32 fixed point (map_from)

  // Whether the TSC ticks at a constant rate, also in deep C-states, so a
  // linear map holds (/proc/cpuinfo: constant_tsc and nonstop_tsc); cached.
  static bool tsc_usable();
  static inline bool tsc_disabled = false;  // tests: runs use the nanotime fallback
  // The run begins at nanotime `run_start`: sets cputicks_tsc (use_tsc false
  // forces nanotime ticks, for tests) and takes the first pair.
  void begin(std::int64_t run_start, bool use_tsc);
  // No more events: the second pair.
  void end();
  // Sets the two pairs (end() does; tests too) and the multiplier.
  void map_from(std::int64_t t0, std::int64_t n0, std::int64_t t1, std::int64_t n1);
  // Trace time (ns since start) of a stamp, and the ns of a tick duration.
  std::int64_t to_ns(std::int64_t ticks) const;
  std::int64_t dur_ns(std::int64_t ticks) const;
};

struct TraceBuf {
  // Chunks are mmap'ed: the first is small (most Ms trace little), the next
  // ones 2 MiB, 2 MiB-aligned and advised MADV_HUGEPAGE, so one page fault
  // maps 87,000 events instead of 170 (4 KiB faults, and on a VM the host's
  // faults behind them, were a third of the tracing cost). Nothing is
  // constructed in advance: put() writes each record.
  static constexpr std::size_t kFirstChunkBytes = 64 * 1024;
  static constexpr std::size_t kChunkBytes = 2 * 1024 * 1024;

  // A record is one 16-byte slot when the event fits, which the hot events
  // (GoStart, GoBlock, GoUnblock, GoSched, GoPreempt) do: its stamp as a
  // delta from the previous record's, its M the buffer's owner, its P the
  // previous full record's (an M changes P rarely), a0 in 32 bits, a1 0 or
  // -1, no a2. Otherwise a slot flagged kFull followed by the whole
  // trace::Event in the next three slots (explicitly stamped events that go
  // back in time, events about another M or a new P). Fresh memory costs per
  // byte (page faults, reads for ownership), so records are small.
  struct Slot {
    std::uint32_t dt;  // ticks since the previous record's stamp
    trace::EventKind kind;
    std::uint8_t reason;
    trace::Why why;
    std::uint8_t flags;  // kA1Minus1, kFull, kA0Ticks
    std::int32_t g;
    std::int32_t a0;
  };
  static_assert(sizeof(Slot) == 16 && 3 * sizeof(Slot) == sizeof(trace::Event));
  static constexpr std::uint8_t kA1Minus1 = 1;  // a1 is -1 (else 0)
  static constexpr std::uint8_t kFull = 2;      // the next three slots hold the trace::Event
  static constexpr std::uint8_t kA0Ticks = 4;   // a0 is a duration in ticks (GoPreempt's slice)
  static constexpr std::size_t kFullSlots = 4;
  static constexpr std::size_t kPrefetchAhead = 24;  // slots (384 bytes)
  static constexpr std::int32_t kNoP = INT32_MIN;   // before the first full record

  struct Chunk {
    Slot* slots = nullptr;
    std::size_t cap = 0;    // slots
    std::size_t used = 0;   // slots written (the last chunk: TraceBuf::used)
    std::size_t bytes = 0;  // mapped
  };
  std::vector<Chunk> chunks;
  Slot* cur = nullptr;   // the last chunk
  std::size_t used = 0;  // slots, in the last chunk
  std::size_t cap = 0;   // slots, of the last chunk
  std::int64_t count = 0;  // events
  std::int64_t clock = 0;  // the M's latest clock reading (cputicks): the shared stamp
  std::int64_t tlast = 0;  // the latest stamp made for here (order_stamp, sched.cpp)
  std::int32_t mid = -1;   // the M that owns the buffer (compact records' m)
  std::int64_t tprev = 0;  // the previous record's stamp (compact records' base)
  std::int32_t lastp = kNoP;  // the previous full record's P (compact records' p)
  // How to read the stamps (shared by a run's buffers); none: they are ns.
  std::shared_ptr<TraceClock> tclock;

  TraceBuf() = default;
  TraceBuf(const TraceBuf&) = delete;
  TraceBuf& operator=(const TraceBuf&) = delete;
  ~TraceBuf();

  // True when the next put() starts a new chunk (room is kept for a full record).
  bool full() const { return cap - used < kFullSlots; }
  // Slots the next chunk holds (the trace limit is accounted per chunk).
  std::size_t next_chunk_events() const {
    return (chunks.empty() ? kFirstChunkBytes : kChunkBytes) / sizeof(Slot);
  }
  void put(std::int64_t t, trace::EventKind k, std::uint8_t reason, trace::Why why, std::int32_t g, std::int32_t p,
           std::int32_t m, std::int64_t a0, std::int64_t a1, std::int64_t a2, std::uint8_t flags = 0) {
    if (full()) grow();
    count++;
    Slot* s = cur + used;
    // Fetch the line a few records ahead for writing: the fresh line's read
    // for ownership then overlaps the scheduler's work instead of stalling
    // its next locked instruction (a prefetch past the chunk is harmless).
    __builtin_prefetch(s + kPrefetchAhead, 1);
    const std::uint64_t dt = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(tprev);
    tprev = t;
    if (dt <= 0xFFFFFFFFu && m == mid && p == lastp && a0 == static_cast<std::int32_t>(a0) &&
        (a1 == 0 || a1 == -1) && a2 == 0) [[likely]] {
      *s = Slot{static_cast<std::uint32_t>(dt), k, reason, why,
                static_cast<std::uint8_t>(flags | (a1 ? kA1Minus1 : 0)), g, static_cast<std::int32_t>(a0)};
      used += 1;
      return;
    }
    *s = Slot{0, k, reason, why, static_cast<std::uint8_t>(flags | kFull), g, 0};
    ::new (static_cast<void*>(s + 1)) trace::Event{t, k, reason, why, g, p, m, a0, a1, a2};
    lastp = p;
    used += kFullSlots;
  }
  // Records a clock reading (run time) made by the scheduler anyway.
  void saw_clock(std::int64_t t) {
    if (t > clock) clock = t;
  }
  // The events, decoded, in the order they were put: stamps as put (ticks;
  // merge_traces maps them), durations put in ticks (kA0Ticks) in ns.
  std::vector<trace::Event> events() const;

 private:
  void grow();
};

// Merges the buffers into one time-ordered list (stable: an M's own events
// keep their order on equal stamps), by ticks, then maps ticks to trace time
// (the buffers' TraceClock), keeping stamps nondecreasing and strictly
// increasing per G and per P in nanoseconds too (see above).
std::vector<trace::Event> merge_traces(const std::vector<TraceBuf*>& bufs);

}  // namespace gosim::runtime
