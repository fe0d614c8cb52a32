// Loading as a whole: the top level, config, hashing, overrides, and input
// that is not a scenario at all.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenario/format_limits.h"
#include "scenario_test_support.h"

using namespace gosim;
using namespace gosim::scenario;
using test::all_errors;
using test::must_fail;
using test::must_load;
using test::scenario_with;

namespace {

// A value for key that differs from its default and is in range, as JSON
// (for scenario files) and as --set text.
std::pair<nlohmann::json, std::string> other_value(const ConfigKey& k) {
  Config defaults;
  nlohmann::json current = config_value_json(defaults, k);
  switch (k.type) {
    case ValueType::Bool: return {!current.get<bool>(), current.get<bool>() ? "false" : "true"};
    case ValueType::Int: {
      auto v = static_cast<std::int64_t>(current.get<std::int64_t>() == static_cast<std::int64_t>(k.min) ? k.max : k.min);
      return {v, std::to_string(v)};
    }
    case ValueType::Seed: {
      std::uint64_t v = current.get<std::uint64_t>() + 12345;
      return {v, std::to_string(v)};
    }
    case ValueType::Ratio: {
      double v = (k.min + k.max) / 2 == current.get<double>() ? k.min : (k.min + k.max) / 2;
      return {v, fmt::format("{}", v)};
    }
    case ValueType::Duration: {
      // An extreme that differs from the default and keeps the cross-key
      // rules (check_config): sysmon_max_delay cannot drop below the minimum.
      for (double extreme : {k.min, k.max}) {
        auto v = static_cast<Nanos>(extreme);
        if (v == parse_duration(current.get<std::string>())) continue;
        Config c;
        REQUIRE_FALSE(set_config_text(c, k, format_duration(v)).has_value());
        if (!check_config(c)) return {format_duration(v), format_duration(v)};
      }
      FAIL("no other valid value for ", k.key);
      return {};
    }
    case ValueType::Bytes: {
      auto v = static_cast<std::int64_t>(parse_bytes(current.get<std::string>()) == static_cast<std::int64_t>(k.min) ? k.max : k.min);
      return {format_bytes(v), format_bytes(v)};
    }
  }
  return {};
}

// {"costs": {"spawn": v}} for "costs.spawn".
nlohmann::json nested(std::string_view key, const nlohmann::json& v) {
  auto dot = key.find('.');
  if (dot == std::string_view::npos) return {{std::string(key), v}};
  return {{std::string(key.substr(0, dot)), {{std::string(key.substr(dot + 1)), v}}}};
}

}  // namespace

TEST_CASE("load: hello, with defaults and every top-level key") {
  auto s = must_load(R"({"gosim": 1, "name": "hello", "description": "lesson", "entry": "start",
    "config": {"gomaxprocs": 2}, "channels": {"c": {}}, "mutexes": ["mu"], "waitgroups": ["wg", "wg2"],
    "functions": {"helper": [], "start": [{"go": "helper"}]}})");
  CHECK(s->name == "hello");
  CHECK(s->description == "lesson");
  CHECK(s->file == "test.json");
  REQUIRE(s->functions.size() == 2);
  CHECK(s->functions[0].name == "helper");  // file order, not sorted
  CHECK(s->entry == 1);
  CHECK(s->config.gomaxprocs == 2);
  CHECK(s->config.seed == Config{}.seed);
  CHECK(s->mutexes.size() == 1);
  CHECK(s->waitgroups[1].name == "wg2");
  CHECK(s->hash.size() == 16);
  CHECK(s->hash.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("load: the entry defaults to main and must exist") {
  CHECK(must_load(R"({"gosim":1,"name":"t","description":"d","functions":{"x":[],"main":[]}})")->entry == 1);
  std::string e = must_fail(R"({"gosim":1,"name":"t","description":"d","functions":{"mian":[]}})");
  CHECK(e.find("no function \"main\"") != std::string::npos);
  CHECK(e.find("did you mean \"mian\"?") != std::string::npos);
  e = must_fail(R"({"gosim":1,"name":"t","description":"d","entry":"x","functions":{"main":[]}})");
  CHECK(e.find("entry function \"x\"") != std::string::npos);
}

TEST_CASE("load: every config key can be set in the file") {
  for (const ConfigKey& k : config_keys()) {
    CAPTURE(k.key);
    auto [value, text] = other_value(k);
    std::string extra = "\"config\": " + nested(k.key, value).dump() + ",\n";
    auto s = must_load(scenario_with("", extra));
    CHECK(config_value_json(s->config, k) == value);
    CHECK(config_value_json(s->config, k) != config_value_json(Config{}, k));
  }
}

TEST_CASE("load: every config key can be set with --set") {
  auto base = must_load(scenario_with(""));
  for (const ConfigKey& k : config_keys()) {
    CAPTURE(k.key);
    auto [value, text] = other_value(k);
    LoadResult r = apply_overrides(base, {std::string(k.key) + "=" + text});
    INFO(all_errors(r));
    REQUIRE(r.ok());
    CHECK(config_value_json(r.scenario->config, k) == value);
    CHECK(r.scenario->hash != base->hash);  // the hash covers the config
  }
}

TEST_CASE("load: config errors name the key and suggest from the registry") {
  std::string e = must_fail(scenario_with("", R"("config": {"gomaxproc": 2},)"));
  CHECK(e.find("unknown config key \"gomaxproc\"") != std::string::npos);
  CHECK(e.find("did you mean \"gomaxprocs\"?") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"spawn": "1us"},)"));
  CHECK(e.find("did you mean \"costs.spawn\"?") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"costs": {"gogc": 50}},)"));
  CHECK(e.find("\"gogc\" belongs in section \"gc\"") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"mechanisms": {"work_steal": false}},)"));
  CHECK(e.find("did you mean \"work_stealing\"?") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"costs": 5},)"));
  CHECK(e.find("must be an object") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"seed": -1},)"));
  CHECK(e.find("at /config/seed") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"gomaxprocs": [2]},)"));
  CHECK(e.find("an integer from 1 to 1024") != std::string::npos);
  e = must_fail(scenario_with("", R"("config": {"costs": {"spawn": 300}},)"));
  CHECK(e.find("at /config/costs/spawn") != std::string::npos);
}

