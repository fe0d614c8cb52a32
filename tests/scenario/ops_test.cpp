// Every op of the format, parsed into the model.
#include <doctest/doctest.h>

#include "scenario_test_support.h"

using namespace gosim;
using namespace gosim::scenario;
using test::must_fail;
using test::must_load;
using test::scenario_with;

namespace {
const std::string kDecls =
    "\"channels\": {\"jobs\": {\"capacity\": 10}, \"done\": {}},\n"
    "\"mutexes\": [\"mu\", \"mu2\"],\n\"waitgroups\": [\"wg\"],\n";

const Op& only_op(const Scenario& s) {
  REQUIRE(s.functions[static_cast<std::size_t>(s.entry)].ops.size() == 1);
  return s.functions[static_cast<std::size_t>(s.entry)].ops[0];
}
}  // namespace

TEST_CASE("ops: compute, syscall, netwait and sleep take durations") {
  auto s = must_load(scenario_with(
      R"({"compute": "250us"}, {"syscall": "1ms"}, {"netwait": "2s"}, {"sleep": "3m"})"));
  const auto& ops = s->functions[0].ops;
  REQUIRE(ops.size() == 4);
  CHECK(ops[0].kind == OpKind::Compute);
  CHECK(ops[0].dur == DurationSpec::fixed(250 * kMicrosecond));
  CHECK(ops[1].kind == OpKind::Syscall);
  CHECK(ops[1].dur == DurationSpec::fixed(kMillisecond));
  CHECK(ops[2].kind == OpKind::NetWait);
  CHECK(ops[2].dur == DurationSpec::fixed(2 * kSecond));
  CHECK(ops[3].kind == OpKind::Sleep);
  CHECK(ops[3].dur == DurationSpec::fixed(180 * kSecond));
}

TEST_CASE("ops: random durations") {
  auto s = must_load(scenario_with(R"({"compute": {"uniform": ["1ms", "3ms"]}}, {"sleep": {"exp": "500us"}},
                                      {"compute": {"uniform": ["2ms", "2ms"]}})"));
  const auto& ops = s->functions[0].ops;
  CHECK(ops[0].dur == DurationSpec{DurationSpec::Dist::Uniform, kMillisecond, 3 * kMillisecond});
  CHECK(ops[1].dur.dist == DurationSpec::Dist::Exp);
  CHECK(ops[1].dur.a == 500 * kMicrosecond);
  CHECK(ops[2].dur.dist == DurationSpec::Dist::Uniform);
  CHECK(ops[2].dur.a == ops[2].dur.b);
}

TEST_CASE("ops: bad durations") {
  CHECK(must_fail(scenario_with(R"({"compute": {"uniform": ["3ms", "1ms"]}})")).find("lo <= hi") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"compute": {"uniform": ["3ms"]}})")).find("two durations") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"compute": {"exp": "0s"}})")).find("out of range") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"compute": {"exp": "1ms", "uniform": ["1ms", "2ms"]}})"))
            .find("exactly one key") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"compute": {"gauss": "1ms"}})")).find("unknown distribution") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"compute": "25h"})")).find("out of range") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"compute": "-1ms"})")).find("negative") != std::string::npos);
  CHECK(must_load(scenario_with(R"({"compute": "24h"}, {"compute": "0s"})"))->functions[0].ops.size() == 2);
}

TEST_CASE("ops: go with count and every form of arg") {
  auto s = must_load(scenario_with(
      R"({"go": "w"}, {"go": "w", "count": 4, "arg": 7}, {"go": "w", "arg": "n-2"}, {"go": "w", "arg": "n + 3"},
         {"go": "w", "arg": "n"}, {"go": "w", "arg": -5})",
      "", R"("w": [])"));
  const auto& ops = s->functions[0].ops;
  REQUIRE(ops.size() == 6);
  CHECK(s->functions[1].name == "w");
  CHECK(ops[0].kind == OpKind::Go);
  CHECK(ops[0].target == 1);
  CHECK(ops[0].count == 1);
  CHECK(ops[0].arg == ArgExpr{true, 0});
  CHECK(ops[1].count == 4);
  CHECK(ops[1].arg == ArgExpr{false, 7});
  CHECK(ops[2].arg == ArgExpr{true, -2});
  CHECK(ops[3].arg == ArgExpr{true, 3});
  CHECK(ops[4].arg == ArgExpr{true, 0});
  CHECK(ops[5].arg == ArgExpr{false, -5});
  CHECK(ops[2].arg.eval(10) == 8);
  CHECK(ops[1].arg.eval(10) == 7);
}

