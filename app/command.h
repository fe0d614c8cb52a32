// Each subcommand lives in its own file (cmd_<name>.cpp) and registers itself
// with the root CLI11 app; main() runs the one the user named.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace gosim::app {

// Exit codes, as documented in `gosim --help` and docs/cli.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;  // e.g. a deadlock, a limit hit
inline constexpr int kExitUsage = 2;      // bad usage or bad input

struct Command {
  CLI::App* cli = nullptr;
  std::function<int()> run;  // called after parsing if this subcommand was given
};

Command add_run_command(CLI::App& root);
Command add_validate_command(CLI::App& root);
Command add_view_command(CLI::App& root);
Command add_bench_command(CLI::App& root);

}  // namespace gosim::app
