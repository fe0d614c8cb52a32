// gosim's JSON trace: writer and reader (docs/trace-format.md).
//
// The file is one JSON document laid out in lines, so `jq` and Python can load
// it whole while gosim streams it:
//
//   {"format":"gosim-trace","version":1,
//   "header":{...},                    one line
//   "events":[
//   {"t":0,"ev":"GoCreate",...},       one event per line
//   ...
//   ],
//   "outcome":{...}                    one line
//   }
//
// Events are formatted by hand into a buffer (no nlohmann per event): a 1M
// goroutine run writes tens of millions of them. Fields with their default
// value are left out, in a fixed order, so reading and writing again gives the
// same bytes. The reader relies on this line layout and reports line:column.
#include "trace/gosim_json.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cctype>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace gosim::trace {
namespace {

using json = nlohmann::json;

constexpr std::string_view kLine1 = R"({"format":"gosim-trace","version":)";
constexpr std::size_t kFlushBytes = 1u << 20;

// ---------------------------------------------------------------- writing

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + start, s.size() - start);
}

void append_int(std::string& out, std::int64_t v) {
  fmt::format_int f(v);
  out.append(f.data(), f.size());
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The limit the header's config asks for, or -1.
std::int64_t trace_limit(const TraceHeader& h) {
  if (!h.config.is_object()) return -1;
  auto limits = h.config.find("limits");
  if (limits == h.config.end() || !limits->is_object()) return -1;
  auto max = limits->find("max_trace_events");
  if (max == limits->end() || !max->is_number_integer()) return -1;
  std::int64_t v = max->get<std::int64_t>();
  return v < 0 ? -1 : v;
}

void append_header(std::string& out, const TraceHeader& h) {
  // Each JSON value follows the literal text before it (key, separators).
  auto value = [&](std::string_view before, const json& v) {
    out += before;
    out += dump(v);
  };
  out += kLine1;
  append_int(out, h.version);
  value(",\n\"header\":{\"mode\":", h.mode);
  value(",\"clock\":", h.clock);
  value(",\"gosim_version\":", h.gosim_version);
  value(",\"scenario\":{\"name\":", h.scenario_name);
  value(",\"hash\":", h.scenario_hash);
  value(",\"description\":", h.scenario_description);
  out += "},\"gomaxprocs\":";
  append_int(out, h.gomaxprocs);
  value(",\"names\":{\"functions\":", h.functions);
  value(",\"channels\":", h.channels);
  value(",\"mutexes\":", h.mutexes);
  value(",\"waitgroups\":", h.waitgroups);
  value("},\"config\":", h.config);
  out += "},\n\"events\":[";
}

// Fixed-size formatting for the part of an event line before its text: no
// strlen, no capacity checks per field.
class LineBuf {
 public:
  void lit(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void num(std::int64_t v) {
    fmt::format_int f(v);
    std::memcpy(p_, f.data(), f.size());
    p_ += f.size();
  }
  void quoted(std::string_view s) {
    *p_++ = '"';
    lit(s);
    *p_++ = '"';
  }
  std::string_view view() const { return {buf_, static_cast<std::size_t>(p_ - buf_)}; }

 private:
  // Longest line: 10 keys, 6 numbers of 20 digits, 3 names well under 64 bytes.
  char buf_[512];
  char* p_ = buf_;
};

// One event line, preceded by the separator from the previous one.
void append_event(std::string& out, const Event& e, const TraceHeader& h, bool first) {
  using namespace std::literals;
  LineBuf b;
  b.lit(first ? "\n{\"t\":"sv : ",\n{\"t\":"sv);
  b.num(e.t);
  b.lit(",\"ev\":"sv);
  std::string_view kind = kind_name(e.kind);
  if (kind.empty()) b.num(static_cast<int>(e.kind));
  else b.quoted(kind);
  if (e.g != -1) {
    b.lit(",\"g\":"sv);
    b.num(e.g);
  }
  if (e.p != -1) {
    b.lit(",\"p\":"sv);
    b.num(e.p);
  }
  if (e.m != -1) {
    b.lit(",\"m\":"sv);
    b.num(e.m);
  }
  // Kinds with a reason enum always name it (0 is a real value there).
  std::string_view reason = reason_name(e.kind, e.reason);
  if (!reason.empty()) {
    b.lit(",\"reason\":"sv);
    b.quoted(reason);
  } else if (e.reason != 0) {
    b.lit(",\"reason\":"sv);
    b.num(e.reason);
  }
  if (e.a0 != 0) {
    b.lit(",\"a0\":"sv);
    b.num(e.a0);
  }
  if (e.a1 != 0) {
    b.lit(",\"a1\":"sv);
    b.num(e.a1);
  }
  if (e.a2 != 0) {
    b.lit(",\"a2\":"sv);
    b.num(e.a2);
  }
  if (e.why == Why::None) {
    b.lit("}"sv);
    out += b.view();
    return;
  }
  b.lit(",\"why\":"sv);
  std::string_view why = why_name(e.why);
  if (why.empty()) b.num(static_cast<int>(e.why));
  else b.quoted(why);
  b.lit(",\"text\":\""sv);
  out += b.view();
  // Rendered into the tail of `out`, then escaped in place if it needs it.
  std::size_t at = out.size();
  describe_to(out, e, h);
  for (std::size_t i = at; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x20 || c == '"' || c == '\\') {
      std::string raw = out.substr(at);
      out.resize(at);
      append_escaped(out, raw);
      break;
    }
  }
  out += "\"}"sv;
}

void append_outcome(std::string& out, const RunOutcome& o, std::int64_t events, std::int64_t dropped) {
  out += "\n],\n\"outcome\":{\"status\":";
  std::string_view status = status_name(o.status);
  if (status.empty()) {
    append_int(out, static_cast<int>(o.status));
  } else {
    out += '"';
    out += status;
    out += '"';
  }
  out += ",\"message\":";
  out += dump(o.message);
  out += ",\"end_time\":";
  append_int(out, o.end_time);
  out += ",\"engine_events\":";
  append_int(out, o.engine_events);
  out += ",\"events\":";
  append_int(out, events);
  out += ",\"truncated\":";
  out += dropped > 0 ? "true" : "false";
  out += ",\"dropped\":";
  append_int(out, dropped);
  out += "}\n}\n";
}

}  // namespace