TEST_CASE("ops: bad go") {
  std::string w = R"("w": [])";
  CHECK(must_fail(scenario_with(R"({"go": "w", "count": 0})", "", w)).find("from 1 to 10000000") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": "w", "count": 10000001})", "", w)).find("from 1 to 10000000") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": "w", "count": 2.5})", "", w)).find("not 2.5") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": "w", "count": "4"})", "", w)).find("without quotes") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": "w", "arg": "n*2"})", "", w)).find("\"n-K\"") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": "w", "arg": "n--1"})", "", w)).find("\"n-K\"") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": "w", "arg": 2000000000})", "", w)).find("1000000000") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"go": 3})", "", w)).find("takes the name of a function") != std::string::npos);
}

TEST_CASE("ops: channel ops") {
  auto s = must_load(scenario_with(R"({"send": "jobs"}, {"recv": "done"}, {"close": "jobs"})", kDecls));
  const auto& ops = s->functions[0].ops;
  REQUIRE(s->channels.size() == 2);
  CHECK(s->channels[0].name == "jobs");
  CHECK(s->channels[0].capacity == 10);
  CHECK(s->channels[1].name == "done");
  CHECK(s->channels[1].capacity == 0);
  CHECK(ops[0].kind == OpKind::Send);
  CHECK(ops[0].target == 0);
  CHECK(ops[1].kind == OpKind::Recv);
  CHECK(ops[1].target == 1);
  CHECK(ops[2].kind == OpKind::Close);
  CHECK(ops[2].target == 0);
}

TEST_CASE("ops: select with cases, bodies and default") {
  auto s = must_load(scenario_with(
      R"({"select": [{"recv": "jobs", "do": [{"compute": "1ms"}]}, {"send": "done"}], "default": ["yield"]},
         {"select": [{"recv": "done"}]})",
      kDecls));
  const auto& ops = s->functions[0].ops;
  const Op& sel = ops[0];
  CHECK(sel.kind == OpKind::Select);
  REQUIRE(sel.cases.size() == 2);
  CHECK_FALSE(sel.cases[0].is_send);
  CHECK(sel.cases[0].chan == 0);
  REQUIRE(sel.cases[0].body.size() == 1);
  CHECK(sel.cases[0].body[0].kind == OpKind::Compute);
  CHECK(sel.cases[1].is_send);
  CHECK(sel.cases[1].chan == 1);
  CHECK(sel.cases[1].body.empty());
  CHECK(sel.has_default);
  REQUIRE(sel.else_body.size() == 1);
  CHECK(sel.else_body[0].kind == OpKind::Yield);
  CHECK_FALSE(ops[1].has_default);
  // An empty default still makes the select non-blocking.
  auto s2 = must_load(scenario_with(R"({"select": [{"recv": "done"}], "default": []})", kDecls));
  CHECK(only_op(*s2).has_default);
  CHECK(must_fail(scenario_with(R"({"select": [{"close": "done"}]})", kDecls)).find("select case") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"select": [{"recv": "done", "send": "jobs"}]})", kDecls))
            .find("exactly one of") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"select": [{"do": []}]})", kDecls)).find("needs \"recv\" or \"send\"") !=
        std::string::npos);
}

TEST_CASE("ops: mutex and wait group ops") {
  auto s = must_load(scenario_with(
      R"({"lock": "mu2"}, {"unlock": "mu2"}, {"wg_add": "wg"}, {"wg_add": "wg", "delta": -2}, {"wg_done": "wg"},
         {"wg_wait": "wg"})",
      kDecls));
  const auto& ops = s->functions[0].ops;
  CHECK(ops[0].kind == OpKind::Lock);
  CHECK(ops[0].target == 1);
  CHECK(ops[1].kind == OpKind::Unlock);
  CHECK(ops[2].kind == OpKind::WgAdd);
  CHECK(ops[2].count == 1);
  CHECK(ops[3].count == -2);
  CHECK(ops[4].kind == OpKind::WgDone);
  CHECK(ops[5].kind == OpKind::WgWait);
  CHECK(ops[5].target == 0);
  CHECK(must_fail(scenario_with(R"({"wg_add": "wg", "delta": 0})", kDecls)).find("non-zero") != std::string::npos);
}

