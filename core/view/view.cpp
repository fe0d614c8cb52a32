#include "view/view.h"

#include <filesystem>

#include <fmt/format.h>

#include "trace/gosim_json.h"

namespace gosim::view {

std::optional<trace::Trace> load_trace(const std::string& path, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = fmt::format("{}: is a directory, not a trace file", path);
    return std::nullopt;
  }
  return trace::read_gosim_json(path, error);
}

}  // namespace gosim::view