std::unique_ptr<GosimJsonWriter> GosimJsonWriter::create(const std::string& path, std::string* error) {
  std::unique_ptr<GosimJsonWriter> w(new GosimJsonWriter());
  if (!w->file_.open(path, error)) return nullptr;
  w->buffer_.reserve(kFlushBytes + 4096);
  return w;
}

void GosimJsonWriter::flush_if_full() {
  if (buffer_.size() >= kFlushBytes) {
    file_.write(buffer_);
    buffer_.clear();
  }
}

void GosimJsonWriter::begin(const TraceHeader& h) {
  if (begun_) return;
  begun_ = true;
  header_ = h;
  limit_ = trace_limit(h);
  append_header(buffer_, header_);
  flush_if_full();
}

void GosimJsonWriter::event(const Event& e) {
  if (!begun_) begin(TraceHeader{});
  if (ended_) return;
  if (limit_ >= 0 && count_ >= limit_) {
    ++dropped_;
    return;
  }
  append_event(buffer_, e, header_, count_ == 0);
  ++count_;
  flush_if_full();
}

void GosimJsonWriter::end(const RunOutcome& o) {
  if (!begun_) begin(TraceHeader{});
  if (ended_) return;
  ended_ = true;
  append_outcome(buffer_, o, count_, dropped_);
  file_.write(buffer_);
  buffer_.clear();
}

bool GosimJsonWriter::commit(std::string* error) {
  if (!ended_) {
    RunOutcome o;
    o.status = RunOutcome::Status::Error;
    o.message = "the run stopped before the trace was finished";
    end(o);
  }
  return file_.commit(error);
}

std::string to_gosim_json(const Trace& t) {
  std::string out;
  append_header(out, t.header);
  std::int64_t limit = trace_limit(t.header);
  std::int64_t n = 0;
  std::int64_t dropped = t.events_dropped;
  for (const Event& e : t.events) {
    if (limit >= 0 && n >= limit) {
      ++dropped;
      continue;
    }
    append_event(out, e, t.header, n == 0);
    ++n;
  }
  append_outcome(out, t.outcome, n, dropped);
  return out;
}

// ---------------------------------------------------------------- reading

namespace {

// Lines from a string or a file, with a length cap.
class LineSource {
 public:
  explicit LineSource(std::string_view text, std::size_t max_line) : text_(text), max_(max_line) {}
  LineSource(std::FILE* f, std::size_t max_line) : file_(f), max_(max_line) {}

