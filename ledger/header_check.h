// Who may sign a block header, and the check that enough of them did: the
// one rule both a proof document's verifier (node/api/proof.h) and the
// bridge's light clients apply to another chain's headers.
//
// A header is trusted when valid ed25519 signatures of its BlockHash by at
// least `threshold` distinct keys of the trusted set are among its
// signatures. A key counts once however often it appears, and only keys of
// the trusted set count: never keys the header names for itself.
//
// Stateless and thread-safe.

#ifndef BALLAST_LEDGER_HEADER_CHECK_H_
#define BALLAST_LEDGER_HEADER_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/ballast.pb.h"

namespace ballast::ledger {

struct HeaderTrust {
  std::vector<std::string> keys;  // 32-byte ed25519 public keys
  size_t threshold = 1;           // distinct trusted keys that must sign
};

// What to do with a signature by a key outside the trusted set.
enum class ForeignSignatures {
  kVerify,  // verify it (an invalid one fails the check) but do not count it
  kRefuse,  // refuse the header (a light client's rule: nothing to verify)
};

// At least one key, each 32 bytes, and 1 <= threshold <= distinct keys.
absl::Status CheckTrust(const HeaderTrust& trust);

// Checks the signatures of the block whose BlockHash is `block_hash` (at
// `height`, for messages) and returns the trusted keys that signed it, in
// the signatures' order. InvalidArgument, naming the signature, if a key
// appears twice, a signature does not verify, a foreign key signed and
// `foreign` is kRefuse, or fewer than the threshold of trusted keys signed.
// REQUIRES: CheckTrust(trust) is OK.
absl::StatusOr<std::vector<std::string>> CheckHeaderSignatures(
    uint64_t height, const std::string& block_hash,
    const google::protobuf::RepeatedPtrField<BlockSignature>& signatures,
    const HeaderTrust& trust, ForeignSignatures foreign);

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_HEADER_CHECK_H_
