#include "run_support.h"

#include <cstdio>

#include "trace/scenario_header.h"
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
  trace::TraceHeader h = trace::scenario_header(program, mode);
  h.gosim_version = kVersion;
  return h;
}

}  // namespace gosim::app