TEST_CASE("load: --set errors come from the command line") {
  auto base = must_load(scenario_with(""));
  LoadResult r = apply_overrides(base, {"gomaxproc=4", "mechanisms.runnext=perhaps", "seed", "costs.spawn=-1ns"});
  CHECK_FALSE(r.ok());
  REQUIRE(r.errors.size() == 4);
  for (const Diagnostic& d : r.errors) CHECK(d.file == "<command line>");
  CHECK(r.errors[0].path == "/config/gomaxproc");
  CHECK(r.errors[0].hint == "did you mean \"gomaxprocs\"?");
  CHECK(r.errors[1].path == "/config/mechanisms/runnext");
  CHECK(r.errors[1].message.find("true or false") != std::string::npos);
  CHECK(r.errors[2].message.find("KEY=VALUE") != std::string::npos);
  CHECK(r.errors[3].message.find("negative") != std::string::npos);
  CHECK(format_diagnostic(r.errors[0]) ==
        "<command line>: error: at /config/gomaxproc: --set: unknown config key \"gomaxproc\" "
        "(did you mean \"gomaxprocs\"?)");
  CHECK_FALSE(apply_overrides(nullptr, {}).ok());
  // No overrides: the same scenario.
  LoadResult same = apply_overrides(base, {});
  REQUIRE(same.ok());
  CHECK(same.scenario->hash == base->hash);
}

TEST_CASE("hash: independent of key order, whitespace and spelling, sensitive to content") {
  auto a = must_load(R"({"gosim": 1, "name": "t", "description": "d", "config": {"seed": 3, "gomaxprocs": 2},
      "functions": {"main": [{"compute": "1ms"}, {"go": "w", "count": 2}], "w": ["yield"]}})");
  auto b = must_load("{\"functions\":{\"w\":[{\"yield\":true}],\"main\":[{\"compute\":\"1000us\"},"
                     "{\"count\":2,\"go\":\"w\",\"arg\":\"n\"}]},\"config\":{\"gomaxprocs\":2,\"seed\":3},"
                     "\"description\":\"d\",\"name\":\"t\",\"gosim\":1,\"entry\":\"main\"}");
  CHECK(a->hash == b->hash);
  CHECK(canonical_json(*a) == canonical_json(*b));
  auto c = must_load(R"({"gosim": 1, "name": "t", "description": "d", "config": {"seed": 4, "gomaxprocs": 2},
      "functions": {"main": [{"compute": "1ms"}, {"go": "w", "count": 2}], "w": ["yield"]}})");
  CHECK(a->hash != c->hash);
  auto d = must_load(R"({"gosim": 1, "name": "t", "description": "d", "config": {"seed": 3, "gomaxprocs": 2},
      "functions": {"main": [{"compute": "1ms"}, {"go": "w", "count": 3}], "w": ["yield"]}})");
  CHECK(a->hash != d->hash);
  // Writing a default explicitly changes nothing.
  auto e = must_load(R"({"gosim": 1, "name": "t", "description": "d",
      "config": {"seed": 3, "gomaxprocs": 2, "costs": {"spawn": "300ns"}},
      "functions": {"main": [{"compute": "1ms"}, {"go": "w", "count": 2}], "w": ["yield"]}})");
  CHECK(a->hash == e->hash);
}

