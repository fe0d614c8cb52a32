// gosim run: run a scenario in sim mode (virtual time) or real mode (our own
// M:N runtime), print a summary, and optionally write traces.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "command.h"
#include "run_support.h"
#include "runtime/run_scenario.h"
#include "sim/simulator.h"
#include "trace/chrome.h"
#include "trace/gosim_json.h"
#include "trace/summary.h"

namespace gosim::app {
namespace {

struct RunOptions {
  std::string scenario;
  std::string mode = "sim";
  std::vector<std::string> sets;
  std::string trace_path;
  std::string chrome_path;
  bool json = false;
  bool quiet = false;
};

int run(const RunOptions& o) {
  auto scn = load_or_report(o.scenario, o.sets);
  if (!scn) return kExitUsage;
  scenario::Program program = scenario::compile(scn);
  trace::TraceHeader header = make_trace_header(program, o.mode);

  // Every output is opened before the run, so a bad path fails fast and
  // nothing is lost after a long run.
  std::string error;
  std::unique_ptr<trace::GosimJsonWriter> trace_out;
  std::unique_ptr<trace::ChromeTraceWriter> chrome_out;
  if (!o.trace_path.empty() && !(trace_out = trace::GosimJsonWriter::create(o.trace_path, &error))) {
    std::fprintf(stderr, "gosim: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!o.chrome_path.empty() &&
      !(chrome_out = trace::ChromeTraceWriter::create(o.chrome_path, &error))) {
    std::fprintf(stderr, "gosim: %s\n", error.c_str());
    return kExitUsage;
  }

  trace::SummarySink summary;
  std::vector<trace::TraceSink*> sinks{&summary};
  if (trace_out) sinks.push_back(trace_out.get());
  if (chrome_out) sinks.push_back(chrome_out.get());
  trace::TeeSink tee(sinks);

  tee.begin(header);
  trace::RunOutcome outcome = o.mode == "real" ? runtime::run_scenario(program, tee)
                                               : sim::simulate(program, tee);
  tee.end(outcome);

  // Traces are written even for a failed run: a deadlock is worth looking at.
  if (trace_out && !trace_out->commit(&error)) {
    std::fprintf(stderr, "gosim: %s\n", error.c_str());
    return kExitRunFailed;
  }
  if (chrome_out && !chrome_out->commit(&error)) {
    std::fprintf(stderr, "gosim: %s\n", error.c_str());
    return kExitRunFailed;
  }

  if (o.json) {
    std::printf("%s\n", trace::summary_to_json(summary.summary()).dump(2).c_str());
  } else if (!o.quiet) {
    bool color = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    std::fputs(trace::format_summary(summary.summary(), color).c_str(), stdout);
  }
  if (outcome.status != trace::RunOutcome::Status::Ok) {
    std::fprintf(stderr, "%s\n", outcome.message.c_str());
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace

Command add_run_command(CLI::App& root) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = root.add_subcommand("run", "Run a scenario and print a summary of the schedule");
  cmd->add_option("scenario", o->scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--mode", o->mode, "sim: virtual time, deterministic; real: gosim's own M:N runtime")
      ->check(CLI::IsMember({"sim", "real"}))
      ->capture_default_str();
  cmd->add_option("--set", o->sets, "Override a config value, e.g. --set gomaxprocs=8 "
                                    "--set mechanisms.work_stealing=false")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--trace", o->trace_path, "Write gosim's JSON trace to FILE")->type_name("FILE");
  cmd->add_option("--chrome", o->chrome_path, "Write a Chrome trace (opens in Perfetto) to FILE")
      ->type_name("FILE");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_flag("-q,--quiet", o->quiet, "Print no summary");
  return {cmd, [o] { return run(*o); }};
}

}  // namespace gosim::app
