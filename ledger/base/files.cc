#include "ledger/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"

namespace ballast {
namespace {

// Closes the descriptor it holds.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string ModeString(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode));
  return text;
}

absl::Status CheckOwnerOnly(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        StrCat(path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(
        StrCat(path, " is accessible by group or others (mode ",
               ModeString(st.st_mode & 07777),
               "), which a secret must not be; run: chmod 600 ", path));
  }
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// "dir" and "name" of "dir/name"; "." for a bare name.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

absl::Status ErrnoStatus(std::string_view what, std::string_view path,
                         int err) {
  std::string message = StrCat(what, " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    default:
      return absl::UnavailableError(message);
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const ReadFileOptions& options) {
  int flags = O_RDONLY | O_CLOEXEC | (options.owner_only ? O_NOFOLLOW : 0);
  Fd fd(::open(path.c_str(), flags));
  if (fd.get() < 0) {
    if (errno == ELOOP && options.owner_only) {
      return absl::FailedPreconditionError(
          StrCat(path, " is a symbolic link; a secret must be a regular file"));
    }
    return ErrnoStatus("open", path, errno);
  }
  if (options.owner_only) RETURN_IF_ERROR(CheckOwnerOnly(fd.get(), path));
  std::string contents;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) break;
    if (static_cast<size_t>(n) > options.max_bytes - contents.size()) {
      return absl::ResourceExhaustedError(
          StrCat(path, " is larger than ", options.max_bytes, " bytes"));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

absl::StatusOr<std::optional<std::string>> ReadFileIfExists(
    const std::string& path, const ReadFileOptions& options) {
  absl::StatusOr<std::string> contents = ReadFile(path, options);
  if (absl::IsNotFound(contents.status())) return std::nullopt;
  if (!contents.ok()) return contents.status();
  return *std::move(contents);
}

absl::Status WriteFileDurably(const std::string& path,
                              std::string_view contents,
                              const WriteFileOptions& options) {
  const auto [dir, name] = SplitPath(path);
  std::string tmp = StrCat(dir, "/.", name, ".tmp.XXXXXX");
  {
    Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (fd.get() < 0)
      return ErrnoStatus("create a temporary file for", path, errno);
    absl::Status written = [&]() -> absl::Status {
      if (::fchmod(fd.get(), options.mode) != 0) {
        return ErrnoStatus("chmod", tmp, errno);
      }
      RETURN_IF_ERROR(WriteAll(fd.get(), contents, tmp));
      if (::fsync(fd.get()) != 0) return ErrnoStatus("sync", tmp, errno);
      return absl::OkStatus();
    }();
    if (!written.ok()) {
      ::unlink(tmp.c_str());
      return Annotate(written, StrCat("write ", path));
    }
  }
  // link() never replaces an existing file: of two writers of a new name
  // exactly one succeeds. rename() replaces atomically.
  int moved = options.fail_if_exists ? ::link(tmp.c_str(), path.c_str())
                                     : ::rename(tmp.c_str(), path.c_str());
  int move_errno = moved == 0 ? 0 : errno;
  if (options.fail_if_exists || move_errno != 0) ::unlink(tmp.c_str());
  if (move_errno == EEXIST && options.fail_if_exists) {
    return absl::AlreadyExistsError(StrCat(path, " already exists"));
  }
  if (move_errno != 0) return ErrnoStatus("write", path, move_errno);
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    return ErrnoStatus("sync the directory of", path, errno);
  }
  return absl::OkStatus();
}

}  // namespace ballast
