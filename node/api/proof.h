// Proof documents: what GET /v1/proof answers and `ballast proof` prints and
// verifies (docs/api.md, "Proofs"). A document is one self-contained JSON
// object: the chain id, the height, the block header, its signatures, and
// for each proved entry (an account, or a contract's storage key) its value
// or absence with the state tree proof of it (ledger/state_proof.h).
//
// Verification needs no node and no store: it checks the header's hash, K
// valid signatures by distinct trusted keys, the chain id, and each proof
// against header.state_root, with each entry's tree key recomputed from what
// the entry names (never taken from the document). Everything it reads is
// hostile: sizes are bounded, and anything malformed or unproved is an
// InvalidArgument naming what failed; nothing is "valid" unless all holds.
//
// Thread-safe: the functions are pure.

#ifndef BALLAST_NODE_API_PROOF_H_
#define BALLAST_NODE_API_PROOF_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "node/api/api.pb.h"

namespace ballast::api {

// The largest proof document ParseProofDocument reads (a document with the
// most keys a node answers is far smaller).
inline constexpr size_t kMaxProofDocumentBytes = 4 << 20;
// The most storage keys one request may prove against one header.
inline constexpr size_t kMaxProofKeys = 64;

// The tree keys of docs/formats.md 10: SHA-256 of the entry's store key,
// 'a' || address(20) for an account, 's' || contract(20) || key for a
// storage key. (The ledger computes the same with StateTreeKey over
// ledger/keys.h; this is the verifier's own reading of the format, which
// tests pin to the ledger's.)
std::string AccountTreeKey(std::string_view address);
std::string StorageTreeKey(std::string_view contract, std::string_view key);
// 'g' || key for a record of the bridge's table.
std::string BridgeTreeKey(std::string_view key);

// The JSON of a document: ProtoToJson, with an absent value as null and
// each entry showing only the fields of its kind.
absl::StatusOr<nlohmann::json> ProofDocumentJson(const ProofResponse& doc);

// Parses a document's text: at most kMaxProofDocumentBytes (else
// ResourceExhausted), JSON, and only ProofResponse's fields (else
// InvalidArgument naming the defect).
absl::StatusOr<ProofResponse> ParseProofDocument(std::string_view text);

// What a verifier trusts.
struct ProofTrust {
  std::vector<std::string> producers;  // 32-byte ed25519 keys; at least one
  size_t threshold = 1;  // distinct trusted keys that must have signed
  std::optional<std::string> chain_id;  // checked if set
};

// One entry as proved.
struct ProvedEntry {
  std::string account;               // 20 bytes, or empty for a storage entry
  std::string contract;              // 20 bytes, or empty for an account
  std::string key;                   // the raw storage key
  std::string bridge_key;            // a bridge record's key, or empty
  std::optional<std::string> value;  // nullopt: the tree holds nothing there
};

struct ProvedDocument {
  std::string chain_id;
  uint64_t height = 0;
  std::string block_hash;  // recomputed
  std::string state_root;
  std::vector<std::string> signed_by;  // the trusted keys whose signature held
  std::vector<ProvedEntry> entries;
};

// Verifies `doc` against `trust` (see the top of this file). OK only if
// every check holds; otherwise InvalidArgument naming the first that failed.
absl::StatusOr<ProvedDocument> VerifyProofDocument(const ProofResponse& doc,
                                                   const ProofTrust& trust);

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_PROOF_H_
