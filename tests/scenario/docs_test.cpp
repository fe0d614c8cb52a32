// docs/scenario-format.md documents every config key and every op.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/config.h"
#include "scenario/parse.h"

#include <nlohmann/json.hpp>

using namespace gosim::scenario;

namespace {
std::string read_doc() {
  std::ifstream in(std::string(GOSIM_SOURCE_DIR) + "/docs/scenario-format.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("docs: every config key appears in docs/scenario-format.md") {
  std::string doc = read_doc();
  REQUIRE_FALSE(doc.empty());
  for (const ConfigKey& k : config_keys()) {
    CAPTURE(k.key);
    CHECK(doc.find("`" + std::string(k.key) + "`") != std::string::npos);
  }
}

TEST_CASE("docs: every op and modifier appears in docs/scenario-format.md") {
  std::string doc = read_doc();
  for (const std::string& k : op_keys()) {
    CAPTURE(k);
    CHECK(doc.find("\"" + k + "\"") != std::string::npos);
  }
}

TEST_CASE("docs: docs/scenario.schema.json has every config key with its type") {
  std::ifstream in(std::string(GOSIM_SOURCE_DIR) + "/docs/scenario.schema.json");
  nlohmann::json schema = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(schema.is_discarded());
  const nlohmann::json& config = schema["definitions"]["config"]["properties"];
  std::size_t count = 0;
  for (const ConfigKey& k : config_keys()) {
    CAPTURE(k.key);
    std::string key(k.key);
    auto dot = key.find('.');
    const nlohmann::json& p = dot == std::string::npos ? config[key]
                                                       : config[key.substr(0, dot)]["properties"][key.substr(dot + 1)];
    REQUIRE(p.is_object());
    switch (k.type) {
      case ValueType::Int:
        CHECK(p["type"] == "integer");
        CHECK(p["minimum"] == static_cast<std::int64_t>(k.min));
        CHECK(p["maximum"] == static_cast<std::int64_t>(k.max));
        break;
      case ValueType::Seed: CHECK(p["type"] == "integer"); break;
      case ValueType::Bool: CHECK(p["type"] == "boolean"); break;
      case ValueType::Ratio: CHECK(p["type"] == "number"); break;
      case ValueType::Duration: CHECK(p["$ref"] == "#/definitions/durationString"); break;
      case ValueType::Bytes: CHECK(p["$ref"] == "#/definitions/size"); break;
    }
    ++count;
  }
  // And nothing the registry doesn't know.
  std::size_t in_schema = 0;
  for (const auto& [name, p] : config.items()) {
    in_schema += p.contains("properties") ? p["properties"].size() : 1;
  }
  CHECK(in_schema == count);
}
