// PLACEHOLDER: replaced by the owner of `gosim bench`.
#include "command.h"

namespace gosim::app {

Command add_bench_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("bench", "(not implemented yet)");
  return {cmd, [] { return kExitUsage; }};
}

}  // namespace gosim::app
