// PLACEHOLDER: replaced by the owner of `gosim view`.
#include "command.h"

namespace gosim::app {

Command add_view_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("view", "(not implemented yet)");
  return {cmd, [] { return kExitUsage; }};
}

}  // namespace gosim::app
