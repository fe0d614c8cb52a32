#include "scenario/parse.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "scenario/format_limits.h"
#include "scenario/program.h"
#include "scenario/suggest.h"

namespace gosim::scenario {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

// What each op key accepts besides itself. The op key comes first.
struct OpSpec {
  std::string_view key;
  OpKind kind;
  std::vector<std::string> modifiers;
};

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = {
      {"compute", OpKind::Compute, {}},
      {"syscall", OpKind::Syscall, {}},
      {"netwait", OpKind::NetWait, {}},
      {"sleep", OpKind::Sleep, {}},
      {"go", OpKind::Go, {"count", "arg"}},
      {"send", OpKind::Send, {}},
      {"recv", OpKind::Recv, {}},
      {"close", OpKind::Close, {}},
      {"select", OpKind::Select, {"default"}},
      {"lock", OpKind::Lock, {}},
      {"unlock", OpKind::Unlock, {}},
      {"wg_add", OpKind::WgAdd, {"delta"}},
      {"wg_done", OpKind::WgDone, {}},
      {"wg_wait", OpKind::WgWait, {}},
      {"yield", OpKind::Yield, {}},
      {"gc", OpKind::Gc, {}},
      {"alloc", OpKind::Alloc, {"retain"}},
      {"repeat", OpKind::Repeat, {"do"}},
      {"if", OpKind::If, {"then", "else"}},
  };
  return specs;
}

