// Chrome Trace Event JSON, for Perfetto (ui.perfetto.dev) and chrome://tracing.
// docs/perfetto.md describes what each track shows.
//
// Processes and threads (tracks):
//   pid 1 "Processors": one thread per P ("P0"); G slices named "G12 worker",
//         mark-assist slices nested in them, GC worker slices, instants for
//         steals, hand-offs, preemptions; counters "runq P0".
//   pid 2 "Threads": one thread per M ("M3"); syscall, spinning and parked slices.
//   pid 3 "Runtime": "GC" (cycles), "STW" (pauses), "sysmon & poller"
//         (instants); global counters (run queue, threads, heap ...).
// Flow arrows ("s"/"f" pairs) go from the creator's or waker's slice to the
// woken G's next slice. Slices are complete ("X") events written when they
// close, so every slice in the file is closed; those open at the end are
// closed at the last event's time.
#include "trace/chrome.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace gosim::trace {
namespace {

constexpr int kPidP = 1;
constexpr int kPidM = 2;
constexpr int kPidRuntime = 3;
constexpr int kTidGC = 0;
constexpr int kTidSTW = 1;
constexpr int kTidSysmon = 2;
constexpr std::size_t kFlushBytes = 1u << 20;

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
}

// Nanoseconds as microseconds with three decimals: 1234567 -> 1234.567.
void append_us(std::string& out, Nanos t) {
  std::uint64_t u = t < 0 ? 0 - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  if (t < 0) out += '-';
  out += fmt::format_int(u / 1000).c_str();
  unsigned frac = static_cast<unsigned>(u % 1000);
  char buf[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                 static_cast<char>('0' + frac % 10)};
  out.append(buf, 4);
}

struct OpenSlice {
  Nanos start = -1;  // -1: none open
};

struct GInfo {
  std::int64_t fn = -1;
  std::int32_t p = -1;       // P whose track holds its open running slice
  Event start_event;         // the GoStart (or GoSysExit) that opened it
  Nanos slice_start = -1;
  std::int32_t sys_m = -1;   // M of an open syscall slice
  Nanos sys_start = -1;
  bool sys_blocked = false;
  Nanos assist_start = -1;
  // A flow waiting for this G's next slice.
  std::int64_t flow_id = 0;
  std::int32_t flow_p = -1;
  Nanos flow_t = 0;
  bool flow_create = false;
};

struct MInfo {
  OpenSlice spin, park;
  bool named = false;
};

struct PInfo {
  std::int32_t g = -1;  // G whose slice is open on this track
  OpenSlice worker;
  std::uint8_t worker_mode = 0;
};

}  // namespace

struct ChromeTraceWriter::State {
  AtomicFile file;
  TraceHeader header;
  std::string buf;
  bool first = true;
  bool begun = false;
  bool ended = false;
  Nanos last_t = 0;
  std::int64_t next_flow = 1;
  std::unordered_map<std::int32_t, GInfo> gs;
  std::vector<PInfo> ps;
  std::unordered_map<std::int32_t, MInfo> ms;
  OpenSlice gc, stw;
  std::int64_t gc_cycle = 0;
  std::uint8_t stw_kind = 0;
  std::string text;  // scratch for describe()

  void flush_if_full() {
    if (buf.size() >= kFlushBytes) {
      file.write(buf);
      buf.clear();
    }
  }

  // Starts a new element of traceEvents.
  void open_event() {
    buf += first ? "\n{" : ",\n{";
    first = false;
  }

  void metadata(const char* what, int pid, int tid, std::string_view name, bool thread) {
    open_event();
    fmt::format_to(std::back_inserter(buf), R"("ph":"M","pid":{},)", pid);
    if (thread) fmt::format_to(std::back_inserter(buf), R"("tid":{},)", tid);
    buf += R"("name":")";
    buf += what;
    buf += R"(","args":{"name":")";
    append_escaped(buf, name);
    buf += "\"}}";
  }