TEST_CASE("hash: FNV-1a 64 of the canonical JSON") {
  auto s = must_load(scenario_with(R"("yield")"));
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : canonical_json(*s)) h = (h ^ c) * 0x100000001b3ULL;
  CHECK(s->hash == fmt::format("{:016x}", h));
}

TEST_CASE("canonical_json loads back into the same scenario") {
  auto s = must_load(R"({"gosim": 1, "name": "round trip", "description": "every op", "entry": "main",
    "config": {"gomaxprocs": 3, "mechanisms": {"gc": false}},
    "channels": {"a": {"capacity": 2}, "b": {}}, "mutexes": ["mu"], "waitgroups": ["wg"],
    "functions": {
      "main": [{"wg_add": "wg", "delta": 2}, {"go": "w", "count": 2, "arg": 3}, {"wg_wait": "wg"},
               {"select": [{"recv": "a", "do": ["yield"]}, {"send": "b"}], "default": ["gc"]},
               {"alloc": "1MiB", "retain": true}, {"sleep": {"exp": "1ms"}}, {"close": "a"}],
      "w": [{"if": "n > 0", "then": [{"go": "w", "arg": "n-1"}], "else": [{"syscall": "1ms"}]},
            {"repeat": 2, "do": [{"lock": "mu"}, {"compute": {"uniform": ["1us", "2us"]}}, {"unlock": "mu"}]},
            {"netwait": "5ms"}, {"send": "b"}, {"recv": "b"}, {"wg_done": "wg"}]}})");
  std::string canonical = canonical_json(*s);
  auto again = must_load(canonical);
  CHECK(canonical_json(*again) == canonical);
  CHECK(again->hash == s->hash);
  CHECK(nlohmann::json::parse(canonical)["functions"]["w"][0]["if"] == "n > 0");
}

TEST_CASE("load: top-level problems are all reported, each located") {
  LoadResult r = load_scenario_text(R"({
  "gosim": 2,
  "nmae": "x",
  "description": 5,
  "functions": {"main": [{"sleep": "1 ms"}]}
})", "f.json");
  CHECK_FALSE(r.ok());
  std::string e = all_errors(r);
  CHECK(e.find("f.json:2:12: error: at /gosim: unsupported format version 2") != std::string::npos);
  CHECK(e.find("f.json:3:3: error: at /nmae: unknown top-level key \"nmae\" (did you mean \"name\"?)") !=
        std::string::npos);
  CHECK(e.find("f.json:1:1: error: at /name: missing required key \"name\"") != std::string::npos);
  CHECK(e.find("f.json:4:18: error: at /description:") != std::string::npos);
  CHECK(e.find("f.json:5:36: error: at /functions/main/0/sleep:") != std::string::npos);
  // In file order.
  for (std::size_t i = 1; i < r.errors.size(); ++i) {
    CHECK(std::pair(r.errors[i - 1].line, r.errors[i - 1].column) <= std::pair(r.errors[i].line, r.errors[i].column));
  }
}

TEST_CASE("load: names") {
  CHECK(must_fail(scenario_with("", R"("mutexes": ["a", "a"],)")).find("already declared as a mutex") != std::string::npos);
  CHECK(must_fail(scenario_with("", R"("mutexes": ["a"], "waitgroups": ["a"],)")).find("distinct names") !=
        std::string::npos);
  CHECK(must_fail(scenario_with("", R"("mutexes": ["1a"],)")).find("bad mutex name") != std::string::npos);
  CHECK(must_fail(scenario_with("", R"("mutexes": [""],)")).find("bad mutex name") != std::string::npos);
  CHECK(must_fail(scenario_with("", "\"waitgroups\": [\"" + std::string(65, 'w') + "\"],")).find("1 to 64") !=
        std::string::npos);
  CHECK(must_fail(scenario_with("", R"("mutexes": [3],)")).find("must be a string") != std::string::npos);
  must_load(scenario_with("", R"("channels": {"jobs.in-1": {}}, "mutexes": ["_mu"],)"));
}

TEST_CASE("load: channel capacity bounds") {
  CHECK(must_load(scenario_with("", R"("channels": {"c": {"capacity": 100000000}},)"))->channels[0].capacity ==
        kMaxCapacity);
  CHECK(must_fail(scenario_with("", R"("channels": {"c": {"capacity": 100000001}},)")).find("0 to 100000000") !=
        std::string::npos);
  CHECK(must_fail(scenario_with("", R"("channels": {"c": 3},)")).find("write {\"capacity\": 3}") != std::string::npos);
}

