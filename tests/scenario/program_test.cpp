// compile() and the cursor: the sequence of effects a goroutine performs.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scenario/program.h"
#include "scenario_test_support.h"

using namespace gosim;
using namespace gosim::scenario;
using test::must_load;
using test::scenario_with;

namespace {

// Walks function `fn` with argument n and spells each effect; a Select takes
// arm `arms[i]` for the i-th select met (-1 = default).
std::vector<std::string> walk(const Program& p, std::int32_t fn, std::int64_t n, std::vector<int> arms = {},
                              std::size_t limit = 1000) {
  const Scenario& s = *p.scenario;
  std::vector<std::string> out;
  Cursor c = start_cursor(p, fn, n);
  LoopCounters loops;
  std::size_t next_arm = 0;
  while (out.size() < limit) {
    const Instr* in = next_effect(p, c, &loops);
    if (!in) break;
    switch (in->code) {
      case Code::Compute: out.push_back("compute " + format_duration(in->dur.a)); break;
      case Code::Go:
        out.push_back("go " + s.functions[static_cast<std::size_t>(in->target)].name + " x" + std::to_string(in->k) +
                      " n=" + std::to_string((in->arg_uses_n ? c.n : 0) + in->arg_k));
        break;
      case Code::Send: out.push_back("send " + s.channels[static_cast<std::size_t>(in->target)].name); break;
      case Code::Recv: out.push_back("recv " + s.channels[static_cast<std::size_t>(in->target)].name); break;
      case Code::Select: {
        int arm = arms.at(next_arm++);
        out.push_back("select " + std::to_string(arm));
        enter_select_arm(p, c, *in, arm);
        break;
      }
      case Code::Yield: out.push_back("yield"); break;
      case Code::Gc: out.push_back("gc"); break;
      case Code::Alloc: out.push_back("alloc " + std::to_string(in->k) + (in->retain ? " retain" : "")); break;
      case Code::WgAdd: out.push_back("wg_add " + std::to_string(in->k)); break;
      default: out.push_back(std::string("op ") + op_name(static_cast<OpKind>(in->code))); break;
    }
  }
  return out;
}

Program compiled(const std::string& text) { return compile(must_load(text)); }

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("cursor: straight-line ops in order, then the end") {
  Program p = compiled(scenario_with(R"({"compute": "1ms"}, "yield", {"alloc": "1KiB", "retain": true}, "gc",
                                        {"wg_add": "wg", "delta": -3}, {"wg_done": "wg"})",
                                     R"("waitgroups": ["wg"],)"));
  CHECK(walk(p, 0, 0) == V{"compute 1ms", "yield", "alloc 1024 retain", "gc", "wg_add -3", "op wg_done"});
  CHECK(p.entry_pc.size() == 1);
  // The cursor stays at the end.
  Cursor c = start_cursor(p, 0, 0);
  CHECK(p.loop_depth == std::vector<std::uint8_t>{0});
  while (next_effect(p, c, nullptr)) {  // no repeat: no counters needed
  }
  CHECK(next_effect(p, c, nullptr) == nullptr);
}

TEST_CASE("cursor: an empty function returns at once") {
  Program p = compiled(scenario_with(""));
  Cursor c = start_cursor(p, 0, 0);
  CHECK(next_effect(p, c, nullptr) == nullptr);
}

TEST_CASE("cursor: nested repeat") {
  Program p = compiled(scenario_with(
      R"({"repeat": 2, "do": ["yield", {"repeat": 3, "do": ["gc"]}, {"repeat": 0, "do": ["yield"]}]}, {"compute": "1us"})"));
  CHECK(walk(p, 0, 0) == V{"yield", "gc", "gc", "gc", "yield", "gc", "gc", "gc", "compute 1us"});
  CHECK(p.loop_depth == std::vector<std::uint8_t>{2});
}

TEST_CASE("cursor: the deepest allowed loop nest runs every iteration") {
  std::string s = "\"yield\"";
  for (int i = 0; i < kMaxLoopDepth; ++i) s = "{\"repeat\": 2, \"do\": [" + s + "]}";
  Program p = compiled(scenario_with(s));
  CHECK(walk(p, 0, 0, {}, 10000).size() == 256u);  // 2^8
}