TEST_CASE("ops: yield and gc, as objects or bare strings") {
  auto s = must_load(scenario_with(R"("yield", {"yield": true}, "gc", {"gc": true})"));
  const auto& ops = s->functions[0].ops;
  CHECK(ops[0].kind == OpKind::Yield);
  CHECK(ops[1].kind == OpKind::Yield);
  CHECK(ops[2].kind == OpKind::Gc);
  CHECK(ops[3].kind == OpKind::Gc);
  CHECK(must_fail(scenario_with(R"({"gc": 1})")).find("write {\"gc\": true}") != std::string::npos);
  CHECK(must_fail(scenario_with(R"("send")")).find("needs an argument") != std::string::npos);
}

TEST_CASE("ops: alloc with and without retain") {
  auto s = must_load(scenario_with(R"({"alloc": "64KiB"}, {"alloc": "1MB", "retain": true}, {"alloc": "1TiB"})"));
  const auto& ops = s->functions[0].ops;
  CHECK(ops[0].kind == OpKind::Alloc);
  CHECK(ops[0].count == 65536);
  CHECK_FALSE(ops[0].retain);
  CHECK(ops[1].count == 1'000'000);
  CHECK(ops[1].retain);
  CHECK(ops[2].count == std::int64_t{1} << 40);
  CHECK(must_fail(scenario_with(R"({"alloc": "1025GiB"})")).find("out of range") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"alloc": "0B"})")).find("out of range") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"alloc": 4096})")).find("write \"4096B\"") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"alloc": "1KiB", "retain": "yes"})")).find("true or false") != std::string::npos);
}

TEST_CASE("ops: repeat, including zero and the largest count") {
  auto s = must_load(scenario_with(R"({"repeat": 3, "do": [{"compute": "1ms"}, "yield"]}, {"repeat": 0, "do": []},
                                      {"repeat": 4294967295, "do": ["yield"]})"));
  const auto& ops = s->functions[0].ops;
  CHECK(ops[0].kind == OpKind::Repeat);
  CHECK(ops[0].count == 3);
  REQUIRE(ops[0].body.size() == 2);
  CHECK(ops[0].body[1].kind == OpKind::Yield);
  CHECK(ops[1].count == 0);
  CHECK(ops[2].count == 4294967295);
  CHECK(must_fail(scenario_with(R"({"repeat": 4294967296, "do": []})")).find("0 to 4294967295") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"repeat": 2})")).find("missing required key \"do\"") != std::string::npos);
}

TEST_CASE("ops: repeat nesting is bounded by kMaxLoopDepth") {
  auto nest = [](int depth) {
    std::string s = "\"yield\"";
    for (int i = 0; i < depth; ++i) s = "{\"repeat\": 2, \"do\": [" + s + "]}";
    return s;
  };
  must_load(scenario_with(nest(8)));
  CHECK(must_fail(scenario_with(nest(9))).find("nest at most 8 deep") != std::string::npos);
  // Nesting inside if and select arms counts too; separate loops in sequence don't add up.
  must_load(scenario_with(nest(8) + ", " + nest(8)));
  CHECK(must_fail(scenario_with("{\"if\": \"n == 0\", \"then\": [" + nest(4) + "]}, {\"repeat\": 1, \"do\": [" +
                                "{\"if\": \"n == 0\", \"then\": [" + nest(8) + "]}]}"))
            .find("nest at most") != std::string::npos);
}

