// Where events go. Engines emit into a TraceSink; a recording sink keeps them,
// writers stream them to files, the summary sink folds them into metrics. A
// run can feed several at once through TeeSink, so a 1M-goroutine run that is
// only summarised never stores its events.
#pragma once

#include <cstdint>
#include <vector>

#include "trace/event.h"

namespace gosim::trace {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void begin(const TraceHeader& header) { (void)header; }
  virtual void event(const Event& e) = 0;
  virtual void end(const RunOutcome& outcome) { (void)outcome; }
};

class NullSink final : public TraceSink {
 public:
  void event(const Event&) override {}
};

class TeeSink final : public TraceSink {
 public:
  explicit TeeSink(std::vector<TraceSink*> sinks) : sinks_(std::move(sinks)) {}
  void begin(const TraceHeader& h) override {
    for (TraceSink* s : sinks_) s->begin(h);
  }
  void event(const Event& e) override {
    for (TraceSink* s : sinks_) s->event(e);
  }
  void end(const RunOutcome& o) override {
    for (TraceSink* s : sinks_) s->end(o);
  }

 private:
  std::vector<TraceSink*> sinks_;
};

// A whole trace in memory.
struct Trace {
  TraceHeader header;
  std::vector<Event> events;
  RunOutcome outcome;
  // Events beyond config limits.max_trace_events that a writer did not store
  // (the file says "truncated"); 0 for a complete trace.
  std::int64_t events_dropped = 0;
  bool operator==(const Trace&) const = default;
};

class RecordingSink final : public TraceSink {
 public:
  void begin(const TraceHeader& h) override { trace_.header = h; }
  void event(const Event& e) override { trace_.events.push_back(e); }
  void end(const RunOutcome& o) override { trace_.outcome = o; }
  const Trace& trace() const { return trace_; }
  Trace take() { return std::move(trace_); }

 private:
  Trace trace_;
};

// Feeds a stored trace to a sink, as if it were being produced now.
inline void replay(const Trace& t, TraceSink& sink) {
  sink.begin(t.header);
  for (const Event& e : t.events) sink.event(e);
  sink.end(t.outcome);
}

}  // namespace gosim::trace