TEST_CASE("load: input that is not a scenario never throws") {
  for (std::string text : {std::string(""), std::string("   \n"), std::string("null"), std::string("[]"),
                           std::string("\"str\""), std::string("{"), std::string("{\"gosim\": 1,}"),
                           std::string("\xEF\xBB\xBF{}"), std::string("{\"a\": \"\\ud800\"}"),
                           std::string("{\"gosim\": 1e999}"), std::string("{\"gosim\": 18446744073709551616}"),
                           std::string("{\"gosim\": -9223372036854775809}"), std::string("\x01\x02\x03", 3),
                           std::string("{\"x\": \"\xC0\xAF\"}"), std::string("tru"), std::string("{}{}")}) {
    CAPTURE(text);
    LoadResult r = load_scenario_text(text, "x.json");
    CHECK_FALSE(r.ok());
    REQUIRE_FALSE(r.errors.empty());
    for (const Diagnostic& d : r.errors) {
      CHECK(d.file == "x.json");
      CHECK_FALSE(d.message.empty());
    }
  }
}

TEST_CASE("load: nesting deeper than the limit is refused before parsing") {
  std::string deep = "{\"gosim\": 1, \"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  LoadResult r = load_scenario_text(deep, "deep.json");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("nested more than 128 levels") != std::string::npos);
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[0].column == 19 + kMaxNesting - 1);
  // Just under the limit is only a semantic error.
  std::string ok = "{\"x\": " + std::string(kMaxNesting - 1, '[') + std::string(kMaxNesting - 1, ']') + "}";
  CHECK(all_errors(load_scenario_text(ok, "ok.json")).find("nested") == std::string::npos);
}

TEST_CASE("load: oversized text is refused") {
  std::string big(static_cast<std::size_t>(kMaxFileBytes) + 1, ' ');
  LoadResult r = load_scenario_text(big, "big.json");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("limited to 16MiB") != std::string::npos);
}

TEST_CASE("load: many errors are capped") {
  std::string ops;
  for (int i = 0; i < 300; ++i) ops += std::string(i ? ", " : "") + "{\"sleep\": \"1\"}";
  LoadResult r = load_scenario_text(scenario_with(ops), "many.json");
  REQUIRE(r.errors.size() == kMaxErrors + 1);
  CHECK(r.errors.back().message == "too many errors: 200 more not shown");
}

TEST_CASE("load_scenario_file: missing files and directories") {
  LoadResult r = load_scenario_file("/nonexistent/x.json");
  REQUIRE(r.errors.size() == 1);
  CHECK(format_diagnostic(r.errors[0]) == "/nonexistent/x.json: error: cannot read the scenario: no such file");
  r = load_scenario_file(GOSIM_SOURCE_DIR);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("directory") != std::string::npos);
  r = load_scenario_file(std::string(GOSIM_SOURCE_DIR) + "/scenarios/hello.json");
  CHECK(r.ok());
}

TEST_CASE("format_diagnostic: with and without position, path and hint") {
  CHECK(format_diagnostic({"f.json", 3, 7, "/a/b", "bad", "did you mean \"c\"?"}) ==
        "f.json:3:7: error: at /a/b: bad (did you mean \"c\"?)");
  CHECK(format_diagnostic({"f.json", 0, 0, "", "no such file", ""}) == "f.json: error: no such file");
  CHECK(format_diagnostic({"f.json", 1, 1, "", "syntax", ""}) == "f.json:1:1: error: syntax");
}

TEST_CASE("load: --set is checked against the rules between keys once all are applied") {
  auto base = must_load(scenario_with(""));
  // One --set alone breaks the rule: refused, naming both keys.
  LoadResult bad = apply_overrides(base, {"constants.sysmon_min_delay=50ms"});
  REQUIRE_FALSE(bad.ok());
  std::string e = all_errors(bad);
  CHECK(e.find("at /config/constants/sysmon_min_delay") != std::string::npos);
  CHECK(e.find("constants.sysmon_max_delay") != std::string::npos);
  // The same value with a larger maximum, in either order, is fine: the rule
  // is checked after every override, not one by one.
  for (auto order : {std::vector<std::string>{"constants.sysmon_min_delay=50ms", "constants.sysmon_max_delay=100ms"},
                     std::vector<std::string>{"constants.sysmon_max_delay=100ms", "constants.sysmon_min_delay=50ms"}}) {
    LoadResult ok = apply_overrides(base, order);
    INFO(all_errors(ok));
    CHECK(ok.ok());
  }
}