  // False at the end of input. *too_long when the line exceeds the cap (the
  // line is then incomplete). Lines exclude the '\n'.
  bool next(std::string_view* line, bool* too_long) {
    *too_long = false;
    if (!file_) {
      if (pos_ >= text_.size()) return false;
      std::size_t nl = text_.find('\n', pos_);
      std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
      *line = text_.substr(pos_, end - pos_);
      pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
      if (line->size() > max_) *too_long = true;
      return true;
    }
    line_.clear();
    bool any = false;
    for (;;) {
      if (bpos_ == blen_) {
        blen_ = std::fread(buf_, 1, sizeof buf_, file_);
        bpos_ = 0;
        if (blen_ == 0) {
          *line = line_;
          return any;
        }
      }
      any = true;
      const char* start = buf_ + bpos_;
      const void* nl = std::memchr(start, '\n', blen_ - bpos_);
      std::size_t n = nl ? static_cast<const char*>(nl) - start : blen_ - bpos_;
      if (line_.size() + n > max_) {
        *too_long = true;
        *line = line_;
        return true;
      }
      line_.append(start, n);
      bpos_ += n;
      if (nl) {
        ++bpos_;
        *line = line_;
        return true;
      }
    }
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::FILE* file_ = nullptr;
  std::size_t max_;
  std::string line_;
  char buf_[1 << 16];
  std::size_t bpos_ = 0, blen_ = 0;
};

struct ParseError {
  std::int64_t line;
  std::int64_t column;  // 1-based byte column
  std::string message;
};

// A flat event object: {"key":int-or-string,...}.
class EventParser {
 public:
  EventParser(std::string_view line, std::int64_t lineno) : s_(line), line_(lineno) {}

  // Parses the object; *more says whether it ended with ',' (another event follows).
  std::optional<ParseError> parse(Event* e, bool* more) {
    skip_ws();
    if (!eat('{')) return err("expected '{' to start an event");
    unsigned seen = 0;
    std::string_view reason_text;
    bool reason_is_text = false;
    std::int64_t reason_num = 0;
    std::size_t reason_col = 0;
    skip_ws();
    if (peek() == '}') return err("empty event: \"t\" and \"ev\" are required");
    for (;;) {
      skip_ws();
      std::size_t key_col = i_;
      std::string_view key;
      if (auto x = string(&key, nullptr)) return x;
      skip_ws();
      if (!eat(':')) return err("expected ':' after the key");
      skip_ws();
      int field = field_index(key);
      if (field < 0) return err_at(key_col, fmt::format("unknown field \"{}\"", key));
      if (seen & (1u << field)) return err_at(key_col, fmt::format("field \"{}\" appears twice", key));
      seen |= 1u << field;
      std::size_t value_col = i_;
      switch (field) {
        case kT: if (auto x = integer(&e->t)) return x; break;
        case kEv: {
          if (peek() == '"') {
            std::string_view name;
            if (auto x = string(&name, nullptr)) return x;
            if (!parse_kind(name, &e->kind)) return err_at(value_col, fmt::format("unknown event kind \"{}\"", name));
          } else {
            std::int64_t v;
            if (auto x = integer(&v)) return x;
            if (v < 0 || v > 255) return err_at(value_col, "event kind out of range");
            e->kind = static_cast<EventKind>(v);
          }
          break;
        }
        case kG: if (auto x = int32(&e->g, value_col)) return x; break;
        case kP: if (auto x = int32(&e->p, value_col)) return x; break;
        case kM: if (auto x = int32(&e->m, value_col)) return x; break;
        case kReason:
          reason_col = value_col;
          if (peek() == '"') {
            reason_is_text = true;
            if (auto x = string(&reason_text, nullptr)) return x;
          } else {
            if (auto x = integer(&reason_num)) return x;
            if (reason_num < 0 || reason_num > 255) return err_at(value_col, "reason out of range 0..255");
          }
          break;
        case kA0: if (auto x = integer(&e->a0)) return x; break;
        case kA1: if (auto x = integer(&e->a1)) return x; break;
        case kA2: if (auto x = integer(&e->a2)) return x; break;
        case kWhy: {
          if (peek() == '"') {
            std::string_view name;
            if (auto x = string(&name, nullptr)) return x;
            if (!parse_why(name, &e->why)) return err_at(value_col, fmt::format("unknown why code \"{}\"", name));
          } else {
            std::int64_t v;
            if (auto x = integer(&v)) return x;
            if (v < 0 || v > 255) return err_at(value_col, "why code out of range");
            e->why = static_cast<Why>(v);
          }
          break;
        }
        case kText: {
          std::string_view ignored;  // derived from why and the header; rewritten on output
          if (auto x = string(&ignored, nullptr)) return x;
          break;
        }
      }
      skip_ws();
      if (eat(',')) continue;
      if (eat('}')) break;
      return err("expected ',' or '}' after a value");
    }
    if (!(seen & (1u << kT))) return err_at(0, "missing field \"t\"");
    if (!(seen & (1u << kEv))) return err_at(0, "missing field \"ev\"");
    if (reason_is_text) {
      if (!parse_reason(e->kind, reason_text, &e->reason)) {
        return err_at(reason_col, fmt::format("unknown reason \"{}\" for {}", reason_text, kind_name(e->kind)));
      }
    } else {
      e->reason = static_cast<std::uint8_t>(reason_num);
    }
    skip_ws();
    *more = eat(',');
    skip_ws();
    if (i_ != s_.size()) return err("unexpected text after the event");
    return std::nullopt;
  }