TEST_CASE("cursor: if and else choose by n") {
  Program p = compiled(scenario_with(
      R"({"if": "n >= 2", "then": ["yield"], "else": ["gc"]}, {"if": "n == 5", "then": [{"compute": "5us"}]},
         {"if": "n != 5", "then": [], "else": [{"compute": "6us"}]})"));
  CHECK(walk(p, 0, 0) == V{"gc"});
  CHECK(walk(p, 0, 2) == V{"yield"});
  CHECK(walk(p, 0, 5) == V{"yield", "compute 5us", "compute 6us"});
  CHECK(walk(p, 0, -7) == V{"gc"});
}

TEST_CASE("cursor: go evaluates the child's n from the parent's") {
  Program p = compiled(scenario_with(
      R"({"go": "w", "count": 3, "arg": "n-1"}, {"go": "w", "arg": 9}, {"go": "w"}, {"go": "w", "arg": "n+4"})", "",
      R"("w": [])"));
  CHECK(walk(p, 0, 10) == V{"go w x3 n=9", "go w x1 n=9", "go w x1 n=10", "go w x1 n=14"});
}

TEST_CASE("cursor: select arms and default continue after the select") {
  Program p = compiled(scenario_with(
      R"({"select": [{"recv": "a", "do": [{"compute": "1us"}, "yield"]}, {"send": "b"}], "default": ["gc"]},
         {"compute": "9us"})",
      R"("channels": {"a": {}, "b": {}},)"));
  CHECK(walk(p, 0, 0, {0}) == V{"select 0", "compute 1us", "yield", "compute 9us"});
  CHECK(walk(p, 0, 0, {1}) == V{"select 1", "compute 9us"});
  CHECK(walk(p, 0, 0, {-1}) == V{"select -1", "gc", "compute 9us"});
  REQUIRE(p.selects.size() == 1);
  CHECK(p.selects[0].arms.size() == 2);
  CHECK(p.selects[0].arms[1].is_send);
  CHECK(p.selects[0].default_pc >= 0);
}

TEST_CASE("cursor: select inside repeat, arms differing per iteration") {
  Program p = compiled(scenario_with(
      R"({"repeat": 3, "do": [{"select": [{"recv": "a", "do": ["yield"]}, {"recv": "b"}]}]}, "gc")",
      R"("channels": {"a": {}, "b": {}},)"));
  CHECK(walk(p, 0, 0, {0, 1, 0}) == V{"select 0", "yield", "select 1", "select 0", "yield", "gc"});
  CHECK(p.selects[0].default_pc == -1);
}

TEST_CASE("cursor: loops whose body does nothing for this n finish at once") {
  // 4e9 iterations of an if that is false for n = 0, nested: must not spin.
  std::string body = R"({"if": "n > 5", "then": ["yield"]})";
  for (int i = 0; i < kMaxLoopDepth; ++i) body = "{\"repeat\": 4294967295, \"do\": [" + body + "]}";
  Program p = compiled(scenario_with(body + ", \"gc\""));
  CHECK(walk(p, 0, 0) == V{"gc"});
  // The same loops for n = 6 do yield (and would for a very long time).
  CHECK(walk(p, 0, 6, {}, 50) == V(50, "yield"));
  // An empty loop and an effect after a partly effectful loop.
  Program q = compiled(scenario_with(R"({"repeat": 1000000000, "do": []},
      {"repeat": 3, "do": ["yield", {"repeat": 1000000000, "do": [{"if": "n > 0", "then": ["gc"]}]}]}, "gc")"));
  CHECK(walk(q, 0, 0) == V{"yield", "yield", "yield", "gc"});
}

TEST_CASE("cursor: each instruction knows where its op came from") {
  Program p = compiled("{\"gosim\": 1, \"name\": \"t\", \"description\": \"d\",\n\"functions\": {\"main\": [\n"
                       "  \"yield\",\n  {\"compute\": \"1ms\"}]}}");
  Cursor c = start_cursor(p, 0, 0);
  const Instr* in = next_effect(p, c, nullptr);
  REQUIRE(in);
  CHECK(p.locs[static_cast<std::size_t>(in->loc)].line == 3);
  in = next_effect(p, c, nullptr);
  REQUIRE(in);
  CHECK(p.locs[static_cast<std::size_t>(in->loc)].path == "/functions/main/1");
  CHECK(p.locs[static_cast<std::size_t>(in->loc)].line == 4);
}

TEST_CASE("cursor: functions have separate entry points") {
  Program p = compiled(scenario_with(R"("yield")", "", R"("a": ["gc"], "b": [{"compute": "2us"}])"));
  REQUIRE(p.entry_pc.size() == 3);
  CHECK(walk(p, 1, 0) == V{"gc"});
  CHECK(walk(p, 2, 0) == V{"compute 2us"});
  CHECK(walk(p, 0, 0) == V{"yield"});
}

TEST_CASE("program: each function's deepest repeat nesting, through ifs and select arms") {
  // Sibling repeats count once; a repeat inside an if or a select arm counts.
  Program p = compiled(scenario_with(
      R"({"repeat": 2, "do": ["yield"]}, {"repeat": 2, "do": ["gc"]})", R"("channels": {"ch": {"capacity": 1}},)",
      R"("a": [{"if": "n > 0", "then": [{"repeat": 2, "do": [{"repeat": 2, "do": [{"repeat": 2, "do": ["gc"]}]}]}]}],
         "b": [{"select": [{"recv": "ch", "do": [{"repeat": 3, "do": ["yield"]}]}]}],
         "c": ["gc"])"));
  REQUIRE(p.loop_depth.size() == 4);
  CHECK(p.loop_depth == std::vector<std::uint8_t>{1, 3, 1, 0});
}
