// Proofs of the state tree (ledger/state_tree.h): the hashes that define its
// root, the proof of one key's value or absence, the proof's byte encoding,
// and the verifier. Everything here is pure: no store, no I/O, so a light
// client, the CLI's offline verify and the bridge can link it alone.
//
// The tree is a sparse binary Merkle tree over 256-bit keys (key bit i is
// bit 7 - i % 8 of byte i / 8: most significant first). A subtree holding no
// key is the empty placeholder; a subtree holding one key is that key's leaf;
// any other subtree is an internal node over its two halves. So a leaf sits
// at the shortest prefix of its key that no other key shares, and the root is
// a function of the key/value set alone, whatever the order of updates.
//
//   empty    = 32 zero bytes
//   leaf     = SHA-256(0x02 || key(32) || SHA-256(value))
//   internal = SHA-256(0x03 || left(32) || right(32))
//
// (0x00 and 0x01 are the transaction tree's RFC 6962 prefixes; the distinct
// prefixes keep any tree hash from passing for another kind of node.)
//
// Thread-safe: all functions are pure.

#ifndef BALLAST_LEDGER_STATE_PROOF_H_
#define BALLAST_LEDGER_STATE_PROOF_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ballast::ledger {

// Keys are 256 bits, so no path is longer than this.
inline constexpr size_t kMaxStateTreeDepth = 256;

inline constexpr uint8_t kStateLeafPrefix = 0x02;
inline constexpr uint8_t kStateInternalPrefix = 0x03;

// The hashes above. Keys and hashes are 32 raw bytes (REQUIRED).
std::string StateLeafHash(std::string_view key, std::string_view value_hash);
std::string StateInternalHash(std::string_view left, std::string_view right);
// Bit `i` (0 = most significant bit of byte 0) of a 32-byte key.
// REQUIRES: i < kMaxStateTreeDepth.
inline int KeyBit(std::string_view key, size_t i) {
  return (static_cast<uint8_t>(key[i / 8]) >> (7 - i % 8)) & 1;
}

// The proof of what a tree holds at one key. Walking the key's bits from the
// root, the path ends after siblings.size() steps, at either
//   - a leaf (`leaf` set): the key's own leaf (membership), or another key's
//     leaf sharing the path so far (the key is absent), or
//   - the empty placeholder (`leaf` unset): the key is absent.
// siblings[i] is the hash of the other child of the path's node at depth i
// (the empty placeholder is 32 zero bytes).
struct StateProof {
  struct Leaf {
    std::string key;         // 32 bytes
    std::string value_hash;  // 32 bytes: SHA-256 of the value
  };
  std::optional<Leaf> leaf;
  std::vector<std::string> siblings;  // root first; at most 256
};

// Checks that the tree whose root is `root` holds `value` at `key` (or, with
// value nullopt, holds nothing at `key`). OK only if the proof establishes
// exactly that claim; otherwise InvalidArgument saying what failed: a
// malformed proof or key, a leaf for another key where the key is claimed
// present, the key's own leaf where it is claimed absent, a value that does
// not match the leaf, a leaf off the key's path, or a root that does not
// match (a wrong sibling, a truncated or overlong path).
absl::Status VerifyStateProof(std::string_view root, std::string_view key,
                              std::optional<std::string_view> value,
                              const StateProof& proof);

// The byte encoding (documented at the top of state_proof.cc). Serialize
// REQUIRES a well-formed proof (sizes as above; the tree only makes those).
// Parse accepts only the canonical encoding of a well-formed proof and
// reports anything else as InvalidArgument naming the defect; it allocates
// nothing beyond what the (bounded) input holds.
std::string SerializeStateProof(const StateProof& proof);
absl::StatusOr<StateProof> ParseStateProof(std::string_view bytes);

// Parses then verifies.
absl::Status VerifyStateProof(std::string_view root, std::string_view key,
                              std::optional<std::string_view> value,
                              std::string_view proof_bytes);

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_STATE_PROOF_H_