 private:
  enum Field { kT, kEv, kG, kP, kM, kReason, kA0, kA1, kA2, kWhy, kText };

  static int field_index(std::string_view k) {
    static constexpr std::string_view names[] = {"t", "ev", "g", "p", "m", "reason", "a0", "a1", "a2", "why", "text"};
    for (int i = 0; i < static_cast<int>(std::size(names)); ++i) {
      if (names[i] == k) return i;
    }
    return -1;
  }

  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool eat(char c) {
    if (peek() != c || i_ >= s_.size()) return false;
    ++i_;
    return true;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  ParseError err(std::string message) const { return err_at(i_, std::move(message)); }
  ParseError err_at(std::size_t col, std::string message) const {
    return {line_, static_cast<std::int64_t>(col) + 1, std::move(message)};
  }

  std::optional<ParseError> integer(std::int64_t* out) {
    std::size_t start = i_;
    if (peek() == '-') ++i_;
    if (!(peek() >= '0' && peek() <= '9')) return err_at(start, "expected an integer");
    while (peek() >= '0' && peek() <= '9') ++i_;
    if (peek() == '.' || peek() == 'e' || peek() == 'E') return err_at(start, "expected an integer, not a fraction");
    auto r = std::from_chars(s_.data() + start, s_.data() + i_, *out);
    if (r.ec != std::errc()) return err_at(start, "integer out of range");
    return std::nullopt;
  }

  std::optional<ParseError> int32(std::int32_t* out, std::size_t col) {
    std::int64_t v;
    if (auto x = integer(&v)) return x;
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
      return err_at(col, "id out of range");
    }
    *out = static_cast<std::int32_t>(v);
    return std::nullopt;
  }

  // A JSON string; the view excludes the quotes and keeps escapes raw (no
  // field the reader uses needs unescaping: names are plain identifiers).
  std::optional<ParseError> string(std::string_view* out, bool*) {
    std::size_t start = i_;
    if (!eat('"')) return err("expected a string");
    while (i_ < s_.size() && s_[i_] != '"') {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c < 0x20) return err("control character in a string");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) break;
        char esc = s_[i_];
        if (esc == 'u') {
          for (int k = 1; k <= 4; ++k) {
            char h = i_ + k < s_.size() ? s_[i_ + k] : '\0';
            if (!std::isxdigit(static_cast<unsigned char>(h))) return err_at(i_ + k, "bad \\u escape");
          }
          i_ += 4;
        } else if (!std::strchr("\"\\/bfnrt", esc) || esc == '\0') {
          return err("bad escape in a string");
        }
      }
      ++i_;
    }
    if (i_ >= s_.size()) return err_at(start, "unterminated string");
    *out = s_.substr(start + 1, i_ - start - 1);
    ++i_;
    return std::nullopt;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::int64_t line_;
};

std::string format_error(const ParseError& e) {
  return fmt::format("{}:{}: {}", e.line, e.column, e.message);
}

// Line and column of a byte offset within a line, for nlohmann's errors.
std::optional<ParseError> parse_json_line(std::string_view text, std::int64_t lineno, std::size_t offset,
                                          json* out) {
  try {
    *out = json::parse(text.begin(), text.end());
    return std::nullopt;
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    auto colon = what.find(": ", what.find("column"));
    std::string msg = colon == std::string::npos ? what : what.substr(colon + 2);
    std::size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    return ParseError{lineno, static_cast<std::int64_t>(offset + byte) + 1, "invalid JSON: " + msg};
  }
}

