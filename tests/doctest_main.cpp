// The main of every doctest binary, with two guards that keep ctest honest:
//
// - `--gosim-list-tests` prints each test case as "<suite>\t<name>", which
//   cmake/doctest_add_tests.cmake turns into one ctest test per case with its
//   suite as label. doctest's own script asks for each test's suite with an
//   unescaped filter, so a name with a comma lost its label, and split a
//   name with a semicolon into two tests that matched nothing.
// - Run with a --test-case filter, a binary that ran no test case fails: a
//   ctest test whose filter matches nothing would otherwise pass having
//   checked nothing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

unsigned g_cases_run = 0;

// Only counts: the default console reporter still prints everything.
struct RunCounter final : doctest::IReporter {
  explicit RunCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override { g_cases_run = s.numTestCasesPassingFilters; }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
DOCTEST_REGISTER_LISTENER("gosim_run_counter", 1, RunCounter);

// Names end up in CMake lists and in doctest filters: ';' would split a
// name in two and '\' would be read as an escape.
int list_tests() {
  int bad = 0;
  for (const doctest::detail::TestCase& tc : doctest::detail::getRegisteredTests()) {
    const char* name = tc.m_name;
    if (std::strpbrk(name, ";\\\t\n") != nullptr) {
      std::fprintf(stderr, "%s:%u: test case name \"%s\" contains ';', '\\', a tab or a newline; rename it\n",
                   tc.m_file.c_str(), tc.m_line, name);
      ++bad;
      continue;
    }
    std::printf("%s\t%s\n", tc.m_test_suite, name);
  }
  return bad == 0 ? 0 : 1;
}

bool has_test_case_filter(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    for (const char* f : {"--test-case=", "-tc=", "--dt-test-case=", "--dt-tc="}) {
      if (a.rfind(f, 0) == 0) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--gosim-list-tests") == 0) return list_tests();
  }
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;  // --help, --list-*, --count ...
  if (rc == 0 && g_cases_run == 0 && has_test_case_filter(argc, argv)) {
    std::fprintf(stderr, "%s: no test case matches the --test-case filter: nothing was checked\n", argv[0]);
    return 1;
  }
  return rc;
}
