// gosim: a Go scheduler simulator and visualiser.
#include <cstdio>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "version.h"

int main(int argc, char** argv) {
  using namespace gosim::app;
  CLI::App root{"gosim: see, measure and teach how Go's scheduler works.\n\n"
                "Exit status: 0 success, 1 the run failed (e.g. a deadlock), 2 bad usage or input."};
  root.set_version_flag("--version", fmt::format("gosim {}", gosim::kVersion));
  root.require_subcommand(1);
  root.fallthrough(false);

  std::vector<Command> commands{add_run_command(root), add_validate_command(root),
                                add_view_command(root), add_bench_command(root)};
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "gosim: %s\nRun 'gosim --help' for usage.\n", e.what());
    return kExitUsage;
  }
  try {
    for (const Command& c : commands) {
      if (c.cli->parsed()) return c.run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gosim: internal error: %s\n", e.what());
    return kExitRunFailed;
  }
  return kExitUsage;
}
