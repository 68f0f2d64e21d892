// The proof document verifier (node/api/proof.h) on documents made here:
// k-of-n signatures by trusted keys, and the document's own consistency.
// (Documents from a real node, and their forgeries, are in
// proof_e2e_test.cc.)

#include "node/api/proof.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/state_proof.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

using ::testing::HasSubstr;

KeyPair Key(char c) { return *KeyPairFromSeed(std::string(32, c)); }

// A block of the empty state (root: 32 zero bytes), proving one account
// absent, signed by `signers`.
ProofResponse EmptyStateDocument(const std::vector<KeyPair>& signers) {
  ProofResponse doc;
  doc.set_chain_id("c");
  doc.set_height(7);
  ledger::BlockHeader* h = doc.mutable_header();
  h->set_chain_id("c");
  h->set_height(7);
  h->set_state_root(std::string(32, '\0'));
  h->set_producer_pubkey(signers.empty() ? "" : signers[0].public_key);
  doc.set_block_hash(ledger::BlockHash(*h));
  for (const KeyPair& k : signers) {
    ledger::BlockSignature* s = doc.add_signatures();
    s->set_pubkey(k.public_key);
    s->set_signature(Sign(k, doc.block_hash()));
  }
  ProofEntry* e = doc.add_entries();
  e->set_account(std::string(20, 'a'));
  e->set_tree_key(AccountTreeKey(e->account()));
  e->set_nonce(0);
  e->set_proof(ledger::SerializeStateProof(ledger::StateProof{}));
  return doc;
}

ProofTrust TrustOf(const std::vector<KeyPair>& keys, size_t threshold) {
  ProofTrust t;
  for (const KeyPair& k : keys) t.producers.push_back(k.public_key);
  t.threshold = threshold;
  return t;
}

TEST(ProofDocumentTest, KOfNTrustedSignaturesAreRequired) {
  const KeyPair a = Key('a'), b = Key('b'), c = Key('c');
  ProofResponse doc = EmptyStateDocument({a, b});
  auto proved = VerifyProofDocument(doc, TrustOf({a, b, c}, 2));
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_EQ(proved->signed_by.size(), 2u);
  EXPECT_FALSE(proved->entries[0].value.has_value());

  EXPECT_THAT(
      VerifyProofDocument(doc, TrustOf({a, b, c}, 3)).status().message(),
      HasSubstr("signatures by 2 of the 3 trusted producer keys; the "
                "threshold is 3"));
  // A key counts once, however often it is given or signs.
  EXPECT_THAT(VerifyProofDocument(doc, TrustOf({a, a}, 2)).status().message(),
              HasSubstr("threshold 2 must be 1..1"));
  ProofResponse twice = doc;
  *twice.add_signatures() = doc.signatures(0);
  EXPECT_THAT(VerifyProofDocument(twice, TrustOf({a, b}, 2)).status().message(),
              HasSubstr("signed twice"));
  // A signature over anything else is refused, whoever made it.
  ProofResponse bad = doc;
  bad.mutable_signatures(1)->set_signature(Sign(b, "other"));
  EXPECT_THAT(VerifyProofDocument(bad, TrustOf({a}, 1)).status().message(),
              HasSubstr("signatures[1]: the signature by"));
  // No trust at all proves nothing, even for a well-signed document.
  EXPECT_THAT(VerifyProofDocument(doc, ProofTrust{}).status().message(),
              HasSubstr("no trusted producer key"));
  EXPECT_THAT(VerifyProofDocument(doc, TrustOf({a}, 0)).status().message(),
              HasSubstr("threshold 0 must be 1..1"));
}

TEST(ProofDocumentTest, TheDocumentMustAgreeWithItself) {
  const KeyPair a = Key('a');
  const ProofResponse good = EmptyStateDocument({a});
  ASSERT_TRUE(VerifyProofDocument(good, TrustOf({a}, 1)).ok());
  struct Case {
    std::string what;
    std::function<void(ProofResponse&)> forge;
    std::string why;
  };
  std::vector<Case> cases = {
      {"height", [](ProofResponse& d) { d.set_height(8); },
       "height 8 is not its header's height 7"},
      {"no entries", [](ProofResponse& d) { d.clear_entries(); },
       "proves no entries"},
      {"nonce", [](ProofResponse& d) { d.mutable_entries(0)->set_nonce(3); },
       "nonce 3 is not the nonce 0"},
      {"both kinds",
       [](ProofResponse& d) {
         d.mutable_entries(0)->set_contract(std::string(20, 'c'));
       },
       "names both an account and a contract"},
      {"neither",
       [](ProofResponse& d) { d.mutable_entries(0)->clear_account(); },
       "names neither"},
      {"short address",
       [](ProofResponse& d) { d.mutable_entries(0)->set_account("a"); },
       "account must be 20 bytes"},
      {"claimed present (an account of nonce 0 is an empty record)",
       [](ProofResponse& d) { d.mutable_entries(0)->set_value(""); },
       "the proof does not hold"},
      {"not an account",
       [](ProofResponse& d) { d.mutable_entries(0)->set_value("\xff"); },
       "value is not an account record"},
      {"garbage proof",
       [](ProofResponse& d) { d.mutable_entries(0)->set_proof("\xff"); },
       "the proof does not hold"},
      {"no header", [](ProofResponse& d) { d.clear_header(); },
       "has no header"},
  };
  for (const Case& c : cases) {
    ProofResponse doc = good;
    c.forge(doc);
    auto s = VerifyProofDocument(doc, TrustOf({a}, 1)).status();
    EXPECT_THAT(s.message(), HasSubstr(c.why)) << c.what;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.what;
  }
}

TEST(ProofDocumentTest, TheJsonFormRoundTripsWithNullForAbsence) {
  const ProofResponse doc = EmptyStateDocument({Key('a')});
  auto j = ProofDocumentJson(doc);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE((*j)["entries"][0]["value"].is_null());
  EXPECT_FALSE((*j)["entries"][0].contains("contract"));
  auto parsed = ParseProofDocument(DumpJson(*j));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->SerializeAsString(), doc.SerializeAsString());
  EXPECT_THAT(ParseProofDocument(std::string(kMaxProofDocumentBytes + 1, ' '))
                  .status()
                  .message(),
              HasSubstr("exceeds the limit of 4194304 bytes"));
}

}  // namespace
}  // namespace ballast::api
