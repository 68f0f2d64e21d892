// The CLI's keystore: named ed25519 keys, one file per key, in a directory
// (by default $BALLAST_HOME/keys, or ~/.ballast/keys without BALLAST_HOME).
//
// A key named NAME lives in <dir>/NAME.key (mode 0600; the directory is
// created with mode 0700), one line of JSON:
//   {"type":"ed25519","address":"0x..","public_key":"0x..","secret_key":"0x.."}
// secret_key is libsodium's 64-byte secret (seed || public key); address and
// public_key are derived from it and checked on every load. A file is never
// overwritten: it is written under a temporary name, synced and linked into
// place, so a key either exists completely or not at all.
//
// Names are 1..64 characters of [A-Za-z0-9_.-] not starting with '.'.
//
// Thread-compatible: concurrent writers of the same name are safe (exactly one
// wins); a Keystore object holds no state besides its directory.

#ifndef BALLAST_TOOLS_CLI_KEYSTORE_H_
#define BALLAST_TOOLS_CLI_KEYSTORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/crypto.h"

namespace ballast::cli {

struct StoredKey {
  std::string name;
  KeyPair key;
  std::string address;  // 20 raw bytes
};

// InvalidArgument unless `name` is a valid key name (see above).
absl::Status ValidateKeyName(std::string_view name);

class Keystore {
 public:
  explicit Keystore(std::string dir) : dir_(std::move(dir)) {}

  // $BALLAST_HOME/keys if BALLAST_HOME is set and non-empty, else
  // $HOME/.ballast/keys.
  static std::string DefaultDir();

  // Generates a new random key and stores it. AlreadyExists if the name is
  // taken (the existing file is left untouched).
  absl::StatusOr<StoredKey> Create(std::string_view name) const;
  // Stores a given key (e.g. a dev key from a seed), like Create.
  absl::StatusOr<StoredKey> Import(std::string_view name,
                                   const KeyPair& key) const;

  // NotFound if there is no such key; FailedPrecondition if the file is
  // readable by group or others; DataLoss if it is corrupt.
  absl::StatusOr<StoredKey> Load(std::string_view name) const;

  // Every key, sorted by name. An empty or missing directory has no keys.
  absl::StatusOr<std::vector<StoredKey>> List() const;

  const std::string& dir() const { return dir_; }
  std::string PathOf(std::string_view name) const;

 private:
  absl::Status EnsureDir() const;

  std::string dir_;
};

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_KEYSTORE_H_
