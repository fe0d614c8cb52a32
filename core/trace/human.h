// Numbers for people: durations and byte counts in the units Go prints.
#pragma once

#include <cstdint>
#include <string>

#include "trace/event.h"

namespace gosim::trace {

// "850ns", "12.5µs", "3.25ms", "1.5s": three significant digits at most.
std::string format_duration(Nanos ns);
void append_duration(std::string& out, Nanos ns);
// "512B", "4KiB", "1.5MiB".
std::string format_bytes(std::int64_t bytes);
void append_bytes(std::string& out, std::int64_t bytes);

}  // namespace gosim::trace
