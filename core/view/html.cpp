// `gosim view --html`: one self-contained page.
//
// The page is a template (core/view/html/page.html) with the CSS and the
// script (core/view/html/style.css, app.js) pasted in at build time
// (html_assets.cmake), and the traces embedded as one JSON document inside
// <script type="application/json">. Nothing the page shows is HTML-escaped
// here because nothing from a trace is ever written as markup: every name
// lives inside that JSON block, and the script puts it on screen with
// textContent or canvas text. What this file must guarantee is that the JSON
// block cannot end early: every '<', '>' and '&' in it is written as a \u
// escape (so no "</script>" or "<!--" can appear), and so are U+2028/U+2029.
//
// Events are stored by column (time deltas, kinds, Gs, Ps, ...) as plain
// integer arrays: compact, and the page turns each into a typed array.
//
// The why words. The terminal shows trace::describe(event, header). To show
// the very same words without storing a sentence per event, each distinct
// (kind, why, reason, which fields are negative) gets a template found by asking describe about a probe
// event whose fields hold marker values (G 90001, P 90002, ...) and whose
// name tables hold marker names; the markers in the answer become
// placeholders. Every real event is then checked: the template filled in with
// its fields must give exactly describe's words. Where it does not (a
// duration printed with units, a branch on a field), the event's own words
// are stored, deduplicated, so the page is exact either way.
#include "view/html.h"

#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "trace/atomic_file.h"
#include "trace/summary.h"

