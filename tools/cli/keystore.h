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
// Encrypted at rest (Create/Import with `encrypt`), the file holds no
// secret_key but a "crypto" object, as geth's and Foundry's keystores do:
//   "crypto":{"kdf":"argon2id13","opslimit":N,"memlimit":N,"salt":"0x..",
//             "cipher":"xsalsa20poly1305","nonce":"0x..",
//             "ciphertext":"0x.."}
// The key = libsodium crypto_pwhash (Argon2id; opslimit and memlimit
// "moderate": 3 passes, 256 MiB) of the passphrase and the 16-byte salt; the
// ciphertext = crypto_secretbox (XSalsa20-Poly1305) of the 64-byte secret
// under that key and the 24-byte nonce. Load decrypts with the passphrase
// (a wrong one fails authentication: InvalidArgument "wrong passphrase");
// a file asking for more than the "sensitive" limits (4 passes, 1 GiB) is
// refused as corrupt. The public key and address stay readable.
//
// Names are 1..64 characters of [A-Za-z0-9_.-] not starting with '.'.
//
// Thread-compatible: concurrent writers of the same name are safe (exactly one
// wins); a Keystore object holds no state besides its directory.

#ifndef BALLAST_TOOLS_CLI_KEYSTORE_H_
#define BALLAST_TOOLS_CLI_KEYSTORE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/crypto.h"

namespace ballast::cli {

struct StoredKey {
  std::string name;
  KeyPair key;          // secret_key is empty when loaded without decrypting
  std::string address;  // 20 raw bytes
  bool encrypted = false;
};

// Where a passphrase comes from: called with a prompt; `confirm` asks for it
// twice (a new passphrase). FailedPrecondition if there is no way to ask.
using PassphraseSource = std::function<absl::StatusOr<std::string>(
    std::string_view prompt, bool confirm)>;

// The CLI's source: $BALLAST_PASSPHRASE if set and non-empty, else a prompt
// on /dev/tty with echo off.
absl::StatusOr<std::string> PassphraseFromEnvOrTerminal(std::string_view prompt,
                                                        bool confirm);

// InvalidArgument unless `name` is a valid key name (see above).
absl::Status ValidateKeyName(std::string_view name);

class Keystore {
 public:
  // `passphrase` is asked for encrypted keys; null: they cannot be used.
  explicit Keystore(std::string dir, PassphraseSource passphrase = nullptr)
      : dir_(std::move(dir)), passphrase_(std::move(passphrase)) {}

  // $BALLAST_HOME/keys if BALLAST_HOME is set and non-empty, else
  // $HOME/.ballast/keys.
  static std::string DefaultDir();

  // Generates a new random key and stores it, encrypted with a new
  // passphrase if `encrypt` (InvalidArgument for an empty one).
  // AlreadyExists if the name is taken (the existing file is left
  // untouched).
  absl::StatusOr<StoredKey> Create(std::string_view name,
                                   bool encrypt = false) const;
  // Stores a given key (e.g. a dev key from a seed), like Create.
  absl::StatusOr<StoredKey> Import(std::string_view name, const KeyPair& key,
                                   bool encrypt = false) const;

  // The key, decrypted if need be (asking for the passphrase). NotFound if
  // there is no such key; FailedPrecondition if the file is readable by
  // group or others, or it is encrypted and no passphrase can be had;
  // InvalidArgument for a wrong passphrase; DataLoss if it is corrupt.
  absl::StatusOr<StoredKey> Load(std::string_view name) const;
  // Like Load, but an encrypted key is not decrypted (its secret_key is
  // empty): for showing its address and public key.
  absl::StatusOr<StoredKey> LoadPublic(std::string_view name) const;

  // Every key (not decrypted), sorted by name. An empty or missing directory
  // has no keys.
  absl::StatusOr<std::vector<StoredKey>> List() const;

  const std::string& dir() const { return dir_; }
  std::string PathOf(std::string_view name) const;

 private:
  absl::Status EnsureDir() const;
  absl::StatusOr<StoredKey> LoadKey(std::string_view name, bool decrypt) const;

  std::string dir_;
  PassphraseSource passphrase_;
};

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_KEYSTORE_H_
