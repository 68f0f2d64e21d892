// Test support shared by every test binary (library ballast_testing,
// namespace ballast::test): reading whole files from the build tree
// (contracts, corpus modules) and from a test's own directories (logs).

#ifndef BALLAST_TESTS_TESTING_FILES_H_
#define BALLAST_TESTS_TESTING_FILES_H_

#include <string>

namespace ballast::test {

// The whole file; an empty string and a test failure if it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// The whole file; an empty string if it cannot be read (e.g. a log a child
// has not written yet).
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TESTING_FILES_H_
