// PLACEHOLDER: replaced by the owner of `gosim validate`.
#include "command.h"

namespace gosim::app {

Command add_validate_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("validate", "(not implemented yet)");
  return {cmd, [] { return kExitUsage; }};
}

}  // namespace gosim::app
