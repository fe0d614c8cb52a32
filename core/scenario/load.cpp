// Loading a scenario: bounded reading, the checks that must happen before any
// recursive code sees the text (size, nesting), JSON syntax with located
// errors, then the model builder (parse.cpp) and the recursion rule
// (recursion.cpp). Every failure becomes a Diagnostic; nothing throws out.
#include "scenario/load.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <new>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenario/format_limits.h"
#include "scenario/json_locator.h"
#include "scenario/parse.h"
#include "scenario/recursion.h"
#include "scenario/suggest.h"

namespace gosim::scenario {
namespace {

// Bytes outside printable ASCII become \xNN so messages stay valid UTF-8 on a terminal.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " prefix
// (its column counts bytes; ours counts characters).
std::string syntax_message(std::string_view what) {
  if (what.starts_with("[json.exception")) {
    auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
    if (what.starts_with("parse error")) {
      auto p = what.find(": ");
      if (p != std::string_view::npos) what.remove_prefix(p + 2);
    }
  }
  return printable(what);
}

// nlohmann reports the offset of the last character it read; for an
// unexpected token that is its end. Point at its start instead.
std::size_t token_start(std::string_view text, std::size_t offset, std::string_view message) {
  if (offset >= text.size() || message.find("unexpected") == std::string_view::npos ||
      message.find("literal") == std::string_view::npos) {
    return offset;
  }
  if (text[offset] == '"') {
    for (std::size_t i = offset; i-- > 0;) {
      if (text[i] == '"' && (i == 0 || text[i - 1] != '\\')) return i;
      if (text[i] == '\n') break;
    }
    return offset;
  }
  auto token_char = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '+' || c == '-';
  };
  while (offset > 0 && token_char(text[offset]) && token_char(text[offset - 1])) --offset;
  return offset;
}

void sort_and_cap(std::vector<Diagnostic>& errors, std::string_view file) {
  std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    // Unknown positions last; otherwise in file order.
    auto key = [](const Diagnostic& d) {
      return std::pair{d.line == 0 ? INT32_MAX : d.line, d.column};
    };
    return key(a) < key(b);
  });
  if (errors.size() > kMaxErrors) {
    std::size_t more = errors.size() - kMaxErrors;
    errors.resize(kMaxErrors);
    errors.push_back({std::string(file), 0, 0, "",
                      fmt::format("too many errors: {} more not shown", more), ""});
  }
}

LoadResult load_text(std::string_view text, std::string_view file) {
  LoadResult r;
  auto fail = [&](TextPos pos, std::string message) {
    r.errors.push_back({std::string(file), pos.line, pos.column, "", std::move(message), ""});
    return r;
  };
  if (text.size() > static_cast<std::size_t>(kMaxFileBytes)) {
    return fail({}, fmt::format("the scenario is {} bytes; scenario files are limited to {}", text.size(),
                                format_bytes(kMaxFileBytes)));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail({1, 1}, "the file is empty: a scenario is a JSON object such as "
                        "{\"gosim\": 1, \"name\": \"hello\", ...}");
  }
  // nlohmann stops at a NUL byte as if the input ended there, which would make
  // a confusing message for what is almost always a binary file.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    return fail(position_at(text, nul), "the file contains a NUL byte: it is binary data, not JSON text");
  }
  // nlohmann's parser and destructor recurse per level; bound the depth first.
  if (auto deep = find_excess_nesting(text, kMaxNesting)) {
    return fail(position_at(text, *deep),
                fmt::format("JSON nested more than {} levels deep; scenarios never need that", kMaxNesting));
  }
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return fail(position_at(text, token_start(text, offset, e.what())), syntax_message(e.what()));
  } catch (const nlohmann::json::exception& e) {
    // Out-of-range numbers (1e999): nlohmann gives no position, but quotes the number.
    std::string msg = e.what();
    TextPos pos;
    auto q1 = msg.find('\''), q2 = msg.rfind('\'');
    if (q1 != std::string::npos && q2 > q1) {
      auto at = text.find(std::string_view(msg).substr(q1 + 1, q2 - q1 - 1));
      if (at != std::string_view::npos) pos = position_at(text, at);
    }
    return fail(pos, syntax_message(msg));
  }

  JsonLocator locator(text);
  for (const DuplicateKey& d : locator.duplicates()) {
    TextPos first = locator.position(d.first_offset);
    std::string key = d.pointer.substr(d.pointer.rfind('/') + 1);
    TextPos pos = locator.position(d.offset);
    r.errors.push_back({std::string(file), pos.line, pos.column, d.pointer,
                        fmt::format("duplicate key \"{}\" (first at line {}, column {}); JSON would silently "
                                    "keep only one of them",
                                    printable(key), first.line, first.column),
                        ""});
  }
  Scenario s = build_scenario(doc, locator, file, r.errors);
  // Ops with errors were dropped, which only removes spawn edges: the
  // recursion check reports no false cycles on a partly broken file.
  check_recursion(s, file, r.errors);
  if (!r.errors.empty()) {
    sort_and_cap(r.errors, file);
    return r;
  }
  s.file = std::string(file);
  s.hash = scenario_hash(s);
  r.scenario = std::make_shared<const Scenario>(std::move(s));
  return r;
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d) {
  // Control characters (a key written "a\nb") would break the one-line format.
  auto line = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      } else {
        out += c;
      }
    }
    return out;
  };
  std::string out = d.file;
  if (d.line > 0) out += fmt::format(":{}:{}", d.line, d.column);
  out += ": error: ";
  if (!d.path.empty()) out += fmt::format("at {}: ", line(d.path));
  out += line(d.message);
  if (!d.hint.empty()) out += fmt::format(" ({})", line(d.hint));
  return out;
}

