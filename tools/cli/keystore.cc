#include "tools/cli/keystore.h"

#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "nlohmann/json.hpp"
#include "tools/cli/output.h"

namespace ballast::cli {
namespace {

constexpr char kSuffix[] = ".key";
constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxKeyFileSize = 4096;

constexpr char kKdf[] = "argon2id13";
constexpr char kCipher[] = "xsalsa20poly1305";

// A field of `doc` that must be a string; "" if absent or not a string.
std::string StringField(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

// The hex field `name` of `doc` decoded, which must be `size` bytes.
absl::StatusOr<std::string> BytesField(const nlohmann::json& doc,
                                       const char* name, size_t size) {
  auto raw = FromHex(StringField(doc, name));
  if (!raw.ok() || raw->size() != size) {
    return absl::DataLossError(
        StrCat("\"", name, "\" is not ", size, " bytes of hex"));
  }
  return raw;
}

// The secretbox key of `passphrase` and `salt` (Argon2id).
absl::StatusOr<std::string> DeriveKey(std::string_view passphrase,
                                      std::string_view salt,
                                      unsigned long long opslimit,
                                      size_t memlimit) {
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  if (crypto_pwhash(reinterpret_cast<unsigned char*>(key.data()), key.size(),
                    passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError(
        StrCat("deriving the key from the passphrase needs ", memlimit,
               " bytes of memory, which could not be had"));
  }
  return key;
}

absl::StatusOr<nlohmann::json> Encrypt(const KeyPair& key,
                                       std::string_view passphrase) {
  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  std::string nonce(crypto_secretbox_NONCEBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());
  const unsigned long long ops = crypto_pwhash_OPSLIMIT_MODERATE;
  const size_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
  ASSIGN_OR_RETURN(std::string box_key, DeriveKey(passphrase, salt, ops, mem));
  std::string box(crypto_secretbox_MACBYTES + key.secret_key.size(), '\0');
  crypto_secretbox_easy(
      reinterpret_cast<unsigned char*>(box.data()),
      reinterpret_cast<const unsigned char*>(key.secret_key.data()),
      key.secret_key.size(),
      reinterpret_cast<const unsigned char*>(nonce.data()),
      reinterpret_cast<const unsigned char*>(box_key.data()));
  sodium_memzero(box_key.data(), box_key.size());
  return nlohmann::json{{"kdf", kKdf},
                        {"opslimit", ops},
                        {"memlimit", mem},
                        {"salt", Hex0x(salt)},
                        {"cipher", kCipher},
                        {"nonce", Hex0x(nonce)},
                        {"ciphertext", Hex0x(box)}};
}

std::string KeyFileContents(const KeyPair& key, const nlohmann::json* crypto) {
  nlohmann::json doc = {
      {"type", "ed25519"},
      {"address", Hex0x(AddressFromPublicKey(key.public_key))},
      {"public_key", Hex0x(key.public_key)},
  };
  if (crypto != nullptr) {
    doc["crypto"] = *crypto;
  } else {
    doc["secret_key"] = Hex0x(key.secret_key);
  }
  return doc.dump() + "\n";
}

// A key file, parsed: the key (secret_key empty while encrypted) and, if
// encrypted, its "crypto" object.
struct KeyFile {
  KeyPair key;
  std::optional<nlohmann::json> crypto;
};

// Checks that the file's public_key and address are those of `public_key`.
absl::Status CheckIdentity(const nlohmann::json& doc,
                           const std::string& public_key,
                           const char* derived_from) {
  if (std::string pub = StringField(doc, "public_key");
      !pub.empty() && pub != Hex0x(public_key)) {
    return absl::DataLossError(
        StrCat("public_key does not match ", derived_from));
  }
  if (std::string addr = StringField(doc, "address");
      !addr.empty() && addr != Hex0x(AddressFromPublicKey(public_key))) {
    return absl::DataLossError(StrCat("address does not match ", derived_from));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyFile> ParseKeyFile(const std::string& contents) {
  nlohmann::json doc = nlohmann::json::parse(contents, nullptr,
                                             /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::DataLossError("not a JSON object");
  if (StringField(doc, "type") != "ed25519") {
    return absl::DataLossError("\"type\" is not \"ed25519\"");
  }
  KeyFile file;
  if (auto crypto = doc.find("crypto"); crypto != doc.end()) {
    if (!crypto->is_object()) {
      return absl::DataLossError("\"crypto\" is not an object");
    }
    ASSIGN_OR_RETURN(file.key.public_key,
                     BytesField(doc, "public_key", crypto_sign_PUBLICKEYBYTES));
    RETURN_IF_ERROR(CheckIdentity(doc, file.key.public_key, "public_key"));
    file.crypto = *crypto;
    return file;
  }
  auto secret = FromHex(StringField(doc, "secret_key"));
  if (!secret.ok()) {
    return absl::DataLossError(
        StrCat("secret_key: ", secret.status().message()));
  }
  auto key = KeyPairFromSecret(*secret);
  if (!key.ok()) {
    return absl::DataLossError(StrCat("secret_key: ", key.status().message()));
  }
  RETURN_IF_ERROR(CheckIdentity(doc, key->public_key, "secret_key"));
  file.key = *std::move(key);
  return file;
}

// Decrypts `file`'s secret key with `passphrase`: InvalidArgument if the
// passphrase is wrong, DataLoss if the crypto object is malformed.
absl::Status Decrypt(KeyFile& file, std::string_view passphrase) {
  const nlohmann::json& c = *file.crypto;
  if (StringField(c, "kdf") != kKdf || StringField(c, "cipher") != kCipher) {
    return absl::DataLossError(StrCat("\"crypto\" is not kdf \"", kKdf,
                                      "\" with cipher \"", kCipher, "\""));
  }
  auto ops = c.find("opslimit");
  auto mem = c.find("memlimit");
  // A hostile file may not make us spend more than the sensitive limits.
  if (ops == c.end() || !ops->is_number_unsigned() ||
      ops->get<uint64_t>() < crypto_pwhash_OPSLIMIT_MIN ||
      ops->get<uint64_t>() > crypto_pwhash_OPSLIMIT_SENSITIVE ||
      mem == c.end() || !mem->is_number_unsigned() ||
      mem->get<uint64_t>() < crypto_pwhash_MEMLIMIT_MIN ||
      mem->get<uint64_t>() > crypto_pwhash_MEMLIMIT_SENSITIVE) {
    return absl::DataLossError(
        StrCat("\"crypto\" opslimit/memlimit are missing or beyond ",
               crypto_pwhash_OPSLIMIT_SENSITIVE, " passes and ",
               crypto_pwhash_MEMLIMIT_SENSITIVE, " bytes"));
  }
  ASSIGN_OR_RETURN(std::string salt,
                   BytesField(c, "salt", crypto_pwhash_SALTBYTES));
  ASSIGN_OR_RETURN(std::string nonce,
                   BytesField(c, "nonce", crypto_secretbox_NONCEBYTES));
  ASSIGN_OR_RETURN(
      std::string box,
      BytesField(c, "ciphertext", crypto_secretbox_MACBYTES + kSecretKeySize));
  ASSIGN_OR_RETURN(
      std::string box_key,
      DeriveKey(passphrase, salt, ops->get<uint64_t>(), mem->get<uint64_t>()));
  std::string secret(kSecretKeySize, '\0');
  const int opened = crypto_secretbox_open_easy(
      reinterpret_cast<unsigned char*>(secret.data()),
      reinterpret_cast<const unsigned char*>(box.data()), box.size(),
      reinterpret_cast<const unsigned char*>(nonce.data()),
      reinterpret_cast<const unsigned char*>(box_key.data()));
  sodium_memzero(box_key.data(), box_key.size());
  if (opened != 0) return absl::InvalidArgumentError("wrong passphrase");
  auto key = KeyPairFromSecret(secret);
  sodium_memzero(secret.data(), secret.size());
  if (!key.ok() || key->public_key != file.key.public_key) {
    return absl::DataLossError(
        "the decrypted secret key does not match public_key");
  }
  file.key = *std::move(key);
  return absl::OkStatus();
}

// Reads one line from `fd` (no echo is the caller's business).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (line.size() < 4096 && ::read(fd, &c, 1) == 1 && c != '\n') {
    line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::StatusOr<std::string> PromptOnTerminal(std::string_view prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        "no terminal to ask for the passphrase on: set BALLAST_PASSPHRASE");
  }
  termios old_mode;
  const bool is_tty = ::tcgetattr(fd, &old_mode) == 0;
  if (is_tty) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line = ReadLine(fd);
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old_mode);
  ::close(fd);
  return line;
}

}  // namespace

absl::StatusOr<std::string> PassphraseFromEnvOrTerminal(std::string_view prompt,
                                                        bool confirm) {
  if (const char* env = std::getenv("BALLAST_PASSPHRASE"); env && *env) {
    return std::string(env);
  }
  ASSIGN_OR_RETURN(std::string first, PromptOnTerminal(prompt));
  if (confirm) {
    ASSIGN_OR_RETURN(std::string again, PromptOnTerminal("again: "));
    if (again != first) {
      return absl::InvalidArgumentError("the passphrases do not match");
    }
  }
  return first;
}

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
      return ErrnoStatus("create directory", it->string(), errno);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredKey> Keystore::Create(std::string_view name,
                                           bool encrypt) const {
  return Import(name, GenerateKeyPair(), encrypt);
}

absl::StatusOr<StoredKey> Keystore::Import(std::string_view name,
                                           const KeyPair& key,
                                           bool encrypt) const {
  RETURN_IF_ERROR(ValidateKeyName(name));
  RETURN_IF_ERROR(EnsureDir());
  const std::string path = PathOf(name);
  if (std::filesystem::exists(path)) {  // before asking for a passphrase
    return absl::AlreadyExistsError(
        StrCat("key '", name, "' already exists (", path, ")"));
  }
  std::optional<nlohmann::json> crypto;
  if (encrypt) {
    if (!passphrase_) {
      return absl::FailedPreconditionError(
          "no way to ask for a passphrase to encrypt the key with");
    }
    ASSIGN_OR_RETURN(
        std::string passphrase,
        passphrase_(StrCat("new passphrase for key '", name, "': "), true));
    if (passphrase.empty()) {
      return absl::InvalidArgumentError("the passphrase must not be empty");
    }
    ASSIGN_OR_RETURN(crypto, Encrypt(key, passphrase));
    sodium_memzero(passphrase.data(), passphrase.size());
  }
  // Written under a temporary name and linked into place: an existing key is
  // never replaced, and of two concurrent writers exactly one succeeds.
  absl::Status written =
      WriteFileDurably(path, KeyFileContents(key, crypto ? &*crypto : nullptr),
                       {.mode = 0600, .fail_if_exists = true});
  if (absl::IsAlreadyExists(written)) {
    return absl::AlreadyExistsError(
        StrCat("key '", name, "' already exists (", path, ")"));
  }
  RETURN_IF_ERROR(written);
  return StoredKey{std::string(name), key, AddressFromPublicKey(key.public_key),
                   encrypt};
}

absl::StatusOr<StoredKey> Keystore::Load(std::string_view name) const {
  return LoadKey(name, /*decrypt=*/true);
}

absl::StatusOr<StoredKey> Keystore::LoadPublic(std::string_view name) const {
  return LoadKey(name, /*decrypt=*/false);
}

absl::StatusOr<StoredKey> Keystore::LoadKey(std::string_view name,
                                            bool decrypt) const {
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
  auto file = ParseKeyFile(*contents);
  if (!file.ok()) {
    return absl::DataLossError(
        StrCat("key file ", path, " is corrupt: ", file.status().message()));
  }
  const bool encrypted = file->crypto.has_value();
  if (encrypted && decrypt) {
    if (!passphrase_) {
      return absl::FailedPreconditionError(
          StrCat("key '", name, "' is encrypted and no passphrase was given"));
    }
    ASSIGN_OR_RETURN(
        std::string passphrase,
        passphrase_(StrCat("passphrase for key '", name, "': "), false));
    absl::Status opened = Decrypt(*file, passphrase);
    sodium_memzero(passphrase.data(), passphrase.size());
    if (absl::IsInvalidArgument(opened)) {
      return absl::InvalidArgumentError(StrCat(
          "wrong passphrase for key '", name, "' (", path, " is encrypted)"));
    }
    if (absl::IsDataLoss(opened)) {
      return absl::DataLossError(
          StrCat("key file ", path, " is corrupt: ", opened.message()));
    }
    RETURN_IF_ERROR(opened);
  }
  return StoredKey{std::string(name), file->key,
                   AddressFromPublicKey(file->key.public_key), encrypted};
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
    ASSIGN_OR_RETURN(StoredKey key, LoadPublic(name));
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace ballast::cli