  void sort_index(int pid, int tid, int index, bool thread) {
    open_event();
    if (thread) {
      fmt::format_to(std::back_inserter(buf),
                     R"("ph":"M","pid":{},"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})", pid,
                     tid, index);
    } else {
      fmt::format_to(std::back_inserter(buf),
                     R"("ph":"M","pid":{},"name":"process_sort_index","args":{{"sort_index":{}}}}})", pid, index);
    }
  }

  PInfo& p_at(std::int32_t p) {
    if (static_cast<std::size_t>(p) >= ps.size()) {
      std::size_t old = ps.size();
      ps.resize(static_cast<std::size_t>(p) + 1);
      for (std::size_t i = old; i < ps.size(); ++i) {
        metadata("thread_name", kPidP, static_cast<int>(i), fmt::format("P{}", i), true);
        sort_index(kPidP, static_cast<int>(i), static_cast<int>(i), true);
      }
    }
    return ps[static_cast<std::size_t>(p)];
  }

  MInfo& m_at(std::int32_t m) {
    MInfo& info = ms[m];
    if (!info.named) {
      info.named = true;
      metadata("thread_name", kPidM, m, fmt::format("M{}", m), true);
      sort_index(kPidM, m, m, true);
    }
    return info;
  }

  // A complete slice. args_json is the inside of the args object (may be empty).
  void slice(int pid, int tid, Nanos start, Nanos end, std::string_view name, std::string_view cat,
             std::string_view args_json) {
    open_event();
    buf += R"("ph":"X","pid":)";
    buf += fmt::format_int(pid).c_str();
    buf += R"(,"tid":)";
    buf += fmt::format_int(tid).c_str();
    buf += R"(,"ts":)";
    append_us(buf, start);
    buf += R"(,"dur":)";
    append_us(buf, std::max<Nanos>(0, end - start));
    buf += R"(,"name":")";
    append_escaped(buf, name);
    buf += R"(","cat":")";
    buf += cat;
    buf += '"';
    if (!args_json.empty()) {
      buf += R"(,"args":{)";
      buf += args_json;
      buf += '}';
    }
    buf += '}';
  }

  void instant(int pid, int tid, Nanos t, std::string_view name, std::string_view cat, const Event& e) {
    open_event();
    buf += R"("ph":"i","s":"t","pid":)";
    buf += fmt::format_int(pid).c_str();
    buf += R"(,"tid":)";
    buf += fmt::format_int(tid).c_str();
    buf += R"(,"ts":)";
    append_us(buf, t);
    buf += R"(,"name":")";
    append_escaped(buf, name);
    buf += R"(","cat":")";
    buf += cat;
    buf += R"(","args":{"why":")";
    text.clear();
    describe_to(text, e, header);
    append_escaped(buf, text);
    buf += "\"}}";
  }

  void counter(int pid, Nanos t, std::string_view name, std::int64_t value) {
    open_event();
    buf += R"("ph":"C","pid":)";
    buf += fmt::format_int(pid).c_str();
    buf += R"(,"ts":)";
    append_us(buf, t);
    buf += R"(,"name":")";
    append_escaped(buf, name);
    buf += R"(","args":{"value":)";
    buf += fmt::format_int(value).c_str();
    buf += "}}";
  }

  void flow(char ph, std::int64_t id, std::int32_t p, Nanos t, bool create) {
    open_event();
    buf += R"("ph":")";
    buf += ph;
    buf += '"';
    if (ph == 'f') buf += R"(,"bp":"e")";
    buf += R"(,"id":)";
    buf += fmt::format_int(id).c_str();
    buf += R"(,"pid":1,"tid":)";
    buf += fmt::format_int(p).c_str();
    buf += R"(,"ts":)";
    append_us(buf, t);
    buf += create ? R"(,"name":"go","cat":"create"})" : R"(,"name":"wake","cat":"wake"})";
  }

  std::string g_name(std::int32_t g, const GInfo& info) const {
    if (info.fn >= 0 && info.fn < static_cast<std::int64_t>(header.functions.size())) {
      return fmt::format("G{} {}", g, header.functions[static_cast<std::size_t>(info.fn)]);
    }
    return fmt::format("G{}", g);
  }

  std::string escaped_text(const Event& e) {
    text.clear();
    describe_to(text, e, header);
    std::string out;
    append_escaped(out, text);
    return out;
  }

  // Opens g's running slice on p at t.
  void start_slice(std::int32_t g, std::int32_t p, const Event& e) {
    if (p < 0 || p >= (1 << 20)) return;
    PInfo& pi = p_at(p);
    auto same = gs.find(g);
    if (same != gs.end() && same->second.p == p && pi.g == g) {
      same->second.start_event = e;  // GoStart after a fast GoSysExit: the same stretch
      return;
    }
    if (pi.g >= 0) close_slice(pi.g, e.t, nullptr);  // whatever ran here has stopped
    if (pi.worker.start >= 0) close_worker(p, e.t);
    GInfo& gi = gs[g];
    if (gi.p >= 0) close_slice(g, e.t, nullptr);
    gi.p = p;
    gi.slice_start = e.t;
    gi.start_event = e;
    pi.g = g;
    if (gi.flow_id != 0) {
      flow('s', gi.flow_id, gi.flow_p, gi.flow_t, gi.flow_create);
      flow('f', gi.flow_id, p, e.t, gi.flow_create);
      gi.flow_id = 0;
    }
  }

  // Closes g's running slice at t; `stop` is the event that stopped it, if any.
  void close_slice(std::int32_t g, Nanos t, const Event* stop) {
    auto it = gs.find(g);
    if (it == gs.end() || it->second.p < 0) return;
    GInfo& gi = it->second;
    if (gi.assist_start >= 0) {
      slice(kPidP, gi.p, gi.assist_start, t, "mark assist", "gc", "");
      gi.assist_start = -1;
    }
    std::string args = fmt::format(R"("g":{},"start":"{}")", g, escaped_text(gi.start_event));
    if (stop) args += fmt::format(R"(,"end":"{}")", escaped_text(*stop));
    slice(kPidP, gi.p, gi.slice_start, t, g_name(g, gi), "goroutine", args);
    if (gi.p < static_cast<std::int32_t>(ps.size()) && ps[static_cast<std::size_t>(gi.p)].g == g) {
      ps[static_cast<std::size_t>(gi.p)].g = -1;
    }
    gi.p = -1;
    gi.slice_start = -1;
  }

  void close_worker(std::int32_t p, Nanos t) {
    PInfo& pi = p_at(p);
    if (pi.worker.start < 0) return;
    static constexpr std::string_view names[] = {"GC worker (dedicated)", "GC worker (fractional)",
                                                 "GC worker (idle)"};
    static_assert(std::size(names) == kWorkerModes);
    slice(kPidP, p, pi.worker.start, t, pi.worker_mode < kWorkerModes ? names[pi.worker_mode] : "GC worker",
          "gc", "");
    pi.worker.start = -1;
  }

  void close_syscall(std::int32_t g, Nanos t) {
    auto it = gs.find(g);
    if (it == gs.end() || it->second.sys_start < 0) return;
    GInfo& gi = it->second;
    std::string name = fmt::format("syscall {}", g_name(g, gi));
    slice(kPidM, gi.sys_m, gi.sys_start, t, name, "syscall",
          fmt::format(R"("g":{},"blocked":{})", g, gi.sys_blocked ? "true" : "false"));
    gi.sys_start = -1;
    gi.sys_blocked = false;
  }

  void close_m_slice(std::int32_t m, OpenSlice& s, Nanos t, std::string_view name) {
    if (s.start < 0) return;
    slice(kPidM, m, s.start, t, name, "thread", "");
    s.start = -1;
  }

  // Remembers a flow from `from`'s running slice to g's next one.
  void pend_flow(std::int32_t from, std::int32_t g, Nanos t, bool create) {
    if (from < 0) return;
    auto it = gs.find(from);
    if (it == gs.end() || it->second.p < 0) return;
    std::int32_t from_p = it->second.p;  // read before gs[g] may rehash
    GInfo& gi = gs[g];
    gi.flow_id = next_flow++;
    gi.flow_p = from_p;
    gi.flow_t = t;
    gi.flow_create = create;
  }

  void on_event(const Event& e);
  void finish(const RunOutcome& o);
};

