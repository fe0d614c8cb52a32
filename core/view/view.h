// What every terminal view starts from: a trace read from a file, with an
// error that says where the file is wrong.
#pragma once

#include <optional>
#include <string>

#include "trace/sink.h"

namespace gosim::view {

// Reads a gosim trace (docs/trace-format.md). nullopt and *error ("path:line:col: ...")
// if it is missing, unreadable or malformed.
std::optional<trace::Trace> load_trace(const std::string& path, std::string* error);

}  // namespace gosim::view