template <typename T>
bool get_field(const json& obj, const char* key, T* out, std::string* why) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    *why = fmt::format("missing \"{}\"", key);
    return false;
  }
  try {
    *out = it->get<T>();
    return true;
  } catch (const json::exception&) {
    *why = fmt::format("\"{}\" has the wrong type", key);
    return false;
  }
}

bool read_header(const json& j, TraceHeader* h, std::string* why) {
  if (!j.is_object()) {
    *why = "the header is not an object";
    return false;
  }
  json scenario, names;
  if (!get_field(j, "mode", &h->mode, why) || !get_field(j, "clock", &h->clock, why) ||
      !get_field(j, "gosim_version", &h->gosim_version, why) || !get_field(j, "scenario", &scenario, why) ||
      !get_field(j, "gomaxprocs", &h->gomaxprocs, why) || !get_field(j, "names", &names, why)) {
    return false;
  }
  if (!scenario.is_object() || !names.is_object()) {
    *why = "\"scenario\" and \"names\" must be objects";
    return false;
  }
  if (!get_field(scenario, "name", &h->scenario_name, why) || !get_field(scenario, "hash", &h->scenario_hash, why) ||
      !get_field(scenario, "description", &h->scenario_description, why) ||
      !get_field(names, "functions", &h->functions, why) || !get_field(names, "channels", &h->channels, why) ||
      !get_field(names, "mutexes", &h->mutexes, why) || !get_field(names, "waitgroups", &h->waitgroups, why)) {
    return false;
  }
  auto config = j.find("config");
  if (config == j.end() || !config->is_object()) {
    *why = "missing \"config\" object";
    return false;
  }
  h->config = *config;
  if (h->gomaxprocs < 0) {
    *why = "\"gomaxprocs\" is negative";
    return false;
  }
  return true;
}

struct OutcomeLine {
  RunOutcome outcome;
  std::int64_t events = 0;
  bool truncated = false;
  std::int64_t dropped = 0;
};