void ChromeTraceWriter::State::on_event(const Event& e) {
  if (e.t > last_t) last_t = e.t;
  bool p_ok = e.p >= 0 && e.p < (1 << 20);
  bool m_ok = e.m >= 0 && e.m < (1 << 20);
  switch (e.kind) {
    case EventKind::GoCreate:
      gs[e.g].fn = e.a1;
      pend_flow(static_cast<std::int32_t>(e.a0), e.g, e.t, true);
      break;
    case EventKind::GoStart:
      if (p_ok) start_slice(e.g, e.p, e);
      break;
    case EventKind::GoEnd:
    case EventKind::GoStop:
    case EventKind::GoSched:
    case EventKind::GoPreempt:
    case EventKind::GoBlock:
    case EventKind::GoSysCall: {
      auto it = gs.find(e.g);
      std::int32_t p = it != gs.end() ? it->second.p : -1;
      close_slice(e.g, e.t, &e);
      if (e.kind == EventKind::GoPreempt && p >= 0) {
        instant(kPidP, p, e.t, fmt::format("preempt G{}", e.g), "sched", e);
      }
      if (e.kind == EventKind::GoSysCall && m_ok) {
        m_at(e.m);
        GInfo& gi = gs[e.g];
        gi.sys_m = e.m;
        gi.sys_start = e.t;
        gi.sys_blocked = false;
      }
      if (e.kind == EventKind::GoEnd) {
        close_syscall(e.g, e.t);
        gs.erase(e.g);
      }
      break;
    }
    case EventKind::GoUnblock: pend_flow(static_cast<std::int32_t>(e.a0), e.g, e.t, false); break;
    case EventKind::GoSysBlock: {
      auto it = gs.find(e.g);
      if (it != gs.end()) it->second.sys_blocked = true;
      if (p_ok) {
        p_at(e.p);
        instant(kPidP, e.p, e.t, fmt::format("P taken from syscall of G{}", e.g), "syscall", e);
      }
      break;
    }
    case EventKind::GoSysExit:
      close_syscall(e.g, e.t);
      if (p_ok) start_slice(e.g, e.p, e);  // fast path: it runs on at once
      break;
    case EventKind::ProcStart:
    case EventKind::ProcStop:
      if (m_ok) {
        m_at(e.m);
        instant(kPidM, e.m, e.t,
                fmt::format("{} P{}", e.kind == EventKind::ProcStart ? "acquire" : "release", e.p), "proc", e);
      }
      break;
    case EventKind::ProcSteal:
      if (p_ok) {
        p_at(e.p);
        instant(kPidP, e.p, e.t, fmt::format("steal {} of {} from P{}", e.a1, e.a2, e.a0), "steal", e);
      }
      break;
    case EventKind::HandoffP:
      if (p_ok) {
        p_at(e.p);
        instant(kPidP, e.p, e.t, e.m >= 0 ? fmt::format("hand-off to M{}", e.m) : std::string("hand-off to idle"),
                "handoff", e);
      }
      break;
    case EventKind::MStart:
      if (m_ok) {
        m_at(e.m);
        instant(kPidM, e.m, e.t, "thread created", "thread", e);
      }
      break;
    case EventKind::MPark:
      if (m_ok) {
        MInfo& mi = m_at(e.m);
        close_m_slice(e.m, mi.spin, e.t, "spinning");
        if (mi.park.start < 0) mi.park.start = e.t;
      }
      break;
    case EventKind::MUnpark:
      if (m_ok) close_m_slice(e.m, m_at(e.m).park, e.t, "parked");
      break;
    case EventKind::MSpin:
      if (m_ok) {
        MInfo& mi = m_at(e.m);
        if (mi.spin.start < 0) mi.spin.start = e.t;
      }
      break;
    case EventKind::MSpinStop:
      if (m_ok) close_m_slice(e.m, m_at(e.m).spin, e.t, "spinning");
      break;
    case EventKind::MExit:
      if (m_ok) {
        MInfo& mi = m_at(e.m);
        close_m_slice(e.m, mi.spin, e.t, "spinning");
        close_m_slice(e.m, mi.park, e.t, "parked");
        instant(kPidM, e.m, e.t, "thread exits", "thread", e);
      }
      break;
    case EventKind::SysmonWake: instant(kPidRuntime, kTidSysmon, e.t, "sysmon", "sysmon", e); break;
    case EventKind::NetpollReady:
      instant(kPidRuntime, kTidSysmon, e.t, fmt::format("netpoll: G{} ready", e.g), "netpoll", e);
      break;
    case EventKind::TimerFire:
      if (p_ok) {
        p_at(e.p);
        instant(kPidP, e.p, e.t, fmt::format("timer G{}", e.g), "timer", e);
      } else {
        instant(kPidRuntime, kTidSysmon, e.t, fmt::format("timer G{}", e.g), "timer", e);
      }
      break;
    case EventKind::GCStart:
      if (gc.start >= 0) slice(kPidRuntime, kTidGC, gc.start, e.t, fmt::format("GC {}", gc_cycle), "gc", "");
      gc.start = e.t;
      gc_cycle = e.a0;
      break;
    case EventKind::GCDone:
      if (gc.start >= 0) {
        slice(kPidRuntime, kTidGC, gc.start, e.t, fmt::format("GC {}", gc_cycle), "gc",
              fmt::format(R"("why":"{}")", escaped_text(e)));
        gc.start = -1;
      }
      break;
    case EventKind::STWStart:
      stw.start = e.t;
      stw_kind = e.reason;
      break;
    case EventKind::STWDone:
      if (stw.start >= 0) {
        slice(kPidRuntime, kTidSTW, stw.start, e.t,
              stw_kind == static_cast<std::uint8_t>(STWKind::SweepTermination) ? "STW sweep termination"
                                                                                : "STW mark termination",
              "gc", fmt::format(R"("why":"{}")", escaped_text(e)));
        stw.start = -1;
      }
      break;
    case EventKind::GCMarkAssistStart: {
      auto it = gs.find(e.g);
      if (it != gs.end() && it->second.p >= 0) it->second.assist_start = e.t;
      break;
    }
    case EventKind::GCMarkAssistDone: {
      auto it = gs.find(e.g);
      if (it != gs.end() && it->second.p >= 0 && it->second.assist_start >= 0) {
        slice(kPidP, it->second.p, it->second.assist_start, e.t, "mark assist", "gc", "");
        it->second.assist_start = -1;
      }
      break;
    }
    case EventKind::GCWorkerStart:
      if (p_ok) {
        PInfo& pi = p_at(e.p);
        if (pi.g >= 0) close_slice(pi.g, e.t, nullptr);
        close_worker(e.p, e.t);
        pi.worker.start = e.t;
        pi.worker_mode = e.reason;
      }
      break;
    case EventKind::GCWorkerStop:
      if (p_ok) close_worker(e.p, e.t);
      break;
    case EventKind::Counter: {
      auto id = static_cast<CounterId>(e.reason);
      std::string_view label = counter_label(id);
      if (label.empty()) break;
      if (id == CounterId::LocalRunq) {
        if (p_ok) {
          p_at(e.p);
          counter(kPidP, e.t, fmt::format("runq P{}", e.p), e.a0);
        }
      } else {
        counter(kPidRuntime, e.t, label, e.a0);
      }
      break;
    }
    default: break;
  }
  flush_if_full();
}