LoadResult load_scenario_text(std::string_view text, std::string_view file) {
  try {
    return load_text(text, file);
  } catch (const std::bad_alloc&) {
    LoadResult r;
    r.errors.push_back({std::string(file), 0, 0, "", "out of memory while reading the scenario", ""});
    return r;
  } catch (const std::exception& e) {
    LoadResult r;
    r.errors.push_back({std::string(file), 0, 0, "", fmt::format("internal error: {}", e.what()), ""});
    return r;
  }
}

LoadResult load_scenario_file(const std::string& path) {
  LoadResult r;
  auto fail = [&](std::string message) {
    r.errors.push_back({path, 0, 0, "", std::move(message), ""});
    return r;
  };
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return fail("cannot read the scenario: no such file");
  if (std::filesystem::is_directory(status)) return fail("cannot read the scenario: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read the scenario: permission denied or not a regular file");
  // Read at most one byte more than allowed, so the size check needs no stat
  // (pipes and /dev files have none) and a huge file is never read whole.
  std::string text(static_cast<std::size_t>(kMaxFileBytes) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return fail("cannot read the scenario: read error");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > static_cast<std::size_t>(kMaxFileBytes)) {
    return fail(fmt::format("the file is larger than {}, the limit for scenario files", format_bytes(kMaxFileBytes)));
  }
  return load_scenario_text(text, path);
}

LoadResult apply_overrides(std::shared_ptr<const Scenario> scenario, const std::vector<std::string>& overrides) {
  LoadResult r;
  const std::string kFile = "<command line>";
  if (!scenario) {
    r.errors.push_back({kFile, 0, 0, "", "no scenario to apply --set to", ""});
    return r;
  }
  Scenario s = *scenario;
  std::vector<std::string> keys;
  for (const ConfigKey& k : config_keys()) keys.emplace_back(k.key);
  for (const std::string& o : overrides) {
    auto eq = o.find('=');
    std::string key = o.substr(0, eq);
    std::string path = config_pointer(key);
    if (eq == std::string::npos || key.empty()) {
      r.errors.push_back({kFile, 0, 0, "",
                          fmt::format("--set takes KEY=VALUE, such as --set gomaxprocs=8; not \"{}\"", printable(o)),
                          ""});
      continue;
    }
    const ConfigKey* k = find_config_key(key);
    if (!k) {
      r.errors.push_back({kFile, 0, 0, path, fmt::format("--set: unknown config key \"{}\"", printable(key)),
                          did_you_mean(key, keys)});
      continue;
    }
    if (auto e = set_config_text(s.config, *k, std::string_view(o).substr(eq + 1))) {
      r.errors.push_back({kFile, 0, 0, path, fmt::format("--set: {}", printable(*e)), ""});
    }
  }
  if (!r.errors.empty()) return r;
  if (auto problem = check_config(s.config)) {
    r.errors.push_back({kFile, 0, 0, config_pointer(problem->key), fmt::format("--set: {}", problem->message), ""});
    return r;
  }
  s.hash = scenario_hash(s);
  r.scenario = std::make_shared<const Scenario>(std::move(s));
  return r;
}

}  // namespace gosim::scenario
