// Fuzz target "proof_document": the offline verification of a proof
// document, as `ballast proof verify FILE --producer ... --threshold K
// --chain-id ID` runs it (tools/cli/commands.cc VerifyProof):
// ParseProofDocument on the text, then VerifyProofDocument
// (node/api/proof.h). The input is a flags byte, then the document's text
// (the rest). The flags choose what is trusted and what is repaired:
//   bits 0-1  n: trusted keys are ProofFuzzKey(0..n-1) and the devnet key
//             of docs/api.md's recorded document (proof_document_keys.h),
//             so 1..4 distinct keys;
//   bits 2-3  the threshold K - 1 (K = 1..4; above the number of trusted
//             keys it must be refused);
//   bit 4     check the chain id: "fuzz-1", or with bit 5 "devnet";
//   bit 6     repair the header's hash: block_hash is recomputed and every
//             signature by one of the four fuzz keys is made anew over it,
//             so a mutated header still reaches the signature and entry
//             checks;
//   bit 7     repair each entry's tree_key from what the entry names.
//
// Invariants (beyond no crash, no leak, no timeout or memory blow-up):
//  - a refusal is InvalidArgument (ResourceExhausted for an oversized
//    text) with a non-empty message;
//  - a document is accepted only if it holds, re-checked here
//    independently of the verifier: the threshold is 1..the distinct
//    trusted keys; the document's chain id and height are its header's
//    and the chain id is the expected one; block_hash is SHA-256 of the
//    header's deterministic serialization; at least K distinct trusted
//    keys carry a valid ed25519 signature of it (libsodium directly); every
//    entry names an account or a contract storage key, its tree_key is
//    SHA-256 of its store key, an account's nonce is its value's, and its
//    proof, folded here with this file's own hashing, yields the header's
//    state_root with a leaf that supports the entry's value or absence
//    (and ledger::VerifyStateProof agrees);
//  - what is reported proved is exactly the document's header and entries,
//    signed by trusted keys that did sign;
//  - an accepted document printed as JSON (ProofDocumentJson) parses back
//    to the same message and is accepted again with the same result.
//
// With BALLAST_FUZZ_STATS=1 it prints at exit how many inputs parsed,
// reached the entries (all header checks passed) and were accepted.

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "ledger/ballast.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/state_proof.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/proof_document_keys.h"

namespace {

using namespace ballast;  // NOLINT

struct Stats {
  uint64_t inputs = 0, parsed = 0, entries_reached = 0, accepted = 0;
  ~Stats() {
    const char* env = std::getenv("BALLAST_FUZZ_STATS");
    if (env == nullptr || std::string_view(env) != "1") return;
    std::fprintf(stderr,
                 "proof_document stats: %llu inputs, %llu parsed, %llu "
                 "reached the entries, %llu accepted\n",
                 (unsigned long long)inputs, (unsigned long long)parsed,
                 (unsigned long long)entries_reached,
                 (unsigned long long)accepted);
  }
};
Stats stats;

const std::string& DevnetKey() {
  static const std::string* const key =
      new std::string(*FromHex(test::kProofFuzzDevnetKeyHex));
  return *key;
}

api::ProofTrust TrustOf(uint8_t flags) {
  api::ProofTrust trust;
  for (int i = 0; i < (flags & 3); ++i) {
    trust.producers.push_back(test::ProofFuzzKey(i).public_key);
  }
  trust.producers.push_back(DevnetKey());
  trust.threshold = 1 + ((flags >> 2) & 3);
  if (flags & 0x10) {
    trust.chain_id = (flags & 0x20) ? test::kProofFuzzDevnetChainId
                                    : test::kProofFuzzChainId;
  }
  return trust;
}

void Repair(uint8_t flags, api::ProofResponse* doc) {
  if (flags & 0x40) {
    doc->set_block_hash(ledger::BlockHash(doc->header()));
    for (ledger::BlockSignature& sig : *doc->mutable_signatures()) {
      for (int i = 0; i < test::kProofFuzzKeys; ++i) {
        const KeyPair& k = test::ProofFuzzKey(i);
        if (sig.pubkey() == k.public_key) {
          sig.set_signature(Sign(k, doc->block_hash()));
        }
      }
    }
  }
  if (flags & 0x80) {
    for (api::ProofEntry& e : *doc->mutable_entries()) {
      if (!e.account().empty()) {
        e.set_tree_key(api::AccountTreeKey(e.account()));
      } else {
        e.set_tree_key(api::StorageTreeKey(e.contract(), e.key()));
      }
    }
  }
}

// -- The independent re-check of an accepted document.

std::string HeaderHash(const ledger::BlockHeader& h) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    FUZZ_CHECK(h.SerializeToCodedStream(&coded));
  }
  return Sha256(bytes);
}

