// Byte-string helpers shared by every layer: hex encoding, SHA-256 and the
// fixed sizes of addresses and hashes. Addresses and hashes travel as
// std::string holding raw bytes (not hex) everywhere inside the process.
//
// Thread-safe: the functions are pure; a Sha256Hasher is single-threaded.

#ifndef BALLAST_LEDGER_BASE_BYTES_H_
#define BALLAST_LEDGER_BASE_BYTES_H_

#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ballast {

inline constexpr size_t kAddressSize = 20;  // account and contract addresses
inline constexpr size_t kHashSize = 32;     // SHA-256

// Lower-case hex of `bytes`.
std::string ToHex(std::string_view bytes);

// Parses hex (either case, optional "0x" prefix) into raw bytes.
absl::StatusOr<std::string> FromHex(std::string_view hex);

// SHA-256 of `data` (libsodium), 32 raw bytes.
std::string Sha256(std::string_view data);

// Big-endian fixed-width encodings, used in storage keys so that LevelDB's
// byte order equals numeric order.
std::string EncodeBigEndian64(uint64_t v);
uint64_t DecodeBigEndian64(std::string_view eight_bytes);  // REQUIRES: size 8
std::string EncodeBigEndian32(uint32_t v);
uint32_t DecodeBigEndian32(std::string_view four_bytes);  // REQUIRES: size 4

// Incremental SHA-256 (libsodium): Update() any number of times, then
// Finish() once. Not thread-safe.
class Sha256Hasher {
 public:
  Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view data);
  std::string Finish();  // 32 raw bytes. REQUIRES: not yet called

 private:
  crypto_hash_sha256_state state_;
};

}  // namespace ballast

#endif  // BALLAST_LEDGER_BASE_BYTES_H_
