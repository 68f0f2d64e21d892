#include "tools/cli/keystore.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
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
  // Written under a temporary name and linked into place: an existing key is
  // never replaced, and of two concurrent writers exactly one succeeds.
  absl::Status written = WriteFileDurably(
      path, KeyFileContents(key), {.mode = 0600, .fail_if_exists = true});
  if (absl::IsAlreadyExists(written)) {
    return absl::AlreadyExistsError(
        StrCat("key '", name, "' already exists (", path, ")"));
  }
  RETURN_IF_ERROR(written);
  return StoredKey{std::string(name), key,
                   AddressFromPublicKey(key.public_key)};
}

absl::StatusOr<StoredKey> Keystore::Load(std::string_view name) const {
  RETURN_IF_ERROR(ValidateKeyName(name));
  const std::string path = PathOf(name);
  absl::StatusOr<std::string> contents =
      ReadFile(path, {.max_bytes = kMaxKeyFileSize, .owner_only = true});
  if (absl::IsNotFound(contents.status())) {
    return absl::NotFoundError(StrCat("no key named '", name, "' in ", dir_,
                                      " (create one with: ballast keys new ",
                                      name, ")"));
  }
  if (absl::IsResourceExhausted(contents.status())) {
    return absl::DataLossError(StrCat("key file ", path, " is too large"));
  }
  if (!contents.ok()) {
    return Annotate(contents.status(), StrCat("key '", name, "'"));
  }
  auto key = ParseKeyFile(*contents);
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
