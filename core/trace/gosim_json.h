// gosim's own trace file (docs/trace-format.md): a self-describing header, one
// event per line, and the outcome. Written through a temporary file and
// renamed; read back losslessly (read -> write is byte-identical).
//
// The writer stores at most config limits.max_trace_events events (from the
// header's config); later ones are counted and the outcome says "truncated".
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <string>

#include "trace/atomic_file.h"
#include "trace/sink.h"

namespace gosim::trace {

class GosimJsonWriter final : public TraceSink {
 public:
  // Opens a temporary file beside `path`; null and *error on failure.
  static std::unique_ptr<GosimJsonWriter> create(const std::string& path, std::string* error);
  void begin(const TraceHeader& h) override;
  void event(const Event& e) override;
  void end(const RunOutcome& o) override;
  // Renames the finished file into place; false and *error on failure.
  bool commit(std::string* error);

 private:
  GosimJsonWriter() = default;
  void flush_if_full();
  AtomicFile file_;
  TraceHeader header_;
  std::string buffer_;
  std::int64_t count_ = 0;     // events written
  std::int64_t limit_ = -1;    // limits.max_trace_events; -1: none
  std::int64_t dropped_ = 0;   // events beyond the limit
  bool begun_ = false;
  bool ended_ = false;
};

// Limits on what the reader accepts, so a hostile file cannot exhaust memory.
struct ReadLimits {
  std::int64_t max_events = 200'000'000;     // besides the header's limits.max_trace_events
  std::size_t max_line = 64u << 20;          // bytes in one line (the header line is the longest)
};

// The whole file as text (used by the writer and by tests).
std::string to_gosim_json(const Trace& t);

// Reads a gosim trace file; nullopt and *error (with line:column) on failure.
std::optional<Trace> read_gosim_json(const std::string& path, std::string* error,
                                     const ReadLimits& limits = {});
std::optional<Trace> parse_gosim_json(std::string_view text, std::string* error,
                                      const ReadLimits& limits = {});

}  // namespace gosim::trace