bool SignatureHolds(const ledger::BlockSignature& sig, const std::string& msg) {
  if (sig.pubkey().size() != crypto_sign_PUBLICKEYBYTES ||
      sig.signature().size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(sig.signature().data()),
             reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
             reinterpret_cast<const unsigned char*>(sig.pubkey().data())) == 0;
}

int Bit(const std::string& key, size_t i) {
  return (static_cast<uint8_t>(key[i / 8]) >> (7 - i % 8)) & 1;
}

// Does `proof_bytes` prove `value` (nullopt: absence) at `key` (32 bytes)
// under `root`? Hashes as docs/formats.md 10 defines them, folded here.
bool ProofHolds(const std::string& root, const std::string& key,
                const std::optional<std::string>& value,
                const std::string& proof_bytes) {
  absl::StatusOr<ledger::StateProof> p = ledger::ParseStateProof(proof_bytes);
  if (!p.ok()) return false;
  const size_t n = p->siblings.size();
  if (n > 256) return false;
  std::string h(32, '\0');
  if (p->leaf.has_value()) {
    const std::string& leaf_key = p->leaf->key;
    if (leaf_key.size() != 32 || p->leaf->value_hash.size() != 32) {
      return false;
    }
    if (value.has_value()) {
      if (leaf_key != key || p->leaf->value_hash != Sha256(*value)) {
        return false;
      }
    } else {
      // Absent: another key's leaf, on the key's path for n bits.
      if (leaf_key == key) return false;
      for (size_t i = 0; i < n; ++i) {
        if (Bit(leaf_key, i) != Bit(key, i)) return false;
      }
    }
    h = Sha256(std::string(1, '\x02') + leaf_key + p->leaf->value_hash);
  } else if (value.has_value()) {
    return false;
  }
  for (size_t i = n; i-- > 0;) {
    const std::string& s = p->siblings[i];
    if (s.size() != 32) return false;
    h = Sha256(std::string(1, '\x03') + (Bit(key, i) ? s + h : h + s));
  }
  return h == root;
}

