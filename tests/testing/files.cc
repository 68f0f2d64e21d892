#include "tests/testing/files.h"

#include "gtest/gtest.h"
#include "ledger/base/files.h"

namespace ballast::test {

std::string ReadFileOrDie(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  EXPECT_TRUE(contents.ok()) << contents.status();
  return contents.ok() ? *std::move(contents) : std::string();
}

std::string ReadFileOrEmpty(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  return contents.ok() ? *std::move(contents) : std::string();
}

}  // namespace ballast::test
