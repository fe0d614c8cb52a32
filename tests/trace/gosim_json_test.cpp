#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "trace/gosim_json.h"
#include "trace_fixtures.h"

using namespace gosim::test;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::path(GOSIM_BINARY_DIR) / "test-tmp" / ("trace-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto t = parse_gosim_json(text, &error);
  CHECK_FALSE(t.has_value());
  return error;
}

// The text with line `n` (1-based) replaced.
std::string with_line(const std::string& text, int n, const std::string& line) {
  std::istringstream in(text);
  std::string out, l;
  for (int i = 1; std::getline(in, l); ++i) out += (i == n ? line : l) + "\n";
  return out;
}

}  // namespace

TEST_CASE("gosim json: a rich trace survives write, read, write byte for byte") {
  Trace t = rich();
  std::string text = to_gosim_json(t);
  std::string error;
  auto back = parse_gosim_json(text, &error);
  REQUIRE_MESSAGE(back.has_value(), error);
  CHECK(back->header == t.header);
  CHECK(back->outcome == t.outcome);
  REQUIRE(back->events.size() == t.events.size());
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    INFO("event " << i);
    CHECK(back->events[i] == t.events[i]);
  }
  CHECK(*back == t);
  CHECK(to_gosim_json(*back) == text);
}

TEST_CASE("gosim json: the file is one JSON document with the documented sections") {
  std::string text = to_gosim_json(story());
  auto j = nlohmann::json::parse(text);
  CHECK(j["format"] == "gosim-trace");
  CHECK(j["version"] == 1);
  CHECK(j["header"]["scenario"]["name"] == "story");
  CHECK(j["header"]["names"]["channels"][0] == "jobs");
  CHECK(j["header"]["config"]["seed"] == 7);
  CHECK(j["events"].size() == story().events.size());
  CHECK(j["outcome"]["status"] == "ok");
  CHECK(j["outcome"]["truncated"] == false);
  // An event names its kind, reason and why, and explains itself.
  const auto& block = j["events"][13];
  CHECK(block["ev"] == "GoBlock");
  CHECK(block["reason"] == "ChanRecv");
  CHECK(block["why"] == "BlockChanRecv");
  CHECK(block["text"] == "G1 blocked receiving from channel jobs (empty, no sender)");
  // Fields left at their defaults are not written.
  CHECK_FALSE(j["events"][1].contains("g"));
}

TEST_CASE("gosim json: the writer streams through a temporary file and commits") {
  auto dir = fresh_dir("writer");
  auto path = (dir / "t.json").string();
  Trace t = rich();
  std::string error;
  auto w = GosimJsonWriter::create(path, &error);
  REQUIRE_MESSAGE(w, error);
  CHECK_FALSE(fs::exists(path));  // nothing at the target until commit
  replay(t, *w);
  REQUIRE_MESSAGE(w->commit(&error), error);
  CHECK(slurp(path) == to_gosim_json(t));
  auto back = read_gosim_json(path, &error);
  REQUIRE_MESSAGE(back.has_value(), error);
  CHECK(*back == t);
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);  // no temporary left behind
}

TEST_CASE("gosim json: an unwritable path fails at create and leaves nothing") {
  auto dir = fresh_dir("unwritable");
  std::string error;
  auto w = GosimJsonWriter::create((dir / "missing" / "t.json").string(), &error);
  CHECK_FALSE(w);
  CHECK(error.find("cannot write") != std::string::npos);
  CHECK(fs::is_empty(dir));
}

TEST_CASE("gosim json: events beyond limits.max_trace_events are dropped and the file says so") {
  Trace t = story();
  t.header.config["limits"]["max_trace_events"] = 5;
  auto dir = fresh_dir("limit");
  auto path = (dir / "t.json").string();
  std::string error;
  auto w = GosimJsonWriter::create(path, &error);
  REQUIRE(w);
  replay(t, *w);
  REQUIRE(w->commit(&error));
  auto back = read_gosim_json(path, &error);
  REQUIRE_MESSAGE(back.has_value(), error);
  CHECK(back->events.size() == 5);
  CHECK(back->events_dropped == static_cast<std::int64_t>(t.events.size()) - 5);
  auto j = nlohmann::json::parse(slurp(path));
  CHECK(j["outcome"]["truncated"] == true);
  CHECK(j["outcome"]["dropped"] == back->events_dropped);
  // Still lossless: what was kept reads and writes back the same.
  CHECK(to_gosim_json(*back) == slurp(path));
  // A file with more events than its own limit is refused.
  Trace over = story();
  std::string text = to_gosim_json(over);
  auto hj = nlohmann::json::parse(text)["header"];
  hj["config"]["limits"]["max_trace_events"] = 3;
  std::string limited = with_line(text, 2, "\"header\":" + hj.dump() + ",");
  CHECK(parse_error(limited).find("more than 3 events") != std::string::npos);
}