void ChromeTraceWriter::State::finish(const RunOutcome& o) {
  Nanos end = last_t;
  // Close everything still open, in a fixed order so output is deterministic.
  std::vector<std::int32_t> ids;
  for (auto& [g, gi] : gs) ids.push_back(g);
  std::sort(ids.begin(), ids.end());
  for (std::int32_t g : ids) {
    close_slice(g, end, nullptr);
    close_syscall(g, end);
  }
  for (std::size_t p = 0; p < ps.size(); ++p) close_worker(static_cast<std::int32_t>(p), end);
  ids.clear();
  for (auto& [m, mi] : ms) ids.push_back(m);
  std::sort(ids.begin(), ids.end());
  for (std::int32_t m : ids) {
    close_m_slice(m, ms[m].spin, end, "spinning");
    close_m_slice(m, ms[m].park, end, "parked");
  }
  if (gc.start >= 0) slice(kPidRuntime, kTidGC, gc.start, end, fmt::format("GC {}", gc_cycle), "gc", "");
  if (stw.start >= 0) slice(kPidRuntime, kTidSTW, stw.start, end, "STW", "gc", "");
  gc.start = stw.start = -1;

  buf += "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"format\":\"gosim chrome trace\",\"scenario\":\"";
  append_escaped(buf, header.scenario_name);
  buf += "\",\"mode\":\"";
  append_escaped(buf, header.mode);
  buf += "\",\"clock\":\"";
  append_escaped(buf, header.clock);
  buf += "\",\"gosim_version\":\"";
  append_escaped(buf, header.gosim_version);
  buf += "\",\"gomaxprocs\":";
  buf += fmt::format_int(header.gomaxprocs).c_str();
  buf += ",\"status\":\"";
  buf += status_name(o.status);
  buf += "\",\"message\":\"";
  append_escaped(buf, o.message);
  buf += "\"}\n}\n";
  file.write(buf);
  buf.clear();
}

