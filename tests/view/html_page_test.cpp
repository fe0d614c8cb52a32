// `gosim view --html`: the page is self-contained, strangers' names cannot
// break out of the embedded data, both traces are embedded, the why words
// are the terminal's, and the file is written atomically.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "synth_trace.h"
#include "trace/event.h"
#include "trace_fixture.h"
#include "view/html.h"

namespace {

using namespace gosim;
using trace::Event;
using trace::EventKind;
using trace::Why;
using test::make_event;

// A small run: main starts a worker, waits on a wait group, the worker runs,
// makes a syscall, finishes and wakes main.
trace::Trace small_trace(std::vector<std::string> functions = {"main", "worker"},
                         std::string name = "small", std::string description = "a small run") {
  trace::Trace t;
  t.header.mode = "sim";
  t.header.clock = "virtual";
  t.header.scenario_name = std::move(name);
  t.header.scenario_description = std::move(description);
  t.header.functions = std::move(functions);
  t.header.channels = {"results"};
  t.header.mutexes = {"mu"};
  t.header.waitgroups = {"wg"};
  t.header.gomaxprocs = 2;
  using K = EventKind;
  t.events = {
      make_event(0, K::MStart, -1, 0, 0, 1),
      make_event(0, K::GoCreate, 0, 0, 0, -1, 0),
      make_event(100, K::GoStart, 0, 0, 0, 0, 0, 0, Why::StartRunnext),
      make_event(200, K::GoCreate, 1, 0, 0, 0, 1),
      make_event(200, K::Counter, -1, 0, -1, 1, 0, 0, Why::None, static_cast<std::uint8_t>(trace::CounterId::LocalRunq)),
      make_event(300, K::GoBlock, 0, 0, 0, 0, -1, 0, Why::BlockWaitGroup, static_cast<std::uint8_t>(trace::BlockReason::WaitGroup)),
      make_event(400, K::GoStart, 1, 0, 0, 0, 0, 0, Why::StartRunnext),
      make_event(500, K::GoSysCall, 1, 0, 0, 2500),
      make_event(3000, K::GoSysExit, 1, 0, 0, 0, 0, 0, Why::SysExitFast),
      make_event(3500, K::GoUnblock, 0, 0, 0, 1, 0, 0, Why::WakeWaitGroup, static_cast<std::uint8_t>(trace::Queue::Runnext)),
      make_event(3600, K::GoEnd, 1, 0, 0, 0, 0, 0, Why::GoExit),
      make_event(3700, K::GoStart, 0, 0, 0, 0, 0, 0, Why::StartRunnext),
      make_event(3800, K::GoEnd, 0, 0, 0, 0, 0, 0, Why::GoExit),
  };
  t.outcome.end_time = 3800;
  return t;
}

const std::string kDataOpen = "<script type=\"application/json\" id=\"gosim-data\">";

// The embedded JSON document, exactly as the browser's textContent sees it.
nlohmann::json embedded_data(const std::string& page) {
  auto a = page.find(kDataOpen);
  REQUIRE(a != std::string::npos);
  a += kDataOpen.size();
  auto b = page.find("</script>", a);
  REQUIRE(b != std::string::npos);
  return nlohmann::json::parse(page.substr(a, b - a));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
  return n;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::path(GOSIM_BINARY_DIR) / "test-tmp" / ("html-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

bool has_temp_files(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

// The page's fillWhy(), in C++: a template from the why table filled with
// the event's fields, or the event's own words.
std::string page_words(const nlohmann::json& tr, std::size_t i, const std::vector<Event>& events) {
  const auto& why = tr["why"];
  const auto& idx = why["exception_index"];
  for (std::size_t j = 0; j < idx.size(); ++j)
    if (idx[j].get<std::size_t>() == i) return why["strings"][why["exception_string"][j].get<std::size_t>()];
  const Event& e = events[i];
  int neg = (e.g < 0 ? 1 : 0) | (e.p < 0 ? 2 : 0) | (e.m < 0 ? 4 : 0) | (e.a0 < 0 ? 8 : 0) | (e.a1 < 0 ? 16 : 0) |
            (e.a2 < 0 ? 32 : 0);
  for (const auto& t : why["templates"]) {
    if (t[0] != static_cast<int>(e.kind) || t[1] != static_cast<int>(e.why) || t[2] != e.reason || t[3] != neg)
      continue;
    std::string tpl = t[4];
    std::string out;
    bool inside = false;
    std::string tok;
    for (char c : tpl) {
      if (c == '\x01') {
        if (inside) {
          auto value = [&](char f) -> std::int64_t {
            switch (f) {
              case 'g': return e.g;
              case 'p': return e.p;
              case 'm': return e.m;
              case '0': return e.a0;
              case '1': return e.a1;
              default: return e.a2;
            }
          };
          if (tok.size() == 1) {
            out += std::to_string(value(tok[0]));
          } else {
            const char* table = tok[0] == 'f' ? "functions" : tok[0] == 'c' ? "channels" : tok[0] == 'x' ? "mutexes" : "waitgroups";
            const auto& names = tr["header"][table];
            auto v = value(tok[1]);
            out += v >= 0 && v < static_cast<std::int64_t>(names.size()) ? names[v].get<std::string>() : "?";
          }
          tok.clear();
        }
        inside = !inside;
      } else if (inside) {
        tok += c;
      } else {
        out += c;
      }
    }
    return out;
  }
  return "<no template>";
}

}  // namespace

TEST_CASE("html: the page is one self-contained file") {
  std::string page = view::html_page({small_trace()});
  std::string low = lower(page);
  CHECK(low.rfind("<!doctype html>", 0) == 0);
  CHECK(low.find("http://") == std::string::npos);
  CHECK(low.find("https://") == std::string::npos);
  CHECK(low.find(" src=") == std::string::npos);
  CHECK(low.find(" href=") == std::string::npos);
  CHECK(low.find("url(") == std::string::npos);
  CHECK(low.find("@import") == std::string::npos);
  CHECK(low.find("<link") == std::string::npos);
  CHECK(low.find("<iframe") == std::string::npos);
  CHECK(low.find("fetch(") == std::string::npos);
  CHECK(low.find("xmlhttprequest") == std::string::npos);
  // A content security policy that forbids any load from elsewhere.
  CHECK(page.find("default-src 'none'") != std::string::npos);
  // Every asset made it in (no marker left behind).
  CHECK(page.find("@GOSIM_") == std::string::npos);
  CHECK(page.find("function buildIndex") != std::string::npos);
  CHECK(page.find("#timeline") != std::string::npos);
  // Only the two script elements end a script.
  CHECK(count(low, "</script") == 2);
}

TEST_CASE("html: hostile names are escaped and cannot break out") {
  const std::string breakout = "</script><script>alert(1)</script>";
  const std::string upper = "</SCRIPT >x";
  const std::string quotes = "\"quoted\" 'single' & <!-- comment -->";
  const std::string separators = "line\xE2\x80\xA8sep\xE2\x80\xA9para";
  std::vector<std::string> fns = {breakout, upper, quotes, separators, "<img src=x onerror=alert(2)>"};
  trace::Trace t = small_trace(fns, breakout, quotes + separators);
  t.header.channels = {breakout};
  t.outcome.message = breakout;
  std::string page = view::html_page({t});
  std::string low = lower(page);

  CHECK(count(low, "</script") == 2);
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("<!--") == std::string::npos);
  CHECK(page.find("\xE2\x80\xA8") == std::string::npos);
  CHECK(page.find("\xE2\x80\xA9") == std::string::npos);
  // ... and the names arrive intact for the script.
  nlohmann::json data = embedded_data(page);
  const auto& h = data["traces"][0]["header"];
  CHECK(h["functions"].get<std::vector<std::string>>() == fns);
  CHECK(h["scenario_name"] == breakout);
  CHECK(h["scenario_description"] == quotes + separators);
  CHECK(h["channels"][0] == breakout);
  CHECK(data["traces"][0]["outcome"]["message"] == breakout);
}

TEST_CASE("html: invalid UTF-8 in a name does not stop the page") {
  trace::Trace t = small_trace({"main", std::string("bad\xff\xfe")});
  std::string page = view::html_page({t});
  nlohmann::json data = embedded_data(page);
  CHECK(data["traces"][0]["header"]["functions"].size() == 2);
}

TEST_CASE("html: the events are embedded by column and round-trip") {
  trace::Trace t = small_trace();
  nlohmann::json data = embedded_data(view::html_page({t}));
  const auto& tr = data["traces"][0];
  REQUIRE(tr["n"] == t.events.size());
  const auto& c = tr["cols"];
  trace::Nanos now = 0;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    now += c["dt"][i].get<trace::Nanos>();
    CAPTURE(i);
    CHECK(now == e.t);
    CHECK(c["k"][i] == static_cast<int>(e.kind));
    CHECK(c["r"][i] == e.reason);
    CHECK(c["w"][i] == static_cast<int>(e.why));
    CHECK(c["g"][i] == e.g);
    CHECK(c["p"][i] == e.p);
    CHECK(c["m"][i] == e.m);
    CHECK(c["a0"][i] == e.a0);
    CHECK(c["a1"][i] == e.a1);
    CHECK(c["a2"][i] == e.a2);
  }
  // The vocabulary's names, so the page does not hard-code them.
  CHECK(data["names"]["kinds"][static_cast<int>(EventKind::GoStart)] == "GoStart");
  CHECK(data["names"]["kinds"].size() == static_cast<std::size_t>(trace::kEventKinds));
  CHECK(data["names"]["whys"].size() == static_cast<std::size_t>(trace::kWhyCodes));
  // The terminal's summary text travels with the trace.
  CHECK(!tr["summary_text"].get<std::string>().empty());
}

TEST_CASE("html: the why words are trace::describe's, for every event") {
  trace::Trace t = small_trace();
  // Names that look like markers or placeholders must not confuse the templates.
  t.header.functions = {"main", "worker {g} 90001"};
  t.header.waitgroups = {"wg\x01g\x01"};
  nlohmann::json data = embedded_data(view::html_page({t}));
  const auto& tr = data["traces"][0];
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    CAPTURE(i);
    CHECK(page_words(tr, i, t.events) == trace::describe(t.events[i], t.header));
  }
  // Templates do the work: only events whose words a template cannot give
  // (durations with units) carry their own.
  CHECK(tr["why"]["exception_index"].size() < t.events.size() / 2);
  CHECK(tr["why"]["templates"].size() > 3);
}

