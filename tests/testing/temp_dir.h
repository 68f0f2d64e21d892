// Test support: a fresh directory for one test, removed with everything in
// it when the test is done.

#ifndef BALLAST_TESTS_TESTING_TEMP_DIR_H_
#define BALLAST_TESTS_TESTING_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace ballast::test {

// A new directory PREFIX-XXXXXX under gtest's temp dir ($TEST_TMPDIR, else
// /tmp), made by mkdtemp (a test failure if that fails). The destructor
// removes it recursively. Not copyable; not thread-safe.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "ballast-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TESTING_TEMP_DIR_H_