ChromeTraceWriter::ChromeTraceWriter() : state_(std::make_unique<State>()) {}
ChromeTraceWriter::~ChromeTraceWriter() = default;

std::unique_ptr<ChromeTraceWriter> ChromeTraceWriter::create(const std::string& path, std::string* error) {
  std::unique_ptr<ChromeTraceWriter> w(new ChromeTraceWriter());
  if (!w->state_->file.open(path, error)) return nullptr;
  w->state_->buf.reserve(kFlushBytes + 4096);
  return w;
}

void ChromeTraceWriter::begin(const TraceHeader& h) {
  State& s = *state_;
  if (s.begun) return;
  s.begun = true;
  s.header = h;
  s.buf += "{\"traceEvents\":[";
  s.metadata("process_name", kPidRuntime, 0, "Runtime", false);
  s.sort_index(kPidRuntime, 0, 0, false);
  s.metadata("process_name", kPidP, 0, "Processors (P)", false);
  s.sort_index(kPidP, 0, 1, false);
  s.metadata("process_name", kPidM, 0, "Threads (M)", false);
  s.sort_index(kPidM, 0, 2, false);
  s.metadata("thread_name", kPidRuntime, kTidGC, "GC", true);
  s.metadata("thread_name", kPidRuntime, kTidSTW, "STW", true);
  s.metadata("thread_name", kPidRuntime, kTidSysmon, "sysmon & poller", true);
  if (h.gomaxprocs > 0 && h.gomaxprocs <= (1 << 20)) s.p_at(h.gomaxprocs - 1);
}

void ChromeTraceWriter::event(const Event& e) {
  if (!state_->begun) begin(TraceHeader{});
  if (state_->ended) return;
  state_->on_event(e);
}

void ChromeTraceWriter::end(const RunOutcome& o) {
  if (!state_->begun) begin(TraceHeader{});
  if (state_->ended) return;
  state_->ended = true;
  state_->finish(o);
}

bool ChromeTraceWriter::commit(std::string* error) {
  if (!state_->ended) {
    RunOutcome o;
    o.status = RunOutcome::Status::Error;
    o.message = "the run stopped before the trace was finished";
    end(o);
  }
  return state_->file.commit(error);
}

}  // namespace gosim::trace
