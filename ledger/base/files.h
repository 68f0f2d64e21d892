// Whole-file reads and durable writes: the one way the project reads a small
// file (a key, a chain id, a contract) and writes one so that a crash leaves
// either the old file or the new one, never a torn one.
//
// Errors name the path and carry the OS's reason (strerror):
//   NotFound          the file (or a directory on its path) does not exist
//   PermissionDenied  the OS refused access (EACCES, EPERM)
//   AlreadyExists     WriteFileDurably with fail_if_exists, and the file exists
//   FailedPrecondition  a ReadFileOptions::owner_only check failed
//   ResourceExhausted   the file is larger than ReadFileOptions::max_bytes
//   Unavailable       any other I/O error
//
// Thread-safe: the functions share no state. Concurrent writers of one path
// each write their own temporary file; the last rename wins (with
// fail_if_exists exactly one wins).

#ifndef BALLAST_LEDGER_BASE_FILES_H_
#define BALLAST_LEDGER_BASE_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ballast {

struct ReadFileOptions {
  // Refuse a larger file (ResourceExhausted) instead of reading it.
  size_t max_bytes = std::numeric_limits<size_t>::max();
  // For secrets, as ssh treats a private key: refuse (FailedPrecondition) a
  // symbolic link, anything but a regular file, and a file that group or
  // others may access at all (mode & 077); the message says
  // "chmod 600 PATH".
  bool owner_only = false;
};

// The whole contents of the file at `path`.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const ReadFileOptions& options = {});

// Like ReadFile, but a missing file is nullopt rather than NotFound.
absl::StatusOr<std::optional<std::string>> ReadFileIfExists(
    const std::string& path, const ReadFileOptions& options = {});

struct WriteFileOptions {
  // The file's permission bits, exactly (the umask does not apply).
  mode_t mode = 0644;
  // Leave an existing file untouched and answer AlreadyExists (the new file
  // is linked into place, which never replaces; see link(2)).
  bool fail_if_exists = false;
};

// The status for a failed system call on `path` with errno `err`, by the
// mapping above: "WHAT PATH: strerror(err)".
absl::Status ErrnoStatus(std::string_view what, std::string_view path, int err);

// Writes `contents` to `path` durably: a temporary file in the same
// directory, written in full, fsync'ed, renamed (or linked) over `path`, and
// the directory fsync'ed. On any error `path` is as it was and the temporary
// file is removed. REQUIRES: the directory of `path` exists.
absl::Status WriteFileDurably(const std::string& path,
                              std::string_view contents,
                              const WriteFileOptions& options = {});

}  // namespace ballast

#endif  // BALLAST_LEDGER_BASE_FILES_H_
