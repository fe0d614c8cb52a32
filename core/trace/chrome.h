// Chrome Trace Event JSON (opens in Perfetto and chrome://tracing): one track
// per P and per M, G slices named after their function, run-queue counters,
// instants for steals and hand-offs, flow arrows from waker to woken G.
#pragma once

#include <memory>
#include <string>

#include "trace/atomic_file.h"
#include "trace/sink.h"

namespace gosim::trace {

class ChromeTraceWriter final : public TraceSink {
 public:
  static std::unique_ptr<ChromeTraceWriter> create(const std::string& path, std::string* error);
  ~ChromeTraceWriter() override;
  void begin(const TraceHeader& h) override;
  void event(const Event& e) override;
  void end(const RunOutcome& o) override;
  bool commit(std::string* error);

 private:
  ChromeTraceWriter();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gosim::trace
