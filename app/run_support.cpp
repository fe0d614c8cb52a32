#include "run_support.h"

#include <cstdio>

#include "version.h"

namespace gosim::app {

std::shared_ptr<const scenario::Scenario> load_or_report(const std::string& path,
                                                         const std::vector<std::string>& overrides) {
  scenario::LoadResult r = scenario::load_scenario_file(path);
  if (r.ok() && !overrides.empty()) r = scenario::apply_overrides(r.scenario, overrides);
  if (!r.ok()) {
    for (const scenario::Diagnostic& d : r.errors) {
      std::fprintf(stderr, "%s\n", scenario::format_diagnostic(d).c_str());
    }
    std::fprintf(stderr, "gosim: %zu error%s in %s\n", r.errors.size(), r.errors.size() == 1 ? "" : "s",
                 path.c_str());
    return nullptr;
  }
  return r.scenario;
}

trace::TraceHeader make_trace_header(const scenario::Program& program, const std::string& mode) {
  const scenario::Scenario& s = *program.scenario;
  trace::TraceHeader h;
  h.mode = mode;
  h.clock = mode == "sim" ? "virtual" : "wall";
  h.gosim_version = kVersion;
  h.scenario_name = s.name;
  h.scenario_hash = s.hash;
  h.scenario_description = s.description;
  for (const auto& f : s.functions) h.functions.push_back(f.name);
  for (const auto& c : s.channels) h.channels.push_back(c.name);
  for (const auto& m : s.mutexes) h.mutexes.push_back(m.name);
  for (const auto& w : s.waitgroups) h.waitgroups.push_back(w.name);
  h.gomaxprocs = static_cast<std::int32_t>(s.config.gomaxprocs);
  h.config = scenario::config_to_json(s.config);
  return h;
}

}  // namespace gosim::app