namespace gosim::view {

namespace html_assets {
// Generated from core/view/html/ at build time (html_assets.cmake).
extern const std::string_view kPage;
extern const std::string_view kStyle;
extern const std::string_view kScript;
}  // namespace html_assets

namespace {

using trace::Event;
using trace::TraceHeader;

// Marker values for the probe event (see the top of the file).
constexpr std::int64_t kMarkG = 90001, kMarkP = 90002, kMarkM = 90003;
constexpr std::int64_t kMarkA0 = 90004, kMarkA1 = 90005, kMarkA2 = 90006;
constexpr char kPh = '\x01';  // placeholder delimiter in templates

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// JSON text made safe to sit inside a <script> element: '<', '>', '&' and
// U+2028/U+2029 become \u escapes. They can only occur inside JSON strings,
// where the escapes mean the same characters.
std::string script_safe(std::string_view json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
      out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string dump(const nlohmann::json& j) {
  // Names come from strangers' files and may hold invalid UTF-8: replace it
  // rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const std::vector<std::string>* table_for(const TraceHeader& h, char which) {
  switch (which) {
    case 'f': return &h.functions;
    case 'c': return &h.channels;
    case 'x': return &h.mutexes;
    case 'w': return &h.waitgroups;
    default: return nullptr;
  }
}

// A marker name: which table and which field indexed it.
std::string marker_name(char table, int field) {
  return std::string(1, kPh) + "N" + table + std::to_string(field) + std::string(1, kPh);
}

// The header of the probe: the real one with marker names at the marker indices.
TraceHeader probe_header(const TraceHeader& real) {
  TraceHeader h = real;
  for (char t : {'f', 'c', 'x', 'w'}) {
    auto* v = const_cast<std::vector<std::string>*>(table_for(h, t));
    v->assign(static_cast<std::size_t>(kMarkA2 + 1), std::string());
    for (int f = 0; f < 3; ++f) (*v)[static_cast<std::size_t>(kMarkA0 + f)] = marker_name(t, f);
  }
  return h;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Turns describe's answer for the probe into a template: marker names become
// "\x01<t><field>\x01" (t: f c x w), marker numbers "\x01<field>\x01"
// (field: g p m 0 1 2). Markers glued to other digits are left alone.
std::string make_template(const std::string& probe_words) {
  std::string out;
  const std::string s = probe_words;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == kPh && i + 4 < s.size() && s[i + 1] == 'N' && s[i + 4] == kPh) {
      out += kPh;
      out += s[i + 2];
      out += s[i + 3];
      out += kPh;
      i += 5;
      continue;
    }
    if (is_digit(s[i]) && (i == 0 || !is_digit(s[i - 1])) && i + 5 <= s.size() &&
        (i + 5 == s.size() || !is_digit(s[i + 5]))) {
      std::string_view num(s.data() + i, 5);
      const char* field = nullptr;
      if (num == "90001") field = "g";
      else if (num == "90002") field = "p";
      else if (num == "90003") field = "m";
      else if (num == "90004") field = "0";
      else if (num == "90005") field = "1";
      else if (num == "90006") field = "2";
      if (field) {
        out += kPh;
        out += field;
        out += kPh;
        i += 5;
        continue;
      }
    }
    out += s[i];
    ++i;
  }
  return out;
}

std::int64_t field_value(const Event& e, char f) {
  switch (f) {
    case 'g': return e.g;
    case 'p': return e.p;
    case 'm': return e.m;
    case '0': return e.a0;
    case '1': return e.a1;
    case '2': return e.a2;
    default: return 0;
  }
}

// Fills a template from an event; the page's fillWhy() does the same.
std::string fill_template(const std::string& tpl, const Event& e, const TraceHeader& h) {
  std::string out;
  for (std::size_t i = 0; i < tpl.size();) {
    if (tpl[i] != kPh) {
      out += tpl[i++];
      continue;
    }
    std::size_t end = tpl.find(kPh, i + 1);
    if (end == std::string::npos) {  // cannot happen for our templates
      out.append(tpl, i, std::string::npos);
      break;
    }
    std::string_view tok(tpl.data() + i + 1, end - i - 1);
    if (tok.size() == 1) {
      append_int(out, field_value(e, tok[0]));
    } else if (tok.size() == 2) {
      const auto* table = table_for(h, tok[0]);
      std::int64_t idx = field_value(e, tok[1]);
      if (table && idx >= 0 && idx < static_cast<std::int64_t>(table->size()))
        out += (*table)[static_cast<std::size_t>(idx)];
      else
        out += '?';
    }
    i = end + 1;
  }
  return out;
}

struct WhyTable {
  std::map<std::tuple<int, int, int, int>, std::string> templates;  // (kind, why, reason, negative_mask)
  std::vector<std::int64_t> exception_index;                   // events whose words differ
  std::vector<std::int64_t> exception_string;
  std::vector<std::string> strings;
};

// Which of g, p, m, a0, a1, a2 are negative (bits 0..5): describe words
// those differently ("no P", "the runtime"), so they get their own template.
int negative_mask(const Event& e) {
  return (e.g < 0 ? 1 : 0) | (e.p < 0 ? 2 : 0) | (e.m < 0 ? 4 : 0) | (e.a0 < 0 ? 8 : 0) | (e.a1 < 0 ? 16 : 0) |
         (e.a2 < 0 ? 32 : 0);
}

WhyTable build_why_table(const trace::Trace& t) {
  WhyTable table;
  const TraceHeader probe_h = probe_header(t.header);
  std::unordered_map<std::string, std::int64_t> string_ids;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    auto key = std::make_tuple(static_cast<int>(e.kind), static_cast<int>(e.why), static_cast<int>(e.reason),
                               negative_mask(e));
    auto it = table.templates.find(key);
    if (it == table.templates.end()) {
      // Fields that are negative keep their value ("no P", "the runtime").
      Event probe = e;
      if (e.g >= 0) probe.g = static_cast<std::int32_t>(kMarkG);
      if (e.p >= 0) probe.p = static_cast<std::int32_t>(kMarkP);
      if (e.m >= 0) probe.m = static_cast<std::int32_t>(kMarkM);
      if (e.a0 >= 0) probe.a0 = kMarkA0;
      if (e.a1 >= 0) probe.a1 = kMarkA1;
      if (e.a2 >= 0) probe.a2 = kMarkA2;
      it = table.templates.emplace(key, make_template(trace::describe(probe, probe_h))).first;
    }
    std::string words = trace::describe(e, t.header);
    if (fill_template(it->second, e, t.header) == words) continue;
    auto [sit, fresh] = string_ids.emplace(std::move(words), static_cast<std::int64_t>(table.strings.size()));
    if (fresh) table.strings.push_back(sit->first);
    table.exception_index.push_back(static_cast<std::int64_t>(i));
    table.exception_string.push_back(sit->second);
  }
  return table;
}

nlohmann::json header_json(const TraceHeader& h) {
  return {
      {"version", h.version},
      {"mode", h.mode},
      {"clock", h.clock},
      {"gosim_version", h.gosim_version},
      {"scenario_name", h.scenario_name},
      {"scenario_hash", h.scenario_hash},
      {"scenario_description", h.scenario_description},
      {"functions", h.functions},
      {"channels", h.channels},
      {"mutexes", h.mutexes},
      {"waitgroups", h.waitgroups},
      {"gomaxprocs", h.gomaxprocs},
      {"config", h.config},
  };
}

template <typename F>
void append_column(std::string& out, std::string_view name, const std::vector<Event>& events, F get) {
  out += '"';
  out += name;
  out += "\":[";
  bool first = true;
  for (const Event& e : events) {
    if (!first) out += ',';
    first = false;
    append_int(out, get(e));
  }
  out += ']';
}

void append_ints(std::string& out, const std::vector<std::int64_t>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_int(out, v[i]);
  }
  out += ']';
}