const OpSpec* find_op(std::string_view key) {
  for (const OpSpec& s : op_specs()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::vector<std::string> op_key_names() {
  std::vector<std::string> out;
  for (const OpSpec& s : op_specs()) out.emplace_back(s.key);
  return out;
}

const std::vector<std::string> kTopKeys = {"gosim",    "name",    "description", "entry",    "config",
                                           "channels", "mutexes", "waitgroups",  "functions"};

// A short description of a JSON value for "..., not X" in messages.
std::string describe(const ojson& v) {
  switch (v.type()) {
    case ojson::value_t::object: return "an object";
    case ojson::value_t::array: return "an array";
    case ojson::value_t::null: return "null";
    default: {
      std::string s = v.dump(-1, ' ', /*ensure_ascii=*/true);
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return s;
    }
  }
}

// nlohmann::json (what the config registry takes) from a scalar ordered_json.
json to_plain(const ojson& v) {
  switch (v.type()) {
    case ojson::value_t::boolean: return v.get<bool>();
    case ojson::value_t::number_integer: return v.get<std::int64_t>();
    case ojson::value_t::number_unsigned: return v.get<std::uint64_t>();
    case ojson::value_t::number_float: return v.get<double>();
    case ojson::value_t::string: return v.get<std::string>();
    case ojson::value_t::null: return nullptr;
    default: return json::parse(v.dump(), nullptr, false);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A decimal integer, optionally signed, with nothing else around it.
std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

enum class RefKind { Function, Channel, Mutex, WaitGroup };

const char* ref_noun(RefKind k) {
  switch (k) {
    case RefKind::Function: return "function";
    case RefKind::Channel: return "channel";
    case RefKind::Mutex: return "mutex";
    case RefKind::WaitGroup: return "wait group";
  }
  return "name";
}

const char* ref_section(RefKind k) {
  switch (k) {
    case RefKind::Function: return "functions";
    case RefKind::Channel: return "channels";
    case RefKind::Mutex: return "mutexes";
    case RefKind::WaitGroup: return "waitgroups";
  }
  return "";
}

class Builder {
 public:
  Builder(const JsonLocator& loc, std::string_view file, std::vector<Diagnostic>& errors)
      : loc_(loc), file_(file), errors_(errors) {}

  Scenario build(const ojson& doc) {
    if (!doc.is_object()) {
      value_error("", fmt::format("a scenario is a JSON object such as {{\"gosim\": 1, \"name\": ...}}, "
                                  "not {}", describe(doc)));
      return std::move(s_);
    }
    for (const auto& [k, v] : doc.items()) {
      if (std::find(kTopKeys.begin(), kTopKeys.end(), k) == kTopKeys.end()) {
        unknown_key("/" + pointer_escape(k), k, "top-level key", kTopKeys);
      }
    }
    version(doc);
    s_.name = text_field(doc, "name", "the scenario's name");
    s_.description = text_field(doc, "description", "the lesson this scenario teaches");
    if (doc.contains("config")) {
      config(doc["config"]);
      // Rules between keys, once the whole section is read. Point at the
      // key named if the file sets it, else at the config section.
      if (auto problem = check_config(s_.config)) {
        std::string ptr = config_pointer(problem->key);
        if (loc_.value(ptr).line == 0) ptr = "/config";
        value_error(ptr, problem->message);
      }
    }
    // Names first, so ops can refer to anything declared anywhere in the file.
    if (doc.contains("channels")) channels(doc["channels"]);
    if (doc.contains("mutexes")) simple_names(doc["mutexes"], "/mutexes", RefKind::Mutex);
    if (doc.contains("waitgroups")) simple_names(doc["waitgroups"], "/waitgroups", RefKind::WaitGroup);
    const ojson* functions = nullptr;
    if (!doc.contains("functions")) {
      missing("/functions", "an object mapping function names to lists of ops");
    } else if (!doc["functions"].is_object() || doc["functions"].empty()) {
      value_error("/functions", fmt::format("\"functions\" must be an object mapping function names to "
                                            "lists of ops, with at least one function; not {}",
                                            describe(doc["functions"])));
    } else if (doc["functions"].size() > kMaxFunctions) {
      value_error("/functions", fmt::format("a scenario has at most {} functions, not {}", kMaxFunctions,
                                            doc["functions"].size()));
    } else {
      functions = &doc["functions"];
      declare_functions(*functions);
    }
    entry(doc);
    if (functions) {
      std::size_t i = 0;
      for (const auto& [name, body] : functions->items()) {
        std::string ptr = "/functions/" + pointer_escape(name);
        if (!body.is_array()) {
          value_error(ptr, fmt::format("function \"{}\" must be a list of ops [...], not {}", name,
                                       describe(body)));
        } else {
          ops(body, ptr, s_.functions[i].ops, 0);
        }
        ++i;
      }
    }
    return std::move(s_);
  }

 private:
  // --- diagnostics -------------------------------------------------------

  void add(TextPos pos, const std::string& ptr, std::string message, std::string hint) {
    errors_.push_back({std::string(file_), pos.line, pos.column, ptr, std::move(message), std::move(hint)});
  }
  void value_error(const std::string& ptr, std::string message, std::string hint = "") {
    add(loc_.value(ptr), ptr, std::move(message), std::move(hint));
  }
  void key_error(const std::string& ptr, std::string message, std::string hint = "") {
    add(loc_.key(ptr), ptr, std::move(message), std::move(hint));
  }
  // A required key is absent: point at the object that should hold it.
  void missing(const std::string& ptr, std::string_view expected) {
    std::string key = ptr.substr(ptr.rfind('/') + 1);
    add(loc_.value(ptr.substr(0, ptr.rfind('/'))), ptr,
        fmt::format("missing required key \"{}\": {}", key, expected), "");
  }
  void unknown_key(const std::string& ptr, const std::string& key, std::string_view what,
                   const std::vector<std::string>& valid) {
    std::string hint = did_you_mean(key, valid);
    std::string list;
    if (hint.empty() && valid.size() <= 12) {
      for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
      list = fmt::format("; expected one of: {}", list);
    }
    key_error(ptr, fmt::format("unknown {} \"{}\"{}", what, key.substr(0, 80), list), hint);
  }

  SourceLoc source_loc(const std::string& ptr) const {
    TextPos p = loc_.value(ptr);
    return {p.line, p.column, ptr};
  }
  SourceLoc key_loc(const std::string& ptr) const {
    TextPos p = loc_.key(ptr);
    return {p.line, p.column, ptr};
  }

  // --- scalars -----------------------------------------------------------

  std::optional<std::int64_t> integer(const ojson& v, const std::string& ptr, std::string_view what,
                                      std::int64_t min, std::int64_t max, bool nonzero = false) {
    std::string range = nonzero ? fmt::format("a non-zero integer from {} to {}", min, max)
                                : fmt::format("an integer from {} to {}", min, max);
    if (v.is_number_unsigned()) {  // nlohmann stores every non-negative integer as unsigned
      auto u = v.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(max)) {
        auto i = static_cast<std::int64_t>(u);
        if (i >= min && !(nonzero && i == 0)) return i;
      }
    } else if (v.is_number_integer()) {
      auto i = v.get<std::int64_t>();
      if (i >= min && i <= max && !(nonzero && i == 0)) return i;
    } else if (v.is_string()) {
      std::string hint;
      if (auto i = parse_int(v.get<std::string>())) hint = fmt::format("write {} without quotes", *i);
      value_error(ptr, fmt::format("{} must be {}, not the string {}", what, range, describe(v)), hint);
      return std::nullopt;
    } else if (!v.is_number()) {
      value_error(ptr, fmt::format("{} must be {}, not {}", what, range, describe(v)));
      return std::nullopt;
    }
    value_error(ptr, fmt::format("{} must be {}, not {}", what, range, describe(v)));
    return std::nullopt;
  }

  std::optional<Nanos> duration_string(const ojson& v, const std::string& ptr, std::string_view what,
                                       Nanos min) {
    if (!v.is_string()) {
      std::string hint;
      if (v.is_number()) hint = fmt::format("write \"{}ms\" or another unit", describe(v));
      value_error(ptr, fmt::format("{} must be a duration such as \"250us\" or \"2ms\", not {}", what,
                                   describe(v)),
                  hint);
      return std::nullopt;
    }
    std::string error;
    auto d = parse_duration(v.get<std::string>(), &error);
    if (!d) {
      // The units message already says "duration ..."; name more specific roles.
      value_error(ptr, what == "duration" ? error : fmt::format("{}: {}", what, error));
      return std::nullopt;
    }
    if (*d < min || *d > kMaxOpDuration) {
      value_error(ptr, fmt::format("{} {} is out of range: allowed {} to {}h", what, describe(v),
                                   format_duration(min), kMaxOpDuration / (3600 * kSecond)));
      return std::nullopt;
    }
    return d;
  }

  // DUR: "250us", {"uniform": ["1ms", "3ms"]} or {"exp": "1ms"}.
  std::optional<DurationSpec> duration(const ojson& v, const std::string& ptr) {
    if (!v.is_object()) {
      auto d = duration_string(v, ptr, "duration", 0);
      if (!d) return std::nullopt;
      return DurationSpec::fixed(*d);
    }
    static const std::vector<std::string> kDists = {"uniform", "exp"};
    if (v.size() != 1) {
      value_error(ptr, "a random duration is an object with exactly one key, \"uniform\" or \"exp\": "
                       "{\"uniform\": [\"1ms\", \"3ms\"]} or {\"exp\": \"1ms\"}");
      return std::nullopt;
    }
    auto first = v.begin();
    const std::string& key = first.key();
    const ojson& arg = first.value();
    std::string kptr = ptr + "/" + pointer_escape(key);
    if (key == "uniform") {
      if (!arg.is_array() || arg.size() != 2) {
        value_error(kptr, fmt::format("\"uniform\" takes two durations [lo, hi], such as "
                                      "[\"1ms\", \"3ms\"]; not {}", describe(arg)));
        return std::nullopt;
      }
      auto lo = duration_string(arg[0], kptr + "/0", "uniform lower bound", 0);
      auto hi = duration_string(arg[1], kptr + "/1", "uniform upper bound", 0);
      if (!lo || !hi) return std::nullopt;
      if (*lo > *hi) {
        value_error(kptr, fmt::format("\"uniform\" needs lo <= hi, but {} > {}", format_duration(*lo),
                                      format_duration(*hi)));
        return std::nullopt;
      }
      return DurationSpec{DurationSpec::Dist::Uniform, *lo, *hi};
    }
    if (key == "exp") {
      auto mean = duration_string(arg, kptr, "exp mean", 1);
      if (!mean) return std::nullopt;
      return DurationSpec{DurationSpec::Dist::Exp, *mean, *mean};
    }
    unknown_key(kptr, key, "distribution", kDists);
    return std::nullopt;
  }

  // --- top level -----------------------------------------------------------

  void version(const ojson& doc) {
    if (!doc.contains("gosim")) {
      missing("/gosim", "the format version, 1 ({\"gosim\": 1, ...})");
      return;
    }
    const ojson& v = doc["gosim"];
    if (v.is_number_integer() && v.get<std::int64_t>() == 1) return;
    if (v.is_number_integer()) {
      value_error("/gosim", fmt::format("unsupported format version {}: this gosim reads version 1",
                                        describe(v)));
    } else {
      value_error("/gosim", fmt::format("\"gosim\" is the format version, the integer 1, not {}", describe(v)));
    }
  }

  std::string text_field(const ojson& doc, const std::string& key, std::string_view what) {
    std::string ptr = "/" + key;
    if (!doc.contains(key)) {
      missing(ptr, fmt::format("a non-empty string, {}", what));
      return {};
    }
    const ojson& v = doc[key];
    if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > kMaxTextLength) {
      value_error(ptr, fmt::format("\"{}\" must be a non-empty string of at most {} bytes ({}), not {}",
                                   key, kMaxTextLength, what, v.is_string() && !v.get<std::string>().empty()
                                                                  ? "a longer one"
                                                                  : describe(v)));
      return {};
    }
    return v.get<std::string>();
  }

  void config(const ojson& v) {
    if (!v.is_object()) {
      value_error("/config", fmt::format("\"config\" must be an object such as {{\"gomaxprocs\": 2}}, not {}",
                                         describe(v)));
      return;
    }
    // Sections and top-level keys come from the registry, so new keys need no change here.
    std::vector<std::string> sections, top;
    for (const ConfigKey& k : config_keys()) {
      auto dot = k.key.find('.');
      if (dot == std::string_view::npos) {
        top.emplace_back(k.key);
      } else if (std::find(sections.begin(), sections.end(), k.key.substr(0, dot)) == sections.end()) {
        sections.emplace_back(k.key.substr(0, dot));
      }
    }
    std::vector<std::string> top_and_sections = top;
    top_and_sections.insert(top_and_sections.end(), sections.begin(), sections.end());
    for (const auto& [key, value] : v.items()) {
      std::string ptr = "/config/" + pointer_escape(key);
      if (std::find(sections.begin(), sections.end(), key) != sections.end()) {
        config_section(key, value, ptr);
      } else if (const ConfigKey* k = find_config_key(key); k && key.find('.') == std::string::npos) {
        config_value(*k, value, ptr);
      } else if (k) {
        auto dot = key.find('.');
        key_error(ptr, fmt::format("config keys are nested by section here: write \"{}\": {{\"{}\": ...}}, "
                                   "not \"{}\" (the dotted form is for --set)",
                                   key.substr(0, dot), key.substr(dot + 1), key));
      } else {
        std::vector<std::string> all;
        for (const ConfigKey& ck : config_keys()) all.emplace_back(ck.key);
        auto s = suggest(key, top_and_sections);
        if (!s) s = suggest(key, all);
        key_error(ptr, fmt::format("unknown config key \"{}\"", key.substr(0, 80)),
                  s ? fmt::format("did you mean \"{}\"?", *s) : "");
      }
    }
  }

  void config_section(const std::string& section, const ojson& v, const std::string& ptr) {
    if (!v.is_object()) {
      value_error(ptr, fmt::format("config section \"{}\" must be an object of keys, not {}", section,
                                   describe(v)));
      return;
    }
    std::vector<std::string> names;
    for (const ConfigKey& k : config_keys()) {
      if (k.key.starts_with(section + ".")) names.emplace_back(k.key.substr(section.size() + 1));
    }
    for (const auto& [key, value] : v.items()) {
      std::string kptr = ptr + "/" + pointer_escape(key);
      const ConfigKey* k = find_config_key(section + "." + key);
      if (k) {
        config_value(*k, value, kptr);
        continue;
      }
      std::string hint = did_you_mean(key, names);
      if (hint.empty()) {
        // Right key, wrong section: "gogc" under "costs".
        for (const ConfigKey& ck : config_keys()) {
          auto dot = ck.key.find('.');
          if (dot != std::string_view::npos && ck.key.substr(dot + 1) == key) {
            hint = fmt::format("\"{}\" belongs in section \"{}\"", key, ck.key.substr(0, dot));
          }
        }
      }
      key_error(kptr, fmt::format("unknown key \"{}\" in config section \"{}\"", key.substr(0, 80), section), hint);
    }
  }

  void config_value(const ConfigKey& k, const ojson& v, const std::string& ptr) {
    if (v.is_object() || v.is_array()) {
      value_error(ptr, fmt::format("{} must be {}, not {}", k.key, type_description(k), describe(v)));
      return;
    }
    if (auto e = set_config_value(s_.config, k, to_plain(v))) value_error(ptr, *e);
  }

  // --- declarations --------------------------------------------------------

  // Records a name; false (with an error) if it is malformed or taken.
  bool declare(const std::string& name, const std::string& ptr, RefKind kind, bool at_key) {
    if (!valid_name(name)) {
      std::string msg = fmt::format("bad {} name \"{}\": a name is 1 to {} characters (letters, digits, "
                                    "'_', '-', '.') starting with a letter or '_'",
                                    ref_noun(kind), name.substr(0, 80), kMaxNameLength);
      at_key ? key_error(ptr, msg) : value_error(ptr, msg);
      return false;
    }
    if (kind != RefKind::Function) {
      // Channels, mutexes and wait groups share one namespace so a reference
      // to the wrong kind can be named as such.
      for (RefKind other : {RefKind::Channel, RefKind::Mutex, RefKind::WaitGroup}) {
        if (names(other).count(name)) {
          std::string msg = fmt::format("\"{}\" is already declared as a {}{}", name, ref_noun(other),
                                        other == kind ? "" : "; channels, mutexes and wait groups need distinct names");
          at_key ? key_error(ptr, msg) : value_error(ptr, msg);
          return false;
        }
      }
    }
    names(kind).emplace(name, static_cast<std::int32_t>(names(kind).size()));
    return true;
  }

  std::unordered_map<std::string, std::int32_t>& names(RefKind k) { return names_[static_cast<int>(k)]; }

  void channels(const ojson& v) {
    if (!v.is_object()) {
      value_error("/channels", fmt::format("\"channels\" must be an object such as {{\"jobs\": {{\"capacity\": "
                                           "10}}, \"done\": {{}}}}, not {}",
                                           describe(v)));
      return;
    }
    if (v.size() > kMaxDeclared) {
      value_error("/channels", fmt::format("a scenario has at most {} channels", kMaxDeclared));
      return;
    }
    static const std::vector<std::string> kChannelKeys = {"capacity"};
    for (const auto& [name, spec] : v.items()) {
      std::string ptr = "/channels/" + pointer_escape(name);
      if (!declare(name, ptr, RefKind::Channel, true)) continue;
      Channel c{name, 0, key_loc(ptr)};
      if (!spec.is_object()) {
        std::string hint = spec.is_number_integer() ? fmt::format("write {{\"capacity\": {}}}", describe(spec)) : "";
        value_error(ptr, fmt::format("channel \"{}\" must be an object such as {{\"capacity\": 10}} or {{}}, "
                                     "not {}", name, describe(spec)), hint);
      } else {
        for (const auto& [key, value] : spec.items()) {
          std::string kptr = ptr + "/" + pointer_escape(key);
          if (key == "capacity") {
            if (auto cap = integer(value, kptr, "capacity", 0, kMaxCapacity)) c.capacity = *cap;
          } else {
            unknown_key(kptr, key, "channel key", kChannelKeys);
          }
        }
      }
      s_.channels.push_back(std::move(c));
    }
  }

  void simple_names(const ojson& v, const std::string& ptr, RefKind kind) {
    if (!v.is_array()) {
      value_error(ptr, fmt::format("\"{}\" must be a list of names such as [\"{}\"], not {}", ptr.substr(1),
                                   kind == RefKind::Mutex ? "mu" : "wg", describe(v)));
      return;
    }
    if (v.size() > kMaxDeclared) {
      value_error(ptr, fmt::format("a scenario has at most {} {}", kMaxDeclared, ptr.substr(1)));
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string eptr = fmt::format("{}/{}", ptr, i);
      if (!v[i].is_string()) {
        value_error(eptr, fmt::format("a {} name must be a string, not {}", ref_noun(kind), describe(v[i])));
        continue;
      }
      std::string name = v[i].get<std::string>();
      if (!declare(name, eptr, kind, false)) continue;
      if (kind == RefKind::Mutex) {
        s_.mutexes.push_back({name, source_loc(eptr)});
      } else {
        s_.waitgroups.push_back({name, source_loc(eptr)});
      }
    }
  }

  void declare_functions(const ojson& v) {
    for (const auto& [name, body] : v.items()) {
      std::string ptr = "/functions/" + pointer_escape(name);
      // Keep indices aligned with file order even for a bad name; the error stops the load.
      if (valid_name(name)) {
        names(RefKind::Function).emplace(name, static_cast<std::int32_t>(s_.functions.size()));
      } else {
        declare(name, ptr, RefKind::Function, true);
      }
      s_.functions.push_back({name, {}, key_loc(ptr)});
    }
  }

  void entry(const ojson& doc) {
    std::string name = "main";
    std::string ptr = "/functions";
    if (doc.contains("entry")) {
      ptr = "/entry";
      if (!doc["entry"].is_string()) {
        value_error(ptr, fmt::format("\"entry\" must be the name of a function, not {}", describe(doc["entry"])));
        return;
      }
      name = doc["entry"].get<std::string>();
    }
    if (s_.functions.empty()) return;  // already reported
    auto it = names(RefKind::Function).find(name);
    if (it != names(RefKind::Function).end()) {
      s_.entry = it->second;
      return;
    }
    std::string hint = did_you_mean(name, declared(RefKind::Function));
    if (ptr == "/entry") {
      value_error(ptr, fmt::format("entry function \"{}\" is not defined in \"functions\"", name), hint);
    } else {
      value_error(ptr, "no function \"main\": define one, or name the entry function with \"entry\"", hint);
    }
  }

  std::vector<std::string> declared(RefKind kind) {
    std::vector<std::pair<std::int32_t, std::string>> v;
    for (const auto& [name, i] : names(kind)) v.emplace_back(i, name);
    std::sort(v.begin(), v.end());
    std::vector<std::string> out;
    for (auto& [i, name] : v) out.push_back(std::move(name));
    return out;
  }

  // A reference to a declared name; -1 (with an error) if it is not one.
  std::int32_t ref(const ojson& v, const std::string& ptr, RefKind kind, std::string_view op) {
    if (!v.is_string()) {
      value_error(ptr, fmt::format("\"{}\" takes the name of a {}, not {}", op, ref_noun(kind), describe(v)));
      return -1;
    }
    std::string name = v.get<std::string>();
    auto it = names(kind).find(name);
    if (it != names(kind).end()) return it->second;
    for (RefKind other : {RefKind::Function, RefKind::Channel, RefKind::Mutex, RefKind::WaitGroup}) {
      if (other != kind && names(other).count(name)) {
        value_error(ptr, fmt::format("\"{}\" takes a {}, but \"{}\" is a {}", op, ref_noun(kind), name,
                                     ref_noun(other)));
        return -1;
      }
    }
    std::vector<std::string> known = declared(kind);
    std::string declared_list;
    if (known.empty()) {
      declared_list = fmt::format(" (no {} is declared: add it to \"{}\")", ref_noun(kind), ref_section(kind));
    }
    value_error(ptr, fmt::format("unknown {} \"{}\"{}", ref_noun(kind), name.substr(0, 80), declared_list),
                did_you_mean(name, known));
    return -1;
  }

  // --- ops -----------------------------------------------------------------

  void ops(const ojson& list, const std::string& ptr, std::vector<Op>& out, int loop_depth) {
    if (!list.is_array()) {
      value_error(ptr, fmt::format("expected a list of ops [...], not {}", describe(list)));
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (auto o = op(list[i], fmt::format("{}/{}", ptr, i), loop_depth)) out.push_back(std::move(*o));
    }
  }

  std::optional<Op> op(const ojson& v, const std::string& ptr, int loop_depth) {
    static const std::vector<std::string> kAll = op_keys();
    Op o;
    o.loc = source_loc(ptr);
    if (v.is_string()) {
      std::string s = v.get<std::string>();
      if (s == "yield" || s == "gc") {
        o.kind = s == "yield" ? OpKind::Yield : OpKind::Gc;
        return o;
      }
      if (find_op(s)) {
        value_error(ptr, fmt::format("op \"{}\" needs an argument: write {{\"{}\": ...}} (only \"yield\" and "
                                     "\"gc\" may be bare strings)", s, s));
      } else {
        value_error(ptr, fmt::format("unknown op \"{}\"", s.substr(0, 80)), did_you_mean(s, op_key_names()));
      }
      return std::nullopt;
    }
    if (!v.is_object()) {
      value_error(ptr, fmt::format("an op is an object such as {{\"compute\": \"1ms\"}} (or the string "
                                   "\"yield\" or \"gc\"), not {}", describe(v)));
      return std::nullopt;
    }
    // Find the op key; everything else must be one of its modifiers.
    const OpSpec* spec = nullptr;
    std::string spec_key;
    bool bad = false;
    for (const auto& [key, value] : v.items()) {
      if (const OpSpec* s = find_op(key)) {
        if (spec) {
          key_error(ptr + "/" + key, fmt::format("an op has exactly one op key, but this one has both \"{}\" "
                                                 "and \"{}\": put them in separate ops", spec_key, key));
          bad = true;
        } else {
          spec = s;
          spec_key = key;
        }
      }
    }
    if (!spec) {
      bool reported = false;
      for (const auto& [key, value] : v.items()) {
        bool modifier = std::find(kAll.begin(), kAll.end(), key) != kAll.end();
        if (!modifier) {
          key_error(ptr + "/" + pointer_escape(key), fmt::format("unknown op \"{}\"", key.substr(0, 80)),
                    did_you_mean(key, op_key_names()));
          reported = true;
        }
      }
      if (!reported) {
        value_error(ptr, fmt::format("an op needs one op key (compute, syscall, netwait, sleep, go, send, recv, "
                                     "close, select, lock, unlock, wg_add, wg_done, wg_wait, yield, gc, alloc, "
                                     "repeat or if); found {}",
                                     v.empty() ? std::string("an empty object") : "only modifiers"));
      }
      return std::nullopt;
    }
    for (const auto& [key, value] : v.items()) {
      if (key == spec_key || find_op(key)) continue;
      if (std::find(spec->modifiers.begin(), spec->modifiers.end(), key) != spec->modifiers.end()) continue;
      std::string takes = "none";
      if (!spec->modifiers.empty()) {
        takes.clear();
        for (const auto& m : spec->modifiers) takes += (takes.empty() ? "\"" : ", \"") + m + "\"";
      }
      key_error(ptr + "/" + pointer_escape(key),
                fmt::format("unknown key \"{}\" in a \"{}\" op ({} takes {})", key.substr(0, 80), spec_key,
                            spec_key, takes),
                did_you_mean(key, spec->modifiers));
      bad = true;
    }
    o.kind = spec->kind;
    std::string kptr = ptr + "/" + spec_key;
    const ojson& arg = v[spec_key];
    auto modifier = [&](const char* name) -> const ojson* {
      auto it = v.find(name);
      return it == v.end() ? nullptr : &*it;
    };
    switch (spec->kind) {
      case OpKind::Compute:
      case OpKind::Syscall:
      case OpKind::NetWait:
      case OpKind::Sleep: {
        auto d = duration(arg, kptr);
        if (!d) return std::nullopt;
        o.dur = *d;
        break;
      }
      case OpKind::Go: {
        o.target = ref(arg, kptr, RefKind::Function, "go");
        if (const ojson* c = modifier("count")) {
          auto n = integer(*c, ptr + "/count", "\"count\" of a go op", 1, kMaxGoCount);
          if (!n) bad = true; else o.count = *n;
        }
        if (const ojson* a = modifier("arg")) {
          auto e = arg_expr(*a, ptr + "/arg");
          if (!e) bad = true; else o.arg = *e;
        }
        if (o.target < 0) return std::nullopt;
        break;
      }
      case OpKind::Send:
      case OpKind::Recv:
      case OpKind::Close:
        o.target = ref(arg, kptr, RefKind::Channel, spec_key);
        if (o.target < 0) return std::nullopt;
        break;
      case OpKind::Lock:
      case OpKind::Unlock:
        o.target = ref(arg, kptr, RefKind::Mutex, spec_key);
        if (o.target < 0) return std::nullopt;
        break;
      case OpKind::WgAdd:
        if (const ojson* d = modifier("delta")) {
          auto n = integer(*d, ptr + "/delta", "\"delta\" of wg_add", -kMaxDelta, kMaxDelta, /*nonzero=*/true);
          if (!n) bad = true; else o.count = *n;
        }
        [[fallthrough]];
      case OpKind::WgDone:
      case OpKind::WgWait:
        o.target = ref(arg, kptr, RefKind::WaitGroup, spec_key);
        if (o.target < 0) return std::nullopt;
        break;
      case OpKind::Yield:
      case OpKind::Gc:
        if (!(arg.is_boolean() && arg.get<bool>())) {
          value_error(kptr, fmt::format("write {{\"{}\": true}} or just \"{}\", not {}", spec_key, spec_key,
                                        describe(arg)));
          return std::nullopt;
        }
        break;
      case OpKind::Alloc: {
        if (!arg.is_string()) {
          std::string hint = arg.is_number() ? fmt::format("write \"{}B\" or \"64KiB\"", describe(arg)) : "";
          value_error(kptr, fmt::format("\"alloc\" takes a size such as \"64KiB\", not {}", describe(arg)), hint);
          return std::nullopt;
        }
        std::string error;
        auto bytes = parse_bytes(arg.get<std::string>(), &error);
        if (!bytes) {
          value_error(kptr, fmt::format("alloc: {}", error));
          return std::nullopt;
        }
        if (*bytes < 1 || *bytes > kMaxAlloc) {
          value_error(kptr, fmt::format("alloc size {} is out of range: allowed 1B to 1TiB", describe(arg)));
          return std::nullopt;
        }
        o.count = *bytes;
        if (const ojson* r = modifier("retain")) {
          if (!r->is_boolean()) {
            value_error(ptr + "/retain", fmt::format("\"retain\" must be true or false, not {}", describe(*r)));
            bad = true;
          } else {
            o.retain = r->get<bool>();
          }
        }
        break;
      }
      case OpKind::Repeat: {
        auto n = integer(arg, kptr, "\"repeat\" count", 0, kMaxRepeat);
        if (n) o.count = *n; else bad = true;
        if (loop_depth + 1 > kMaxLoopDepth) {
          value_error(ptr, fmt::format("repeat ops nest at most {} deep inside one function", kMaxLoopDepth));
          return std::nullopt;
        }
        const ojson* body = modifier("do");
        if (!body) {
          missing(ptr + "/do", "the list of ops to repeat ({\"repeat\": 3, \"do\": [...]})");
          return std::nullopt;
        }
        ops(*body, ptr + "/do", o.body, loop_depth + 1);
        break;
      }
      case OpKind::If: {
        auto c = cond(arg, kptr);
        if (c) o.cond = *c; else bad = true;
        const ojson* then = modifier("then");
        if (!then) {
          missing(ptr + "/then", "the ops to run when the condition holds ({\"if\": \"n > 0\", \"then\": [...]})");
          bad = true;
        } else {
          ops(*then, ptr + "/then", o.body, loop_depth);
        }
        if (const ojson* otherwise = modifier("else")) ops(*otherwise, ptr + "/else", o.else_body, loop_depth);
        break;
      }
      case OpKind::Select: {
        if (!arg.is_array() || arg.empty() || arg.size() > kMaxSelectCases) {
          value_error(kptr, fmt::format("\"select\" takes a list of 1 to {} cases such as [{{\"recv\": \"a\", "
                                        "\"do\": [...]}}, {{\"send\": \"b\"}}], not {}",
                                        kMaxSelectCases, arg.is_array() && !arg.empty() ? "a longer list"
                                                                                        : describe(arg)));
          bad = true;
        } else {
          for (std::size_t i = 0; i < arg.size(); ++i) {
            if (auto c = select_case(arg[i], fmt::format("{}/{}", kptr, i), loop_depth)) {
              o.cases.push_back(std::move(*c));
            } else {
              bad = true;
            }
          }
        }
        if (const ojson* d = modifier("default")) {
          o.has_default = true;
          ops(*d, ptr + "/default", o.else_body, loop_depth);
        }
        break;
      }
    }
    if (bad) return std::nullopt;
    return o;
  }

  std::optional<SelectCase> select_case(const ojson& v, const std::string& ptr, int loop_depth) {
    static const std::vector<std::string> kCaseKeys = {"recv", "send", "do"};
    if (!v.is_object()) {
      value_error(ptr, fmt::format("a select case is an object such as {{\"recv\": \"ch\", \"do\": [...]}}, not {}",
                                   describe(v)));
      return std::nullopt;
    }
    SelectCase c;
    c.loc = source_loc(ptr);
    bool has_dir = false, bad = false;
    for (const auto& [key, value] : v.items()) {
      std::string kptr = ptr + "/" + pointer_escape(key);
      if (key == "recv" || key == "send") {
        if (has_dir) {
          key_error(kptr, "a select case has exactly one of \"recv\" or \"send\"");
          bad = true;
          continue;
        }
        has_dir = true;
        c.is_send = key == "send";
        c.chan = ref(value, kptr, RefKind::Channel, key);
        if (c.chan < 0) bad = true;
      } else if (key == "do") {
        ops(value, kptr, c.body, loop_depth);
      } else {
        std::string msg = fmt::format("unknown key \"{}\" in a select case (a case has \"recv\" or \"send\", "
                                      "and optionally \"do\")", key.substr(0, 80));
        key_error(kptr, msg, did_you_mean(key, kCaseKeys));
        bad = true;
      }
    }
    if (!has_dir && !bad) {
      value_error(ptr, "a select case needs \"recv\" or \"send\" and a channel");
      bad = true;
    }
    if (bad) return std::nullopt;
    return c;
  }

  // arg: an integer, "n", "n-K" or "n+K".
  std::optional<ArgExpr> arg_expr(const ojson& v, const std::string& ptr) {
    const std::string expected = fmt::format("\"arg\" is the child's n: an integer, \"n\", \"n-K\" or \"n+K\" "
                                             "with K from 0 to {}", kMaxArg);
    if (v.is_number_integer()) {
      if (auto k = integer(v, ptr, "\"arg\"", -kMaxArg, kMaxArg)) return ArgExpr{false, *k};
      return std::nullopt;
    }
    if (v.is_string()) {
      std::string_view s = trim(v.get_ref<const std::string&>());
      if (s == "n") return ArgExpr{true, 0};
      if (s.size() > 1 && s[0] == 'n') {
        std::string_view rest = trim(s.substr(1));
        if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
          std::string_view digits = trim(rest.substr(1));
          auto k = digits.empty() || digits[0] == '-' || digits[0] == '+' ? std::nullopt : parse_int(digits);
          if (k && *k <= kMaxArg) return ArgExpr{true, rest[0] == '-' ? -*k : *k};
        }
      }
    }
    value_error(ptr, fmt::format("{}; not {}", expected, describe(v)));
    return std::nullopt;
  }

  // "n <op> K" with <, <=, >, >=, ==, !=.
  std::optional<Cond> cond(const ojson& v, const std::string& ptr) {
    if (v.is_string()) {
      std::string_view s = trim(v.get_ref<const std::string&>());
      if (s.size() > 1 && s[0] == 'n') {
        std::string_view rest = trim(s.substr(1));
        static constexpr std::array<std::pair<std::string_view, Cond::Cmp>, 6> kOps{{
            {"<=", Cond::Cmp::Le}, {">=", Cond::Cmp::Ge}, {"==", Cond::Cmp::Eq},
            {"!=", Cond::Cmp::Ne}, {"<", Cond::Cmp::Lt}, {">", Cond::Cmp::Gt}}};
        for (const auto& [text, cmp] : kOps) {
          if (rest.starts_with(text)) {
            auto k = parse_int(rest.substr(text.size()));
            if (k && *k >= -kMaxArg && *k <= kMaxArg) return Cond{cmp, *k};
            break;
          }
        }
      }
    }
    value_error(ptr, fmt::format("\"if\" takes a condition \"n <op> K\" with <op> one of <, <=, >, >=, ==, != "
                                 "and K an integer from {} to {}, such as \"n > 0\"; not {}",
                                 -kMaxArg, kMaxArg, describe(v)));
    return std::nullopt;
  }

  const JsonLocator& loc_;
  std::string_view file_;
  std::vector<Diagnostic>& errors_;
  Scenario s_;
  std::unordered_map<std::string, std::int32_t> names_[4];
};

}  // namespace

const std::vector<std::string>& op_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const OpSpec& s : op_specs()) {
      out.emplace_back(s.key);
      for (const auto& m : s.modifiers) {
        if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
      }
    }
    return out;
  }();
  return keys;
}

Scenario build_scenario(const nlohmann::ordered_json& doc, const JsonLocator& locator, std::string_view file,
                        std::vector<Diagnostic>& errors) {
  return Builder(locator, file, errors).build(doc);
}

}  // namespace gosim::scenario
