// Where things are in JSON text. nlohmann::json keeps no source positions, so
// after it has parsed a file this scanner walks the same (now known valid)
// text once and records, for every JSON pointer, where its value and, for an
// object member, its key start. It also finds what nlohmann silently accepts:
// duplicate keys (the parser keeps the last one). A cheap pre-scan bounds the
// nesting depth before any recursive code sees the text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gosim::scenario {

struct TextPos {
  std::int32_t line = 0;    // 1-based; 0 = unknown
  std::int32_t column = 0;  // 1-based, in characters (UTF-8 code points)
};

// Line and column of a byte offset (offset == text.size() is the end of input).
TextPos position_at(std::string_view text, std::size_t offset);

// Offset of the first '[' or '{' nested deeper than max_depth, if any.
// Brackets inside strings don't count. Works on any bytes, valid JSON or not.
std::optional<std::size_t> find_excess_nesting(std::string_view text, int max_depth);

// "/" and "~" in a key become "~1" and "~0" (RFC 6901).
std::string pointer_escape(std::string_view key);

struct DuplicateKey {
  std::string pointer;        // the member's pointer, e.g. "/config/seed"
  std::size_t offset = 0;     // where the repeated key starts
  std::size_t first_offset = 0;  // where its first occurrence starts
};

class JsonLocator {
 public:
  // Scans text that nlohmann has already parsed successfully.
  explicit JsonLocator(std::string_view text);

  // Where the value at `pointer` starts; for a pointer that names nothing
  // (a missing key) the position of its nearest existing ancestor.
  TextPos value(std::string_view pointer) const;
  // Where the key of the member at `pointer` starts (its opening quote); the
  // value's position for array elements and the root.
  TextPos key(std::string_view pointer) const;

  const std::vector<DuplicateKey>& duplicates() const { return duplicates_; }
  TextPos position(std::size_t offset) const;

  // Positions are recorded for at most this many values; beyond it (only in
  // absurdly large files) lookups fall back to the nearest recorded ancestor.
  static constexpr std::size_t kMaxEntries = 1'000'000;

 private:
  struct Entry {
    std::size_t value_offset = 0;
    std::size_t key_offset = 0;
  };
  class Scanner;
  const Entry* find(std::string_view pointer) const;

  std::string_view text_;
  std::vector<std::size_t> line_starts_;
  std::unordered_map<std::string, Entry> entries_;
  std::vector<DuplicateKey> duplicates_;
};

}  // namespace gosim::scenario
