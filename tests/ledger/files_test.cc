// ledger/base/files.h: whole-file reads and durable writes, with the error
// each failure gets.

#include "ledger/base/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace ballast {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

int ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// The names in `dir`, sorted, space-separated.
std::string Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

class FilesTest : public ::testing::Test {
 protected:
  test::TempDir tmp_{"ballast-files"};
  const std::string dir_ = tmp_.path();
};

TEST_F(FilesTest, WriteThenReadRoundTrips) {
  const std::string path = dir_ + "/data";
  const std::string bytes("binary\0and text\n", 16);
  ASSERT_TRUE(WriteFileDurably(path, bytes).ok());
  EXPECT_EQ(*ReadFile(path), bytes);
  EXPECT_EQ(**ReadFileIfExists(path), bytes);
  // A larger file than one read() returns.
  const std::string big(200'000, 'x');
  ASSERT_TRUE(WriteFileDurably(path, big).ok());
  EXPECT_EQ(*ReadFile(path), big);
  ASSERT_TRUE(WriteFileDurably(path, "").ok());
  EXPECT_THAT(*ReadFile(path), IsEmpty());
  EXPECT_EQ(Entries(dir_), "data");  // no temporary file left
}

TEST_F(FilesTest, WrittenFileHasExactlyTheModeAsked) {
  const mode_t old_umask = ::umask(077);  // the umask does not apply
  for (mode_t mode : {0600, 0644, 0640}) {
    const std::string path = dir_ + "/f" + std::to_string(mode);
    ASSERT_TRUE(WriteFileDurably(path, "x", {.mode = mode}).ok());
    EXPECT_EQ(ModeOf(path), static_cast<int>(mode));
    // Replacing a file sets the mode again.
    ASSERT_TRUE(WriteFileDurably(path, "y", {.mode = 0600}).ok());
    EXPECT_EQ(ModeOf(path), 0600);
  }
  ::umask(old_umask);
}

TEST_F(FilesTest, MissingFileIsNotFoundOrNullopt) {
  const std::string path = dir_ + "/missing";
  absl::StatusOr<std::string> read = ReadFile(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(),
            "open " + path + ": No such file or directory");
  absl::StatusOr<std::optional<std::string>> maybe = ReadFileIfExists(path);
  ASSERT_TRUE(maybe.ok()) << maybe.status();
  EXPECT_EQ(*maybe, std::nullopt);
}

TEST_F(FilesTest, OtherReadErrorsAreNotNotFound) {
  // A directory opens but cannot be read.
  absl::StatusOr<std::string> read = ReadFile(dir_);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable)
      << read.status();
  EXPECT_EQ(read.status().message(), "read " + dir_ + ": Is a directory");
  EXPECT_EQ(ReadFileIfExists(dir_).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(FilesTest, ALargerFileThanAllowedIsRefused) {
  const std::string path = dir_ + "/big";
  ASSERT_TRUE(WriteFileDurably(path, std::string(101, 'x')).ok());
  EXPECT_TRUE(ReadFile(path, {.max_bytes = 101}).ok());
  absl::StatusOr<std::string> read = ReadFile(path, {.max_bytes = 100});
  EXPECT_EQ(read.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(read.status().message(), path + " is larger than 100 bytes");
}

TEST_F(FilesTest, OwnerOnlyRefusesWhatOthersCanAccess) {
  const std::string path = dir_ + "/secret";
  ASSERT_TRUE(WriteFileDurably(path, "s", {.mode = 0600}).ok());
  EXPECT_EQ(*ReadFile(path, {.owner_only = true}), "s");
  EXPECT_EQ(**ReadFileIfExists(path, {.owner_only = true}), "s");
  for (mode_t mode : {0640, 0604, 0602, 0610}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    absl::StatusOr<std::string> read = ReadFile(path, {.owner_only = true});
    EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
    char text[8];
    std::snprintf(text, sizeof(text), "%04o", mode);
    EXPECT_EQ(read.status().message(),
              path + " is accessible by group or others (mode " + text +
                  "), which a secret must not be; run: chmod 600 " + path);
    EXPECT_TRUE(ReadFile(path).ok());  // without owner_only: read
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(ReadFile(path, {.owner_only = true}).ok());

  // A link to a secret is not the secret.
  const std::string link = dir_ + "/link";
  ASSERT_EQ(::symlink(path.c_str(), link.c_str()), 0);
  absl::StatusOr<std::string> linked = ReadFile(link, {.owner_only = true});
  EXPECT_EQ(linked.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(linked.status().message(), HasSubstr("is a symbolic link"));
  EXPECT_EQ(ReadFile(dir_, {.owner_only = true}).status().message(),
            dir_ + " is not a regular file");
}

TEST_F(FilesTest, FailIfExistsLeavesTheExistingFile) {
  const std::string path = dir_ + "/key";
  ASSERT_TRUE(
      WriteFileDurably(path, "first", {.mode = 0600, .fail_if_exists = true})
          .ok());
  absl::Status again =
      WriteFileDurably(path, "second", {.mode = 0600, .fail_if_exists = true});
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(again.message(), path + " already exists");
  EXPECT_EQ(*ReadFile(path), "first");
  EXPECT_EQ(Entries(dir_), "key");  // the temporary file is gone
  // Without the option the file is replaced.
  ASSERT_TRUE(WriteFileDurably(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
}

TEST_F(FilesTest, WriteFailuresNameThePathAndTheReason) {
  // No such directory.
  const std::string nowhere = dir_ + "/no/such/file";
  absl::Status s = WriteFileDurably(nowhere, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "create a temporary file for " + nowhere +
                             ": No such file or directory");

  // A file where a directory should be.
  ASSERT_TRUE(WriteFileDurably(dir_ + "/plain", "x").ok());
  s = WriteFileDurably(dir_ + "/plain/f", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr(dir_ + "/plain/f: Not a directory"));

  // The target is a directory (with something in it): the rename fails,
  // the directory is untouched and no temporary file is left.
  std::filesystem::create_directories(dir_ + "/taken/inside");
  s = WriteFileDurably(dir_ + "/taken", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(s.message(), "write " + dir_ + "/taken: Is a directory");
  EXPECT_EQ(Entries(dir_), "plain taken");
  EXPECT_EQ(Entries(dir_ + "/taken"), "inside");

  // A directory the process may not write to (root may write anywhere).
  if (::geteuid() != 0) {
    std::filesystem::create_directories(dir_ + "/readonly");
    ASSERT_EQ(::chmod((dir_ + "/readonly").c_str(), 0500), 0);
    s = WriteFileDurably(dir_ + "/readonly/f", "x");
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_THAT(s.message(), HasSubstr("Permission denied"));
    ::chmod((dir_ + "/readonly").c_str(), 0700);
  }
}

}  // namespace
}  // namespace ballast