TEST_CASE("ops: if with every comparison, then and else") {
  auto s = must_load(scenario_with(
      R"({"if": "n < 1", "then": ["yield"]}, {"if": "n<=2", "then": [], "else": ["gc"]}, {"if": "n > -3", "then": []},
         {"if": "n >= 4", "then": []}, {"if": "n == 5", "then": []}, {"if": " n != 6 ", "then": []})"));
  const auto& ops = s->functions[0].ops;
  REQUIRE(ops.size() == 6);
  CHECK(ops[0].kind == OpKind::If);
  CHECK(ops[0].cond == Cond{Cond::Cmp::Lt, 1});
  REQUIRE(ops[0].body.size() == 1);
  CHECK(ops[0].else_body.empty());
  CHECK(ops[1].cond == Cond{Cond::Cmp::Le, 2});
  REQUIRE(ops[1].else_body.size() == 1);
  CHECK(ops[1].else_body[0].kind == OpKind::Gc);
  CHECK(ops[2].cond == Cond{Cond::Cmp::Gt, -3});
  CHECK(ops[3].cond == Cond{Cond::Cmp::Ge, 4});
  CHECK(ops[4].cond == Cond{Cond::Cmp::Eq, 5});
  CHECK(ops[5].cond == Cond{Cond::Cmp::Ne, 6});
  for (const char* bad : {"\"n = 1\"", "\"m > 1\"", "\"n > x\"", "\"n >\"", "3", "\"n > 1 and n < 3\""}) {
    CAPTURE(bad);
    CHECK(must_fail(scenario_with(std::string("{\"if\": ") + bad + ", \"then\": []}")).find("condition") !=
          std::string::npos);
  }
  CHECK(must_fail(scenario_with(R"({"if": "n > 1"})")).find("missing required key \"then\"") != std::string::npos);
}

TEST_CASE("ops: op objects with unknown, missing or extra keys") {
  std::string e = must_fail(scenario_with(R"({"comptue": "1ms"})"));
  CHECK(e.find("unknown op \"comptue\"") != std::string::npos);
  CHECK(e.find("did you mean \"compute\"?") != std::string::npos);
  e = must_fail(scenario_with(R"({"compute": "1ms", "count": 2})"));
  CHECK(e.find("unknown key \"count\" in a \"compute\" op (compute takes none)") != std::string::npos);
  e = must_fail(scenario_with(R"({"go": "main", "cuont": 2})"));
  CHECK(e.find("did you mean \"count\"?") != std::string::npos);
  e = must_fail(scenario_with(R"({"send": "a", "recv": "a"})", R"("channels": {"a": {}},)"));
  CHECK(e.find("exactly one op key") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({})")).find("an empty object") != std::string::npos);
  CHECK(must_fail(scenario_with(R"({"count": 3})")).find("only modifiers") != std::string::npos);
  CHECK(must_fail(scenario_with(R"(42)")).find("an op is an object") != std::string::npos);
}

TEST_CASE("ops: references name the right kind and suggest declared names") {
  std::string e = must_fail(scenario_with(R"({"send": "jbos"})", kDecls));
  CHECK(e.find("unknown channel \"jbos\"") != std::string::npos);
  CHECK(e.find("did you mean \"jobs\"?") != std::string::npos);
  e = must_fail(scenario_with(R"({"lock": "wg"})", kDecls));
  CHECK(e.find("\"lock\" takes a mutex, but \"wg\" is a wait group") != std::string::npos);
  e = must_fail(scenario_with(R"({"wg_wait": "mu"})", kDecls));
  CHECK(e.find("is a mutex") != std::string::npos);
  e = must_fail(scenario_with(R"({"go": "jobs"})", kDecls));
  CHECK(e.find("\"go\" takes a function, but \"jobs\" is a channel") != std::string::npos);
  e = must_fail(scenario_with(R"({"lock": "m"})"));
  CHECK(e.find("no mutex is declared") != std::string::npos);
}

TEST_CASE("ops: every op carries its source location") {
  auto s = must_load("{\"gosim\": 1, \"name\": \"t\", \"description\": \"d\",\n\"functions\": {\"main\": [\n"
                     "  \"yield\",\n  {\"repeat\": 2, \"do\": [\n    {\"compute\": \"1ms\"}]}]}}");
  const auto& ops = s->functions[0].ops;
  CHECK(ops[0].loc.line == 3);
  CHECK(ops[0].loc.column == 3);
  CHECK(ops[0].loc.path == "/functions/main/0");
  CHECK(ops[1].loc.line == 4);
  CHECK(ops[1].body[0].loc.line == 5);
  CHECK(ops[1].body[0].loc.column == 5);
  CHECK(ops[1].body[0].loc.path == "/functions/main/1/do/0");
  CHECK(s->functions[0].loc.line == 2);
}
