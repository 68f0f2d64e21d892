// Fuzz target "state_proof": the state proof decoder and verifier
// (ledger/state_proof.h), as the CLI's offline verify and a light client
// run them on proof bytes from outside. The input is a flags byte, then a
// key and a value (parts split by FuzzInput), then the proof bytes (the
// rest). Flag bit 0 pads or cuts the key to 32 bytes; bit 1 takes the key
// from the proof's leaf (so membership is reached); bit 2 claims absence.
//
// Invariants: what parses serializes back to the same bytes (the encoding
// is canonical) and has at most 256 siblings; against the root the proof
// itself implies (folded here, independently of the verifier), the
// verifier accepts exactly the claims the proof supports, and against any
// other root it accepts nothing.

#include <cstdint>
#include <optional>
#include <string>

#include "ledger/base/bytes.h"
#include "ledger/state_proof.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace ballast;          // NOLINT
using namespace ballast::ledger;  // NOLINT

// The root a proof implies for `key`: the leaf's hash (or 32 zero bytes)
// folded with the siblings from the deepest up.
std::string Fold(const StateProof& p, const std::string& key) {
  std::string h = p.leaf.has_value()
                      ? StateLeafHash(p.leaf->key, p.leaf->value_hash)
                      : std::string(32, '\0');
  for (size_t i = p.siblings.size(); i-- > 0;) {
    const int bit = (static_cast<uint8_t>(key[i / 8]) >> (7 - i % 8)) & 1;
    h = bit ? StateInternalHash(p.siblings[i], h)
            : StateInternalHash(h, p.siblings[i]);
  }
  return h;
}

bool OnPath(const std::string& a, const std::string& b, size_t bits) {
  for (size_t i = 0; i < bits; ++i) {
    if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  test::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  std::string key = in.Take();
  const std::string value = in.Take();
  const std::string bytes = in.Rest();

  absl::StatusOr<StateProof> proof = ParseStateProof(bytes);
  if (!proof.ok()) {
    FUZZ_CHECK(proof.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(
        !VerifyStateProof(std::string(32, '\0'), key, std::nullopt, bytes)
             .ok());
    return 0;
  }
  FUZZ_CHECK(proof->siblings.size() <= kMaxStateTreeDepth);
  FUZZ_CHECK(SerializeStateProof(*proof) == bytes);

  if (flags & 1) key.resize(32, '\0');
  if ((flags & 2) && proof->leaf.has_value()) key = proof->leaf->key;
  std::optional<std::string> claim;
  if (!(flags & 4)) claim = value;

  absl::Status s = VerifyStateProof(std::string(32, '\x5a'), key, claim, bytes);
  if (key.size() != 32) {
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  const std::string root = Fold(*proof, key);
  // Another root: nothing verifies (unless the fold happens to be it).
  if (root != std::string(32, '\x5a')) FUZZ_CHECK(!s.ok());

  const size_t n = proof->siblings.size();
  bool supported;
  if (claim.has_value()) {
    supported = proof->leaf.has_value() && proof->leaf->key == key &&
                proof->leaf->value_hash == Sha256(*claim);
  } else {
    supported = !proof->leaf.has_value() ||
                (proof->leaf->key != key && OnPath(proof->leaf->key, key, n));
  }
  s = VerifyStateProof(root, key, claim, *proof);
  FUZZ_CHECK(s.ok() == supported);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  }
  return 0;
}
