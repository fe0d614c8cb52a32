#include "trace/scenario_header.h"

#include "scenario/config.h"

namespace gosim::trace {

TraceHeader scenario_header(const scenario::Program& program, std::string_view mode) {
  const scenario::Scenario& s = *program.scenario;
  TraceHeader h;
  h.mode = mode;
  h.clock = mode == "sim" ? "virtual" : "wall";
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

}  // namespace gosim::trace
