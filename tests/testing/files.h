// Test support shared by every test binary: reading files from the build
// tree (contracts, corpus modules).

#ifndef BALLAST_TESTS_TESTING_FILES_H_
#define BALLAST_TESTS_TESTING_FILES_H_

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace ballast::test {

// The whole file; an empty string and a test failure if it cannot be read.
inline std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TESTING_FILES_H_
