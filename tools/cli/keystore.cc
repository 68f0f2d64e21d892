#include "tools/cli/keystore.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "nlohmann/json.hpp"

namespace ballast::cli {
namespace {

constexpr char kSuffix[] = ".key";
constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxKeyFileSize = 4096;

absl::Status ErrnoError(std::string_view what, const std::string& path,
                        int err) {
  std::string message = StrCat(what, " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    default:
      return absl::InternalError(message);
  }
}

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

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string KeyFileContents(const KeyPair& key) {
  nlohmann::json doc = {
      {"type", "ed25519"},
      {"address", "0x" + ToHex(AddressFromPublicKey(key.public_key))},
      {"public_key", "0x" + ToHex(key.public_key)},
      {"secret_key", "0x" + ToHex(key.secret_key)},
  };
  return doc.dump() + "\n";
}

absl::StatusOr<KeyPair> ParseKeyFile(const std::string& contents) {
  nlohmann::json doc = nlohmann::json::parse(contents, nullptr,
                                             /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::DataLossError("not a JSON object");
  auto field = [&](const char* name) -> std::string {
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (field("type") != "ed25519") {
    return absl::DataLossError("\"type\" is not \"ed25519\"");
  }
  auto secret = FromHex(field("secret_key"));
  if (!secret.ok()) {
    return absl::DataLossError(
        StrCat("secret_key: ", secret.status().message()));
  }
  auto key = KeyPairFromSecret(*secret);
  if (!key.ok()) {
    return absl::DataLossError(StrCat("secret_key: ", key.status().message()));
  }
  if (std::string pub = field("public_key");
      !pub.empty() && pub != "0x" + ToHex(key->public_key)) {
    return absl::DataLossError("public_key does not match secret_key");
  }
  if (std::string addr = field("address");
      !addr.empty() &&
      addr != "0x" + ToHex(AddressFromPublicKey(key->public_key))) {
    return absl::DataLossError("address does not match secret_key");
  }
  return key;
}

}  // namespace

absl::Status ValidateKeyName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        StrCat("key name must be 1..", kMaxNameLength, " characters"));
  }
  if (name[0] == '.') {
    return absl::InvalidArgumentError(
        StrCat("key name '", name, "' must not start with '.'"));
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) {
      return absl::InvalidArgumentError(
          StrCat("key name '", name,
                 "' may only contain letters, digits, '_', '-' and '.'"));
    }
  }
  return absl::OkStatus();
}

std::string Keystore::DefaultDir() {
  if (const char* home = std::getenv("BALLAST_HOME"); home && *home) {
    return StrCat(home, "/keys");
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    const passwd* pw = ::getpwuid(::getuid());
    home = pw ? pw->pw_dir : ".";
  }
  return StrCat(home, "/.ballast/keys");
}

std::string Keystore::PathOf(std::string_view name) const {
  return StrCat(dir_, "/", name, kSuffix);
}

absl::Status Keystore::EnsureDir() const {
  // Creates every missing ancestor with mode 0700 (like mkdir -p -m 700 for
  // the directories it creates; existing ones are left alone).
  std::filesystem::path path(dir_);
  std::vector<std::filesystem::path> missing;
  for (auto p = path; !p.empty(); p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(
            StrCat(p.string(), " exists and is not a directory"));
      }
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoError("create directory", it->string(), errno);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredKey> Keystore::Create(std::string_view name) const {
  return Import(name, GenerateKeyPair());
}

absl::StatusOr<StoredKey> Keystore::Import(std::string_view name,
                                           const KeyPair& key) const {
  RETURN_IF_ERROR(ValidateKeyName(name));
  RETURN_IF_ERROR(EnsureDir());
  const std::string path = PathOf(name);
  if (::access(path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(
        StrCat("key '", name, "' already exists (", path, ")"));
  }
  const std::string tmp =
      StrCat(dir_, "/.", name, kSuffix, ".tmp.", ::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) return ErrnoError("create", tmp, errno);
    absl::Status s = [&]() -> absl::Status {
      if (::fchmod(fd.get(), 0600) != 0) return ErrnoError("chmod", tmp, errno);
      RETURN_IF_ERROR(WriteAll(fd.get(), KeyFileContents(key), tmp));
      if (::fsync(fd.get()) != 0) return ErrnoError("sync", tmp, errno);
      return absl::OkStatus();
    }();
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  // link() never replaces an existing file: of two concurrent writers of the
  // same name exactly one succeeds.
  int link_errno = ::link(tmp.c_str(), path.c_str()) == 0 ? 0 : errno;
  ::unlink(tmp.c_str());
  if (link_errno == EEXIST) {
    return absl::AlreadyExistsError(
        StrCat("key '", name, "' already exists (", path, ")"));
  }
  if (link_errno != 0) return ErrnoError("create", path, link_errno);
  if (Fd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      dir.get() >= 0) {
    ::fsync(dir.get());
  }
  return StoredKey{std::string(name), key,
                   AddressFromPublicKey(key.public_key)};
}

absl::StatusOr<StoredKey> Keystore::Load(std::string_view name) const {
  RETURN_IF_ERROR(ValidateKeyName(name));
  const std::string path = PathOf(name);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(StrCat("no key named '", name, "' in ", dir_,
                                        " (create one with: ballast keys new ",
                                        name, ")"));
    }
    return ErrnoError("open", path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(StrCat(path, " is not a file"));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    return absl::FailedPreconditionError(
        StrCat("key file ", path, " is accessible by others (mode ", mode,
               "); run: chmod 600 ", path));
  }
  if (st.st_size > static_cast<off_t>(kMaxKeyFileSize)) {
    return absl::DataLossError(StrCat("key file ", path, " is too large"));
  }
  std::string contents(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < contents.size()) {
    ssize_t n = ::read(fd.get(), contents.data() + got, contents.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read", path, errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  contents.resize(got);
  auto key = ParseKeyFile(contents);
  if (!key.ok()) {
    return absl::DataLossError(
        StrCat("key file ", path, " is corrupt: ", key.status().message()));
  }
  return StoredKey{std::string(name), *key,
                   AddressFromPublicKey(key->public_key)};
}

absl::StatusOr<std::vector<StoredKey>> Keystore::List() const {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return std::vector<StoredKey>();
    }
    return absl::InternalError(StrCat("list ", dir_, ": ", ec.message()));
  }
  for (const auto& entry : it) {
    std::string file = entry.path().filename().string();
    if (file.size() <= std::strlen(kSuffix) || !file.ends_with(kSuffix)) {
      continue;
    }
    std::string name = file.substr(0, file.size() - std::strlen(kSuffix));
    if (ValidateKeyName(name).ok()) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  std::vector<StoredKey> keys;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(StoredKey key, Load(name));
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace ballast::cli