bool read_outcome(const json& j, OutcomeLine* o, std::string* why) {
  if (!j.is_object()) {
    *why = "the outcome is not an object";
    return false;
  }
  std::string status;
  if (!get_field(j, "status", &status, why) || !get_field(j, "message", &o->outcome.message, why) ||
      !get_field(j, "end_time", &o->outcome.end_time, why) ||
      !get_field(j, "engine_events", &o->outcome.engine_events, why) || !get_field(j, "events", &o->events, why) ||
      !get_field(j, "truncated", &o->truncated, why) || !get_field(j, "dropped", &o->dropped, why)) {
    return false;
  }
  if (!parse_status(status, &o->outcome.status)) {
    *why = fmt::format("unknown status \"{}\"", status);
    return false;
  }
  if (o->dropped < 0 || o->truncated != (o->dropped > 0)) {
    *why = "\"truncated\" and \"dropped\" disagree";
    return false;
  }
  return true;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<Trace> parse_lines(LineSource& src, std::string* error, const ReadLimits& limits) {
  auto fail = [&](ParseError e) -> std::optional<Trace> {
    if (error) *error = format_error(e);
    return std::nullopt;
  };
  Trace t;
  std::int64_t lineno = 0;
  std::string_view line;
  bool too_long = false;
  auto next = [&](const char* expecting) -> std::optional<ParseError> {
    ++lineno;
    if (!src.next(&line, &too_long)) {
      return ParseError{lineno, 1, fmt::format("unexpected end of file: expected {} (the trace is truncated)", expecting)};
    }
    if (too_long) return ParseError{lineno, 1, fmt::format("line longer than {} bytes", limits.max_line)};
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return std::nullopt;
  };

  // Line 1: the format and its version.
  if (auto e = next("the gosim-trace header")) return fail(*e);
  if (!starts_with(line, kLine1)) {
    return fail({1, 1, "not a gosim trace: expected {\"format\":\"gosim-trace\",\"version\":1, on line 1"});
  }
  std::string_view version = line.substr(kLine1.size());
  if (version != "1,") {
    return fail({1, static_cast<std::int64_t>(kLine1.size()) + 1,
                 fmt::format("unsupported trace version {} (this gosim reads version 1)",
                             version.substr(0, version.find(',')))});
  }
  t.header.version = 1;

  // Line 2: the header.
  if (auto e = next("the \"header\" line")) return fail(*e);
  constexpr std::string_view kHeader = "\"header\":";
  if (!starts_with(line, kHeader) || line.size() < kHeader.size() + 1 || line.back() != ',') {
    return fail({lineno, 1, "expected \"header\":{...}, on line 2"});
  }
  json hj;
  std::string_view body = line.substr(kHeader.size(), line.size() - kHeader.size() - 1);
  if (auto e = parse_json_line(body, lineno, kHeader.size(), &hj)) return fail(*e);
  std::string why;
  if (!read_header(hj, &t.header, &why)) return fail({lineno, static_cast<std::int64_t>(kHeader.size()) + 1, "header: " + why});
  std::int64_t max_events = limits.max_events;
  {
    auto limit = t.header.config.find("limits");
    if (limit != t.header.config.end() && limit->is_object()) {
      auto m = limit->find("max_trace_events");
      if (m != limit->end() && m->is_number_integer() && m->get<std::int64_t>() >= 0) {
        max_events = std::min(max_events, m->get<std::int64_t>());
      }
    }
  }

  // Line 3 onwards: the events.
  if (auto e = next("\"events\":[")) return fail(*e);
  if (line != "\"events\":[") return fail({lineno, 1, "expected \"events\":[ on line 3"});
  bool more = true;  // whether another event may follow
  bool after_comma = false;
  for (;;) {
    if (auto e = next("an event or ],")) return fail(*e);
    if (line == "],") {
      if (after_comma) return fail({lineno - 1, static_cast<std::int64_t>(1), "trailing ',' after the last event"});
      break;
    }
    if (!more) return fail({lineno, 1, "expected ], after the last event (the previous event has no ',')"});
    if (static_cast<std::int64_t>(t.events.size()) >= max_events) {
      return fail({lineno, 1, fmt::format("more than {} events (limits.max_trace_events)", max_events)});
    }
    Event ev;
    EventParser p(line, lineno);
    if (auto e = p.parse(&ev, &more)) return fail(*e);
    after_comma = more;
    t.events.push_back(ev);
  }

  // The outcome.
  if (auto e = next("\"outcome\":{...}")) return fail(*e);
  constexpr std::string_view kOutcome = "\"outcome\":";
  if (!starts_with(line, kOutcome)) return fail({lineno, 1, "expected \"outcome\":{...}"});
  json oj;
  if (auto e = parse_json_line(line.substr(kOutcome.size()), lineno, kOutcome.size(), &oj)) return fail(*e);
  OutcomeLine o;
  if (!read_outcome(oj, &o, &why)) return fail({lineno, static_cast<std::int64_t>(kOutcome.size()) + 1, "outcome: " + why});
  if (o.events != static_cast<std::int64_t>(t.events.size())) {
    return fail({lineno, static_cast<std::int64_t>(kOutcome.size()) + 1,
                 fmt::format("the outcome counts {} events but the file has {}", o.events, t.events.size())});
  }
  t.outcome = o.outcome;
  t.events_dropped = o.dropped;

  if (auto e = next("the closing }")) return fail(*e);
  if (line != "}") return fail({lineno, 1, "expected } closing the trace"});
  // Nothing but an empty last line may follow.
  while (src.next(&line, &too_long)) {
    ++lineno;
    if (too_long || line.find_first_not_of(" \t\r") != std::string_view::npos) {
      return fail({lineno, 1, "unexpected text after the end of the trace"});
    }
  }
  return t;
}

}  // namespace

std::optional<Trace> parse_gosim_json(std::string_view text, std::string* error, const ReadLimits& limits) {
  LineSource src(text, limits.max_line);
  return parse_lines(src, error, limits);
}

std::optional<Trace> read_gosim_json(const std::string& path, std::string* error, const ReadLimits& limits) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (error) *error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  auto src = std::make_unique<LineSource>(f, limits.max_line);
  std::string inner;
  std::optional<Trace> t = parse_lines(*src, &inner, limits);
  bool read_error = std::ferror(f);
  std::fclose(f);
  if (read_error) {
    if (error) *error = fmt::format("cannot read {}: read error", path);
    return std::nullopt;
  }
  if (!t && error) *error = fmt::format("{}:{}", path, inner);
  return t;
}

}  // namespace gosim::trace
