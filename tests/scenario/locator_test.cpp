#include <doctest/doctest.h>

#include <string>

#include "scenario/json_locator.h"

using namespace gosim::scenario;

TEST_CASE("position_at counts lines and characters") {
  std::string text = "{\n  \"a\": 1,\n  \"\xC3\xA9t\xC3\xA9\": 2\n}";
  CHECK(position_at(text, 0).line == 1);
  CHECK(position_at(text, 0).column == 1);
  TextPos p = position_at(text, text.find("1"));
  CHECK(p.line == 2);
  CHECK(p.column == 8);
  // "été" is three characters but five bytes: the value after it is at column 10.
  p = position_at(text, text.find("2"));
  CHECK(p.line == 3);
  CHECK(p.column == 10);
  p = position_at(text, text.size() + 100);  // clamped to the end
  CHECK(p.line == 4);
  CHECK(p.column == 2);
}

TEST_CASE("JsonLocator finds values and keys by JSON pointer") {
  std::string text =
      "{\n"
      "  \"functions\": {\n"
      "    \"main\": [\n"
      "      {\"compute\": \"1ms\"},\n"
      "      {\"go\": \"w\", \"count\": 4}\n"
      "    ]\n"
      "  },\n"
      "  \"a/b\": {\"~x\": true}\n"
      "}\n";
  JsonLocator loc(text);
  CHECK(loc.value("").line == 1);
  TextPos p = loc.value("/functions/main/1");
  CHECK(p.line == 5);
  CHECK(p.column == 7);
  p = loc.value("/functions/main/1/count");
  CHECK(p.line == 5);
  CHECK(p.column == 28);
  p = loc.key("/functions/main/1/count");
  CHECK(p.line == 5);
  CHECK(p.column == 19);
  p = loc.value("/functions/main/0/compute");
  CHECK(p.column == 19);
  // Escaped pointer segments.
  p = loc.key("/a~1b/~0x");
  CHECK(p.line == 8);
  CHECK(p.column == 11);
  // A missing member falls back to its nearest ancestor.
  p = loc.value("/functions/main/1/arg");
  CHECK(p.line == 5);
  CHECK(p.column == 7);
  p = loc.value("/nothing/here");
  CHECK(p.line == 1);
  CHECK(loc.duplicates().empty());
}

TEST_CASE("JsonLocator reports duplicate keys, also when spelt with escapes") {
  std::string text = "{\"a\": 1, \"b\": {\"x\": 1, \"\\u0078\": 2}, \"a\": 3}";
  JsonLocator loc(text);
  REQUIRE(loc.duplicates().size() == 2);
  CHECK(loc.duplicates()[0].pointer == "/b/x");
  CHECK(loc.duplicates()[0].first_offset == text.find("\"x\""));
  CHECK(loc.duplicates()[1].pointer == "/a");
  CHECK(loc.duplicates()[1].offset == text.rfind("\"a\""));
  CHECK(loc.duplicates()[1].first_offset == 1);
}

TEST_CASE("find_excess_nesting ignores brackets in strings") {
  CHECK_FALSE(find_excess_nesting("[[[]]]", 3));
  CHECK(find_excess_nesting("[[[[]]]]", 3) == 3);
  CHECK_FALSE(find_excess_nesting("[\"[[[[[\\\"[[[[\"]", 2));
  std::string deep(100000, '[');
  CHECK(find_excess_nesting(deep, 128) == 128);
  CHECK_FALSE(find_excess_nesting("\xff\x00garbage", 1));
}

TEST_CASE("pointer_escape follows RFC 6901") {
  CHECK(pointer_escape("a/b~c") == "a~1b~0c");
  CHECK(pointer_escape("plain") == "plain");
}

TEST_CASE("JsonLocator survives text that is not JSON") {
  for (std::string text : {std::string("{\"a\": "), std::string("]]]"), std::string("{\"a\" 1}"),
                           std::string("\"unterminated"), std::string("[1,,2")}) {
    JsonLocator loc(text);
    (void)loc.value("/a");
    CHECK(loc.value("").line >= 0);
  }
}