// One trace as a JSON object (not yet script-safe).
std::string trace_json(const trace::Trace& t) {
  std::string out;
  out.reserve(t.events.size() * 24 + 4096);
  out += "{\"header\":";
  out += dump(header_json(t.header));
  out += ",\"outcome\":";
  out += dump(nlohmann::json{{"status", trace::status_name(t.outcome.status)},
                             {"message", t.outcome.message},
                             {"end_time", t.outcome.end_time},
                             {"engine_events", t.outcome.engine_events}});
  trace::SummarySink summary;
  trace::replay(t, summary);
  out += ",\"summary\":";
  out += dump(trace::summary_to_json(summary.summary()));
  out += ",\"summary_text\":";
  out += dump(nlohmann::json(trace::format_summary(summary.summary(), false)));
  out += ",\"n\":";
  append_int(out, static_cast<std::int64_t>(t.events.size()));
  out += ",\"cols\":{";
  trace::Nanos prev = 0;
  append_column(out, "dt", t.events, [&prev](const Event& e) {
    trace::Nanos d = e.t - prev;
    prev = e.t;
    return d;
  });
  out += ',';
  append_column(out, "k", t.events, [](const Event& e) { return static_cast<std::int64_t>(e.kind); });
  out += ',';
  append_column(out, "r", t.events, [](const Event& e) { return static_cast<std::int64_t>(e.reason); });
  out += ',';
  append_column(out, "w", t.events, [](const Event& e) { return static_cast<std::int64_t>(e.why); });
  out += ',';
  append_column(out, "g", t.events, [](const Event& e) { return static_cast<std::int64_t>(e.g); });
  out += ',';
  append_column(out, "p", t.events, [](const Event& e) { return static_cast<std::int64_t>(e.p); });
  out += ',';
  append_column(out, "m", t.events, [](const Event& e) { return static_cast<std::int64_t>(e.m); });
  out += ',';
  append_column(out, "a0", t.events, [](const Event& e) { return e.a0; });
  out += ',';
  append_column(out, "a1", t.events, [](const Event& e) { return e.a1; });
  out += ',';
  append_column(out, "a2", t.events, [](const Event& e) { return e.a2; });
  out += '}';

  WhyTable why = build_why_table(t);
  nlohmann::json templates = nlohmann::json::array();
  for (const auto& [key, tpl] : why.templates)
    templates.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), tpl});
  out += ",\"why\":{\"templates\":";
  out += dump(templates);
  out += ",\"exception_index\":";
  append_ints(out, why.exception_index);
  out += ",\"exception_string\":";
  append_ints(out, why.exception_string);
  out += ",\"strings\":";
  out += dump(nlohmann::json(why.strings));
  out += "}}";
  return out;
}

// The vocabulary's names, so the page never hard-codes them.
std::string names_json() {
  nlohmann::json kinds = nlohmann::json::array();
  for (int k = 0; k < trace::kEventKinds; ++k) kinds.push_back(trace::kind_name(static_cast<trace::EventKind>(k)));
  nlohmann::json whys = nlohmann::json::array();
  for (int w = 0; w <= static_cast<int>(trace::Why::TimerExpired); ++w)
    whys.push_back(trace::why_name(static_cast<trace::Why>(w)));
  nlohmann::json blocks = nlohmann::json::array();
  for (int b = 0; b <= static_cast<int>(trace::BlockReason::Syscall); ++b)
    blocks.push_back(trace::block_reason_name(static_cast<trace::BlockReason>(b)));
  nlohmann::json counters = nlohmann::json::array();
  for (int c = 0; c <= static_cast<int>(trace::CounterId::HeapGoal); ++c)
    counters.push_back(trace::counter_name(static_cast<trace::CounterId>(c)));
  return dump(nlohmann::json{{"kinds", kinds}, {"whys", whys}, {"block_reasons", blocks}, {"counters", counters}});
}

void replace_once(std::string& page, std::string_view marker, std::string_view with) {
  auto pos = page.find(marker);
  if (pos != std::string::npos) page.replace(pos, marker.size(), with);
}

}  // namespace

std::string html_page(const std::vector<trace::Trace>& traces) {
  std::string data = "{\"format\":1,\"names\":";
  data += names_json();
  data += ",\"traces\":[";
  for (std::size_t i = 0; i < traces.size(); ++i) {
    if (i) data += ',';
    data += trace_json(traces[i]);
  }
  data += "]}";

  std::string page(html_assets::kPage);
  // The data goes in last, so a marker-like string inside it is never replaced.
  replace_once(page, "/*@GOSIM_STYLE@*/", html_assets::kStyle);
  replace_once(page, "/*@GOSIM_SCRIPT@*/", html_assets::kScript);
  replace_once(page, "@GOSIM_DATA@", script_safe(data));
  return page;
}

bool write_html(const std::vector<trace::Trace>& traces, const std::string& path, std::string* error) {
  if (traces.empty() || traces.size() > 2) {
    if (error) *error = "the HTML view takes one or two traces";
    return false;
  }
  return write_file_atomically(path, html_page(traces), error);
}

}  // namespace gosim::view
