# Run at build time (ballast_gtest in tests/CMakeLists.txt, when
# BALLAST_TEST_BATCHES is on): lists a gtest binary's tests and writes a
# ctest file that runs them in batches of at most BATCH_SIZE tests of one
# suite, one process per batch. Under the sanitizers a test process costs
# ~0.4-1 s to start, which one ctest entry per test pays hundreds of times.
#
# Variables: TEST_EXECUTABLE, TEST_PREFIX, TEST_FILTER (a gtest filter),
# TEST_SKIP (a gtest negative filter, "A.*:*B*", may be empty),
# TEST_ENVIRONMENT (one VAR=value), BATCH_SIZE, WORKING_DIR, CTEST_FILE.

set(filter "${TEST_FILTER}")
if(TEST_SKIP AND filter MATCHES "-")
  set(filter "${filter}:${TEST_SKIP}")  # one negative part: "A*-B*:C*"
elseif(TEST_SKIP)
  set(filter "${filter}-${TEST_SKIP}")
endif()
execute_process(
  COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests "--gtest_filter=${filter}"
  WORKING_DIRECTORY "${WORKING_DIR}"
  OUTPUT_VARIABLE listing
  RESULT_VARIABLE rc
  TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed: ${rc}")
endif()

# The listing: "Suite.  # TypeParam = ..." lines, then "  Test  # ..." lines.
string(REPLACE ";" "\\;" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(out "")
set(suite "")
set(batch "")
set(count 0)
set(index 0)

macro(flush_batch)
  if(count GREATER 0)
    set(name "${TEST_PREFIX}${suite}#${index}")
    string(APPEND out
      "add_test([==[${name}]==] [==[${TEST_EXECUTABLE}]==] "
      "[==[--gtest_filter=${batch}]==])\n"
      "set_tests_properties([==[${name}]==] PROPERTIES "
      "WORKING_DIRECTORY [==[${WORKING_DIR}]==] "
      "ENVIRONMENT [==[${TEST_ENVIRONMENT}]==])\n")
    math(EXPR index "${index} + 1")
  endif()
  set(batch "")
  set(count 0)
endmacro()

foreach(line IN LISTS lines)
  string(REGEX REPLACE " *#.*$" "" line "${line}")
  if(line STREQUAL "")
    continue()
  endif()
  if(line MATCHES "^  +(.+)$")
    set(test "${CMAKE_MATCH_1}")
    if(count EQUAL BATCH_SIZE)
      flush_batch()
    endif()
    if(count GREATER 0)
      string(APPEND batch ":")
    endif()
    string(APPEND batch "${suite}.${test}")
    math(EXPR count "${count} + 1")
  elseif(line MATCHES "^(.+)\\.$")
    flush_batch()
    set(suite "${CMAKE_MATCH_1}")
    set(index 0)
  endif()
endforeach()
flush_batch()

file(WRITE "${CTEST_FILE}" "${out}")
