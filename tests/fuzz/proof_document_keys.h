// The chain and keys of the proof_document fuzz target
// (fuzz_proof_document.cc) and of the seeds its generator writes
// (make_proof_document_seeds.cc), in one place.

#ifndef BALLAST_TESTS_FUZZ_PROOF_DOCUMENT_KEYS_H_
#define BALLAST_TESTS_FUZZ_PROOF_DOCUMENT_KEYS_H_

#include <string>

#include "ledger/crypto.h"

namespace ballast::test {

// The chain id of the generated documents.
inline constexpr char kProofFuzzChainId[] = "fuzz-1";

// Signing keys 0..3, from the seeds 32 x 0x11, 0x22, 0x33, 0x44. The
// target trusts keys 0..2 (how many: its flags byte); key 3 signs some
// seeds but is never trusted.
inline constexpr int kProofFuzzKeys = 4;
inline const KeyPair& ProofFuzzKey(int i) {
  static const KeyPair* const keys = [] {
    auto* k = new KeyPair[kProofFuzzKeys];
    for (int j = 0; j < kProofFuzzKeys; ++j) {
      k[j] =
          *KeyPairFromSeed(std::string(32, static_cast<char>(0x11 * (j + 1))));
    }
    return k;
  }();
  return keys[i];
}

// The producer key of the document recorded from a real node in
// docs/api.md ("A proof"; the seed devnet_recorded): always trusted, so
// that document verifies as it came (its secret key is not known here).
inline constexpr char kProofFuzzDevnetKeyHex[] =
    "236d1500d60848ad9c7485392a1a98e8dd0ecf5e38f5881e3342921bcf9c8cfe";
inline constexpr char kProofFuzzDevnetChainId[] = "devnet";

}  // namespace ballast::test

#endif  // BALLAST_TESTS_FUZZ_PROOF_DOCUMENT_KEYS_H_
