// `gosim view --html`: one self-contained HTML page (no network, no CDN) with
// a zoomable timeline, the step-through G/M/P picture, the summary and plots.
// Two traces share one time axis (sim vs real).
#pragma once

#include <string>
#include <vector>

#include "trace/sink.h"

namespace gosim::view {

// Writes the page for one or two traces to `path` (atomically). False and
// *error on failure.
bool write_html(const std::vector<trace::Trace>& traces, const std::string& path, std::string* error);

// The page itself (what write_html writes), for tests and benchmarks.
std::string html_page(const std::vector<trace::Trace>& traces);

}  // namespace gosim::view
