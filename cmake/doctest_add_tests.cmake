# Replaces doctest's doctestAddTests.cmake (run by doctest_discover_tests
# after each build of a test binary): one ctest test per doctest test case,
# labelled with its test suite. The binary lists its cases itself
# (`--gosim-list-tests`, tests/doctest_main.cpp) as "<suite>\t<name>" lines,
# in one run instead of one per test, and names with commas keep their label.
set(prefix "${TEST_PREFIX}")
set(suffix "${TEST_SUFFIX}")
set(extra_args ${TEST_EXTRA_ARGS})
set(properties ${TEST_PROPERTIES})
set(script "")
set(tests "")

function(add_command NAME)
  set(_args "")
  foreach(_arg ${ARGN})
    if(_arg MATCHES "[^-./:a-zA-Z0-9_]")
      set(_args "${_args} [==[${_arg}]==]")
    else()
      set(_args "${_args} ${_arg}")
    endif()
  endforeach()
  set(script "${script}${NAME}(${_args})\n" PARENT_SCOPE)
endfunction()

if(NOT EXISTS "${TEST_EXECUTABLE}")
  message(FATAL_ERROR "Specified test executable '${TEST_EXECUTABLE}' does not exist")
endif()
execute_process(
  COMMAND ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" --gosim-list-tests
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${TEST_WORKING_DIR}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "Listing the tests of '${TEST_EXECUTABLE}' failed (${result}):\n${errors}")
endif()

string(REPLACE "\n" ";" lines "${output}")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(FIND "${line}" "\t" tab)
  string(SUBSTRING "${line}" 0 ${tab} suite)
  math(EXPR start "${tab} + 1")
  string(SUBSTRING "${line}" ${start} -1 test)
  # doctest filters are comma-separated lists: escape the name's commas.
  string(REPLACE "," "\\," filter "${test}")
  add_command(add_test "${prefix}${test}${suffix}" ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" "--test-case=${filter}"
              ${extra_args})
  if(suite STREQUAL "")
    add_command(set_tests_properties "${prefix}${test}${suffix}" PROPERTIES WORKING_DIRECTORY "${TEST_WORKING_DIR}"
                ${properties})
  else()
    add_command(set_tests_properties "${prefix}${test}${suffix}" PROPERTIES WORKING_DIRECTORY "${TEST_WORKING_DIR}"
                ${properties} LABELS "${suite}")
  endif()
  list(APPEND tests "${prefix}${test}${suffix}")
endforeach()

add_command(set ${TEST_LIST} ${tests})
file(WRITE "${CTEST_FILE}" "${script}")
