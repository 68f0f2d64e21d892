// Keys, signatures and addresses (libsodium ed25519, SHA-256).
//
// Account address = the first 20 bytes of SHA-256(ed25519 public key).
// Contract address = the first 20 bytes of
//   SHA-256("ballast/contract" || deployer address || big-endian u64 nonce),
// where nonce is the deploy transaction's nonce: deterministic, known before
// the transaction runs, and never reused because nonces are not.
//
// Thread-safe: all functions are pure (libsodium is initialised once).

#ifndef BALLAST_LEDGER_CRYPTO_H_
#define BALLAST_LEDGER_CRYPTO_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ballast {

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kSecretKeySize = 64;  // libsodium: seed || public key
inline constexpr size_t kSignatureSize = 64;

struct KeyPair {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes
};

// A new random key pair.
KeyPair GenerateKeyPair();
// The key pair of a 32-byte seed (deterministic; for dev keys and tests).
absl::StatusOr<KeyPair> KeyPairFromSeed(std::string_view seed);
// Rebuilds a key pair from a stored 64-byte secret key.
absl::StatusOr<KeyPair> KeyPairFromSecret(std::string_view secret_key);

// Detached ed25519 signature of `message`.
std::string Sign(const KeyPair& key, std::string_view message);
// True if `signature` is `public_key`'s valid signature of `message`.
// Malformed keys or signatures are simply invalid.
bool Verify(std::string_view public_key, std::string_view message,
            std::string_view signature);

std::string AddressFromPublicKey(std::string_view public_key);
std::string ContractAddress(std::string_view deployer, uint64_t nonce);

}  // namespace ballast

#endif  // BALLAST_LEDGER_CRYPTO_H_