TEST_CASE("html: a big synthetic trace round-trips, and every event's why words are describe's") {
  // The render benchmark's trace (synth_trace.h): every kind of lane and
  // arrow, hundreds of Gs, syscalls, steals, counters.
  trace::Trace t = test::synthetic_trace(8000, 4);
  REQUIRE(t.events.size() >= 8000);
  nlohmann::json data = embedded_data(view::html_page({t}));
  const auto& tr = data["traces"][0];
  REQUIRE(tr["n"] == t.events.size());
  const auto& c = tr["cols"];
  trace::Nanos now = 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    now += c["dt"][i].get<trace::Nanos>();
    Event back = make_event(now, static_cast<EventKind>(c["k"][i].get<int>()), c["g"][i], c["p"][i], c["m"][i],
                            c["a0"][i], c["a1"][i], c["a2"][i], static_cast<Why>(c["w"][i].get<int>()), c["r"][i]);
    if (!(back == e) || page_words(tr, i, t.events) != trace::describe(e, t.header)) {
      if (bad++ < 5) FAIL_CHECK("event ", i, ": ", page_words(tr, i, t.events), " / ", trace::describe(e, t.header));
    }
  }
  CHECK(bad == 0);
  CHECK(tr["why"]["exception_index"].size() < t.events.size() / 2);
}

