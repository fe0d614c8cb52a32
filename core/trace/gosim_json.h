// gosim's own trace file (docs/trace-format.md): a self-describing header, one
// event per line, and the outcome. Written through a temporary file and
// renamed; read back losslessly (read -> write is byte-identical).
#pragma once

#include <memory>
#include <optional>
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
  AtomicFile file_;
  TraceHeader header_;
  std::string buffer_;
  std::int64_t count_ = 0;
};

// The whole file as text (used by the writer and by tests).
std::string to_gosim_json(const Trace& t);

// Reads a gosim trace file; nullopt and *error (with line:column) on failure.
std::optional<Trace> read_gosim_json(const std::string& path, std::string* error);
std::optional<Trace> parse_gosim_json(std::string_view text, std::string* error);

}  // namespace gosim::trace