TEST_CASE("gosim json: malformed files give line:column and what was wrong") {
  std::string good = to_gosim_json(story());
  struct Case {
    std::string text;
    std::string where;
    std::string what;
  };
  std::vector<Case> cases = {
      {"", "1:1:", "unexpected end of file"},
      {"{\"traceEvents\":[]}\n", "1:1:", "not a gosim trace"},
      {with_line(good, 1, R"({"format":"gosim-trace","version":2,)"), "1:35:", "unsupported trace version 2"},
      {with_line(good, 2, R"("header":{"mode":"sim",},)"), "2:", "invalid JSON"},
      {with_line(good, 2, R"("header":{"mode":"sim"},)"), "2:10:", "missing \"clock\""},
      {with_line(good, 4, R"({"t":0,"ev":"GoFly"},)"), "4:13:", "unknown event kind \"GoFly\""},
      {with_line(good, 4, R"({"ev":"MStart"},)"), "4:", "missing field \"t\""},
      {with_line(good, 4, R"({"t":1.5,"ev":"MStart"},)"), "4:6:", "expected an integer"},
      {with_line(good, 4, R"({"t":0,"t":1,"ev":"MStart"},)"), "4:8:", "appears twice"},
      {with_line(good, 4, R"({"t":0,"ev":"MStart","colour":"red"},)"), "4:22:", "unknown field \"colour\""},
      {with_line(good, 4, R"({"t":0,"ev":"GoBlock","reason":"Bored"},)"), "4:32:", "unknown reason \"Bored\""},
      {with_line(good, 4, R"({"t":0,"ev":"MStart","g":9999999999},)"), "4:", "id out of range"},
      {with_line(good, 4, R"({"t":99999999999999999999,"ev":"MStart"},)"), "4:6:", "integer out of range"},
      {with_line(good, 4, R"({"t":0,"ev":"MStart","why":"Because"},)"), "4:", "unknown why code"},
      {with_line(good, 4, R"({"t":0,"ev":"MStart")"), "4:", "expected ',' or '}'"},
      {with_line(good, 4, R"({"t":0,"ev":"MStart"} x)"), "4:", "unexpected text"},
      {with_line(good, 4, R"({"t":0,"ev":"MStart","text":"unterminated},)"), "4:", "unterminated string"},
      {good + "garbage\n", "", "unexpected text after the end"},
  };
  for (const Case& c : cases) {
    INFO(c.text.substr(0, 200));
    std::string error = parse_error(c.text);
    CHECK_MESSAGE(error.rfind(c.where, 0) == 0, error);
    CHECK_MESSAGE(error.find(c.what) != std::string::npos, error);
  }
  // The last event must not end with ',' and the others must.
  std::string text = good;
  auto last_event_end = text.find("\n],\n");
  std::string trailing = text.substr(0, last_event_end) + "," + text.substr(last_event_end);
  CHECK(parse_error(trailing).find("trailing ','") != std::string::npos);
  // The outcome must count the events the file has.
  std::size_t n = story().events.size();
  std::string counted = "\"events\":" + std::to_string(n) + ",";
  auto at = good.find(counted, good.find("\"outcome\""));
  REQUIRE(at != std::string::npos);
  std::string miscount = good;
  miscount.replace(at, counted.size(), "\"events\":" + std::to_string(n - 1) + ",");
  CHECK(parse_error(miscount).find("counts " + std::to_string(n - 1) + " events but the file has " +
                                   std::to_string(n)) != std::string::npos);
}

TEST_CASE("gosim json: every truncation of a file is refused, none crashes") {
  std::string good = to_gosim_json(story());
  std::string error;
  for (std::size_t n = 0; n + 1 < good.size(); ++n) {
    auto t = parse_gosim_json(std::string_view(good).substr(0, n), &error);
    INFO("prefix " << n);
    CHECK_FALSE(t.has_value());
    CHECK(!error.empty());
  }
  // Without only the final newline it is still the whole trace.
  CHECK(parse_gosim_json(std::string_view(good).substr(0, good.size() - 1), &error).has_value());
}

TEST_CASE("gosim json: random corruption never crashes the reader") {
  std::string good = to_gosim_json(rich());
  std::mt19937 rng(42);
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bad[rng() % bad.size()] = static_cast<char>(rng() % 256);
    }
    std::string error;
    auto t = parse_gosim_json(bad, &error);
    if (!t) {
      ++refused;
      CHECK(!error.empty());
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("gosim json: a missing file and an overlong line are clear errors") {
  std::string error;
  CHECK_FALSE(read_gosim_json("/nonexistent/dir/t.json", &error));
  CHECK(error.find("cannot read /nonexistent/dir/t.json") == 0);
  ReadLimits small;
  small.max_line = 100;
  CHECK_FALSE(parse_gosim_json(to_gosim_json(story()), &error, small));
  CHECK(error.find("2:1: line longer than 100 bytes") == 0);
  auto dir = fresh_dir("long");
  auto path = dir / "t.json";
  std::ofstream(path) << to_gosim_json(story());
  CHECK_FALSE(read_gosim_json(path.string(), &error, small));
  CHECK(error.find(path.string() + ":2:1: line longer than 100 bytes") == 0);
}