TEST_CASE("html: two traces are both embedded, one to two are accepted") {
  trace::Trace a = small_trace({"main", "worker"}, "left");
  trace::Trace b = small_trace({"main", "other"}, "right");
  b.header.mode = "real";
  b.events.pop_back();
  nlohmann::json data = embedded_data(view::html_page({a, b}));
  REQUIRE(data["traces"].size() == 2);
  CHECK(data["traces"][0]["header"]["scenario_name"] == "left");
  CHECK(data["traces"][1]["header"]["scenario_name"] == "right");
  CHECK(data["traces"][1]["header"]["mode"] == "real");
  CHECK(data["traces"][0]["n"] == a.events.size());
  CHECK(data["traces"][1]["n"] == b.events.size());

  auto dir = fresh_dir("count");
  std::string error;
  CHECK_FALSE(view::write_html({}, (dir / "none.html").string(), &error));
  CHECK(error.find("one or two") != std::string::npos);
  CHECK_FALSE(view::write_html({a, b, a}, (dir / "three.html").string(), &error));
  CHECK_FALSE(std::filesystem::exists(dir / "none.html"));
  CHECK_FALSE(std::filesystem::exists(dir / "three.html"));
}

TEST_CASE("html: write errors are reported") {
  std::string error;
  std::string path = "/nonexistent-gosim-dir/sub/out.html";
  CHECK_FALSE(view::write_html({small_trace()}, path, &error));
  CHECK(error.find(path) != std::string::npos);
}

TEST_CASE("html: the file is written atomically") {
  auto dir = fresh_dir("atomic");
  auto out = dir / "view.html";
  {
    std::ofstream(out) << "old contents";
  }
  std::string error;
  REQUIRE(view::write_html({small_trace()}, out.string(), &error));
  std::string page = slurp(out);
  CHECK(page == view::html_page({small_trace()}));
  CHECK_FALSE(has_temp_files(dir));

  // A target that cannot be replaced (a non-empty directory): the write fails,
  // the target is untouched and no temporary file is left behind.
  auto blocked = dir / "blocked.html";
  std::filesystem::create_directories(blocked / "inside");
  CHECK_FALSE(view::write_html({small_trace()}, blocked.string(), &error));
  CHECK(!error.empty());
  CHECK(std::filesystem::is_directory(blocked / "inside"));
  CHECK_FALSE(has_temp_files(dir));
  CHECK(slurp(out) == page);
}
