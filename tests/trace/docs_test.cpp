// docs/trace-format.md documents every name a trace file can hold.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "trace/event.h"

using namespace gosim::trace;

namespace {

std::string doc() {
  std::ifstream in(std::string(GOSIM_SOURCE_DIR) + "/docs/trace-format.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool documented(const std::string& text, std::string_view name) {
  return text.find("`" + std::string(name) + "`") != std::string::npos;
}

}  // namespace

TEST_CASE("docs: trace-format.md names every kind, reason, counter and why code") {
  std::string text = doc();
  REQUIRE(!text.empty());
  for (int k = 0; k < kEventKinds; ++k) {
    auto kind = static_cast<EventKind>(k);
    CHECK_MESSAGE(documented(text, kind_name(kind)), kind_name(kind));
    for (int r = 0; r < reason_count(kind); ++r) {
      std::string_view name = reason_name(kind, static_cast<std::uint8_t>(r));
      CHECK_MESSAGE(documented(text, name), name);
    }
  }
  for (int w = 0; w < kWhyCodes; ++w) {
    std::string_view name = why_name(static_cast<Why>(w));
    CHECK_MESSAGE(documented(text, name), name);
    // The template shown is the one in why.cpp.
    std::string_view tmpl = why_template(static_cast<Why>(w));
    if (!tmpl.empty()) CHECK_MESSAGE(text.find(std::string(tmpl)) != std::string::npos, tmpl);
  }
}
