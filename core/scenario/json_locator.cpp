#include "scenario/json_locator.h"

#include <algorithm>
#include <unordered_set>

namespace gosim::scenario {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

TextPos position_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  TextPos p{1, 1};
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else if (!is_continuation(text[i])) {
      ++p.column;
    }
  }
  return p;
}

std::optional<std::size_t> find_excess_nesting(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return std::nullopt;
}

std::string pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// A recursive walk over valid JSON; depth is bounded by find_excess_nesting
// beforehand. Every read is bounds-checked anyway, so malformed text only
// ends the scan early.
class JsonLocator::Scanner {
 public:
  Scanner(JsonLocator& loc, std::string_view text) : loc_(loc), t_(text) {}

  void run() {
    std::string pointer;
    skip_ws();
    value(pointer, i_, i_);
  }

 private:
  bool at_end() const { return i_ >= t_.size(); }
  char peek() const { return at_end() ? '\0' : t_[i_]; }

  void skip_ws() {
    while (!at_end() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }

  void record(const std::string& pointer, std::size_t value_offset, std::size_t key_offset) {
    if (loc_.entries_.size() < kMaxEntries) loc_.entries_.emplace(pointer, Entry{value_offset, key_offset});
  }

  void value(std::string& pointer, std::size_t value_offset, std::size_t key_offset) {
    record(pointer, value_offset, key_offset);
    switch (peek()) {
      case '{': object(pointer); return;
      case '[': array(pointer); return;
      case '"': string(nullptr); return;
      default:
        // Number or literal: runs until a delimiter.
        while (!at_end() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']' && t_[i_] != ' ' &&
               t_[i_] != '\t' && t_[i_] != '\n' && t_[i_] != '\r') {
          ++i_;
        }
        return;
    }
  }

  void object(std::string& pointer) {
    ++i_;  // '{'
    std::unordered_map<std::string, std::size_t> seen;
    for (;;) {
      skip_ws();
      if (at_end()) return;
      if (peek() == '}') {
        ++i_;
        return;
      }
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '"') return;
      std::size_t key_offset = i_;
      std::string key;
      string(&key);
      skip_ws();
      if (peek() != ':') return;
      ++i_;
      skip_ws();
      std::size_t size = pointer.size();
      pointer += '/';
      pointer += pointer_escape(key);
      auto [it, inserted] = seen.emplace(key, key_offset);
      if (!inserted) loc_.duplicates_.push_back({pointer, key_offset, it->second});
      // The first occurrence keeps its position: lookups should point at the
      // key the reader sees first. (nlohmann keeps the last value; duplicates
      // are errors anyway.)
      if (inserted) {
        value(pointer, i_, key_offset);
      } else {
        std::string ignored = pointer + "\x01dup";  // never a valid pointer lookup
        value(ignored, i_, key_offset);
      }
      pointer.resize(size);
    }
  }

  void array(std::string& pointer) {
    ++i_;  // '['
    std::size_t index = 0;
    for (;;) {
      skip_ws();
      if (at_end()) return;
      if (peek() == ']') {
        ++i_;
        return;
      }
      if (peek() == ',') {
        ++i_;
        continue;
      }
      std::size_t size = pointer.size();
      pointer += '/';
      pointer += std::to_string(index++);
      std::size_t start = i_;
      value(pointer, start, start);
      pointer.resize(size);
      if (i_ == start) return;  // no progress: not JSON after all
    }
  }

  // Reads a string starting at '"'; decodes it into *out if out is given.
  void string(std::string* out) {
    ++i_;  // '"'
    while (!at_end()) {
      char c = t_[i_++];
      if (c == '"') return;
      if (c != '\\') {
        if (out) *out += c;
        continue;
      }
      if (at_end()) return;
      char e = t_[i_++];
      if (!out) {
        continue;
      }
      switch (e) {
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < t_.size() && t_[i_] == '\\' && t_[i_ + 1] == 'u') {
            i_ += 2;
            std::uint32_t low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(*out, cp);
          break;
        }
        default: *out += e; break;  // '"', '\\', '/'
      }
    }
  }

  std::uint32_t hex4() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4 && !at_end(); ++k) {
      char h = t_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<std::uint32_t>(h - 'A' + 10);
    }
    return v;
  }

  JsonLocator& loc_;
  std::string_view t_;
  std::size_t i_ = 0;
};

JsonLocator::JsonLocator(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
  Scanner(*this, text).run();
}

TextPos JsonLocator::position(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());  // 1-based
  std::size_t start = line_starts_[line - 1];
  std::int32_t column = 1;
  for (std::size_t i = start; i < offset; ++i) {
    if (!is_continuation(text_[i])) ++column;
  }
  return {static_cast<std::int32_t>(line), column};
}

const JsonLocator::Entry* JsonLocator::find(std::string_view pointer) const {
  std::string p(pointer);
  for (;;) {
    auto it = entries_.find(p);
    if (it != entries_.end()) return &it->second;
    if (p.empty()) return nullptr;
    p.resize(p.rfind('/'));
  }
}

TextPos JsonLocator::value(std::string_view pointer) const {
  const Entry* e = find(pointer);
  return e ? position(e->value_offset) : TextPos{};
}

TextPos JsonLocator::key(std::string_view pointer) const {
  const Entry* e = find(pointer);
  return e ? position(e->key_offset) : TextPos{};
}

}  // namespace gosim::scenario
