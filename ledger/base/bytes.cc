#include "ledger/base/bytes.h"

#include <sodium.h>

#include <cassert>

#include "absl/strings/str_cat.h"

namespace ballast {

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

absl::StatusOr<std::string> FromHex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
    hex.remove_prefix(2);
  }
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("hex string has odd length ", hex.size()));
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid hex character at offset ", 2 * i + (hi < 0 ? 0 : 1)));
    }
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string Sha256(std::string_view data) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return out;
}

std::string EncodeBigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t DecodeBigEndian64(std::string_view b) {
  assert(b.size() == 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(b[i]);
  return v;
}

std::string EncodeBigEndian32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

Sha256Hasher::Sha256Hasher() { crypto_hash_sha256_init(&state_); }

void Sha256Hasher::Update(std::string_view data) {
  crypto_hash_sha256_update(&state_,
                            reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
}

std::string Sha256Hasher::Finish() {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256_final(&state_,
                           reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

uint32_t DecodeBigEndian32(std::string_view b) {
  assert(b.size() == 4);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(b[i]);
  return v;
}

}  // namespace ballast
