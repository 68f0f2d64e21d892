#include "ledger/crypto.h"

#include <sodium.h>

#include <cstdlib>

#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"

namespace ballast {
namespace {

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // libsodium cannot run on this machine at all
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

KeyPair GenerateKeyPair() {
  InitSodium();
  KeyPair k{std::string(kPublicKeySize, '\0'),
            std::string(kSecretKeySize, '\0')};
  crypto_sign_keypair(U(k.public_key), U(k.secret_key));
  return k;
}

absl::StatusOr<KeyPair> KeyPairFromSeed(std::string_view seed) {
  InitSodium();
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return absl::InvalidArgumentError(StrCat(
        "seed must be ", crypto_sign_SEEDBYTES, " bytes, got ", seed.size()));
  }
  KeyPair k{std::string(kPublicKeySize, '\0'),
            std::string(kSecretKeySize, '\0')};
  crypto_sign_seed_keypair(U(k.public_key), U(k.secret_key), U(seed));
  return k;
}

absl::StatusOr<KeyPair> KeyPairFromSecret(std::string_view secret_key) {
  InitSodium();
  if (secret_key.size() != kSecretKeySize) {
    return absl::InvalidArgumentError(StrCat("secret key must be ",
                                             kSecretKeySize, " bytes, got ",
                                             secret_key.size()));
  }
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  crypto_sign_ed25519_sk_to_seed(U(seed), U(secret_key));
  auto k = KeyPairFromSeed(seed);
  if (k.ok() && k->secret_key != secret_key) {
    return absl::InvalidArgumentError("secret key is inconsistent");
  }
  return k;
}

std::string Sign(const KeyPair& key, std::string_view message) {
  InitSodium();
  std::string sig(kSignatureSize, '\0');
  crypto_sign_detached(U(sig), nullptr, U(message), message.size(),
                       U(key.secret_key));
  return sig;
}

bool Verify(std::string_view public_key, std::string_view message,
            std::string_view signature) {
  InitSodium();
  if (public_key.size() != kPublicKeySize ||
      signature.size() != kSignatureSize) {
    return false;
  }
  return crypto_sign_verify_detached(U(signature), U(message), message.size(),
                                     U(public_key)) == 0;
}

std::string AddressFromPublicKey(std::string_view public_key) {
  return Sha256(public_key).substr(0, kAddressSize);
}

std::string ContractAddress(std::string_view deployer, uint64_t nonce) {
  return Sha256(StrCat("ballast/contract", deployer, EncodeBigEndian64(nonce)))
      .substr(0, kAddressSize);
}

}  // namespace ballast