void CheckAccepted(const api::ProofResponse& doc, const api::ProofTrust& trust,
                   const api::ProvedDocument& proved) {
  const std::set<std::string> trusted(trust.producers.begin(),
                                      trust.producers.end());
  FUZZ_CHECK(trust.threshold >= 1 && trust.threshold <= trusted.size());

  FUZZ_CHECK(doc.has_header());
  const ledger::BlockHeader& h = doc.header();
  FUZZ_CHECK(doc.chain_id() == h.chain_id());
  FUZZ_CHECK(doc.height() == h.height());
  if (trust.chain_id.has_value()) FUZZ_CHECK(h.chain_id() == *trust.chain_id);
  FUZZ_CHECK(h.state_root().size() == 32);

  const std::string hash = HeaderHash(h);
  FUZZ_CHECK(doc.block_hash() == hash);

  std::set<std::string> valid_trusted;
  for (const ledger::BlockSignature& sig : doc.signatures()) {
    if (trusted.contains(sig.pubkey()) && SignatureHolds(sig, hash)) {
      valid_trusted.insert(sig.pubkey());
    }
  }
  FUZZ_CHECK(valid_trusted.size() >= trust.threshold);

  FUZZ_CHECK(doc.entries_size() >= 1);
  for (const api::ProofEntry& e : doc.entries()) {
    std::string tree_key;
    if (!e.account().empty()) {
      FUZZ_CHECK(e.account().size() == 20);
      FUZZ_CHECK(e.contract().empty() && e.key().empty());
      tree_key = Sha256("a" + e.account());
      if (e.has_nonce()) {
        uint64_t nonce = 0;
        if (e.has_value()) {
          ledger::Account account;
          FUZZ_CHECK(account.ParseFromString(e.value()));
          nonce = account.nonce();
        }
        FUZZ_CHECK(e.nonce() == nonce);
      }
    } else {
      FUZZ_CHECK(e.contract().size() == 20);
      FUZZ_CHECK(!e.has_nonce());
      tree_key = Sha256("s" + e.contract() + e.key());
    }
    FUZZ_CHECK(e.tree_key() == tree_key);
    std::optional<std::string> value;
    if (e.has_value()) value = e.value();
    FUZZ_CHECK(ProofHolds(h.state_root(), tree_key, value, e.proof()));
    FUZZ_CHECK(
        ledger::VerifyStateProof(h.state_root(), tree_key, value, e.proof())
            .ok());
  }

  // What is reported is the document's, signed by trusted keys that signed.
  FUZZ_CHECK(proved.chain_id == h.chain_id());
  FUZZ_CHECK(proved.height == h.height());
  FUZZ_CHECK(proved.block_hash == hash);
  FUZZ_CHECK(proved.state_root == h.state_root());
  FUZZ_CHECK(proved.signed_by.size() >= trust.threshold);
  const std::set<std::string> signed_by(proved.signed_by.begin(),
                                        proved.signed_by.end());
  FUZZ_CHECK(signed_by.size() == proved.signed_by.size());
  for (const std::string& k : signed_by) {
    FUZZ_CHECK(valid_trusted.contains(k));
  }
  FUZZ_CHECK(proved.entries.size() == static_cast<size_t>(doc.entries_size()));
  for (int i = 0; i < doc.entries_size(); ++i) {
    const api::ProofEntry& e = doc.entries(i);
    const api::ProvedEntry& p = proved.entries[static_cast<size_t>(i)];
    FUZZ_CHECK(p.account == e.account());
    FUZZ_CHECK(p.contract == e.contract());
    FUZZ_CHECK(p.key == e.key());
    FUZZ_CHECK(p.value.has_value() == e.has_value());
    if (e.has_value()) FUZZ_CHECK(*p.value == e.value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static google::protobuf::LogSilencer* silence =
      new google::protobuf::LogSilencer;  // libprotobuf logs bad UTF-8
  (void)silence;
  ++stats.inputs;
  test::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const std::string text = in.Rest();
  const api::ProofTrust trust = TrustOf(flags);

  absl::StatusOr<api::ProofResponse> doc = api::ParseProofDocument(text);
  if (!doc.ok()) {
    FUZZ_CHECK(doc.status().code() == absl::StatusCode::kInvalidArgument ||
               (doc.status().code() == absl::StatusCode::kResourceExhausted &&
                text.size() > api::kMaxProofDocumentBytes));
    FUZZ_CHECK(!doc.status().message().empty());
    return 0;
  }
  ++stats.parsed;
  Repair(flags, &*doc);

  absl::StatusOr<api::ProvedDocument> proved =
      api::VerifyProofDocument(*doc, trust);
  if (!proved.ok()) {
    FUZZ_CHECK(proved.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!proved.status().message().empty());
    if (absl::StartsWith(proved.status().message(), "entries[")) {
      ++stats.entries_reached;
    }
    return 0;
  }
  ++stats.accepted;
  ++stats.entries_reached;
  CheckAccepted(*doc, trust, *proved);

  // The JSON form of an accepted document is the same document.
  absl::StatusOr<nlohmann::json> j = api::ProofDocumentJson(*doc);
  FUZZ_CHECK(j.ok());
  absl::StatusOr<api::ProofResponse> again =
      api::ParseProofDocument(api::DumpJson(*j));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(ledger::SerializeDeterministic(*again) ==
             ledger::SerializeDeterministic(*doc));
  absl::StatusOr<api::ProvedDocument> reproved =
      api::VerifyProofDocument(*again, trust);
  FUZZ_CHECK(reproved.ok());
  FUZZ_CHECK(reproved->block_hash == proved->block_hash);
  FUZZ_CHECK(reproved->signed_by == proved->signed_by);
  FUZZ_CHECK(reproved->entries.size() == proved->entries.size());
  return 0;
}
