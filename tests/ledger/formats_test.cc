// Known-answer tests of the consensus formats (docs/formats.md). Ballast's
// own code - the data model, SerializeDeterministic, the hashes, the tx root,
// keys, signatures and addresses - must reproduce tests/vectors/formats.json
// byte for byte. That file is written by tests/vectors/make_vectors.py, an
// implementation of the document that shares no code with Ballast; no
// expected value here is computed by the code under test.

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "ledger/ballast.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_proof.h"
#include "ledger/state_tree.h"
#include "nlohmann/json.hpp"
#include "tests/testing/files.h"
#include "tests/testing/temp_dir.h"

namespace ballast::ledger {
namespace {

using json = nlohmann::json;

class FormatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path =
        std::string(BALLAST_SOURCE_DIR) + "/tests/vectors/formats.json";
    vectors_ = json::parse(test::ReadFileOrDie(path), nullptr,
                           /*allow_exceptions=*/false);
    ASSERT_TRUE(vectors_.is_object()) << path << " is not a JSON object";
    for (const char* section :
         {"keys", "contract_addresses", "transactions", "tx_decoding",
          "signature_checks", "tx_roots", "headers", "receipts",
          "state_tree_keys", "state_trees", "state_proof_checks"}) {
      ASSERT_TRUE(vectors_.contains(section) &&
                  vectors_.at(section).is_array() &&
                  !vectors_.at(section).empty())
          << path << ": section '" << section << "' missing or empty";
    }
    for (const json& k : vectors_.at("keys")) {
      absl::StatusOr<KeyPair> key = KeyPairFromSeed(Bytes(k, "seed"));
      ASSERT_TRUE(key.ok()) << key.status();
      keys_[k.at("name")] = *key;
    }
    for (const json& t : vectors_.at("transactions")) {
      SignedTransaction stx;
      stx.set_tx(Bytes(t, "tx"));
      stx.set_signature(Bytes(t, "signature"));
      txs_[t.at("name")] = stx;
    }
  }

  // The bytes of the hex string `v[field]`; a failure if it is not hex.
  static std::string Bytes(const json& v, const std::string& field) {
    if (!v.contains(field) || !v[field].is_string()) {
      ADD_FAILURE() << "vector field '" << field << "' missing in " << v;
      return "";
    }
    absl::StatusOr<std::string> bytes = FromHex(v[field].get<std::string>());
    EXPECT_TRUE(bytes.ok()) << field << ": " << bytes.status();
    return bytes.value_or("");
  }
  static uint64_t U64(const json& v, const std::string& field) {
    uint64_t n = 0;
    EXPECT_TRUE(absl::SimpleAtoi(v.value(field, std::string("?")), &n))
        << "vector field '" << field << "' is not a decimal uint64 in " << v;
    return n;
  }
  static int64_t I64(const json& v, const std::string& field) {
    int64_t n = 0;
    EXPECT_TRUE(absl::SimpleAtoi(v.value(field, std::string("?")), &n))
        << "vector field '" << field << "' is not a decimal int64 in " << v;
    return n;
  }

  const KeyPair& Key(const json& name) {
    EXPECT_TRUE(keys_.contains(name)) << "no key named " << name;
    return keys_[name];
  }
  google::protobuf::RepeatedPtrField<SignedTransaction> Txs(const json& names) {
    google::protobuf::RepeatedPtrField<SignedTransaction> txs;
    for (const json& name : names) {
      EXPECT_TRUE(txs_.contains(name)) << "no transaction named " << name;
      *txs.Add() = txs_[name];
    }
    return txs;
  }

  json vectors_;
  std::map<std::string, KeyPair> keys_;
  std::map<std::string, SignedTransaction> txs_;
};

TEST_F(FormatsTest, KeysAndAddressesFromSeeds) {
  for (const json& v : vectors_.at("keys")) {
    SCOPED_TRACE(v.at("name"));
    const KeyPair& key = Key(v.at("name"));
    EXPECT_EQ(ToHex(key.public_key), v.at("public_key"));
    EXPECT_EQ(ToHex(key.secret_key), v.at("secret_key"));
    EXPECT_EQ(ToHex(AddressFromPublicKey(key.public_key)), v.at("address"));
  }
}

TEST_F(FormatsTest, ContractAddresses) {
  for (const json& v : vectors_.at("contract_addresses")) {
    SCOPED_TRACE(v.dump());
    EXPECT_EQ(ToHex(ContractAddress(Bytes(v, "deployer"), U64(v, "nonce"))),
              v.at("address"));
  }
}

TEST_F(FormatsTest, ExecutableHashes) {
  for (const json& v : vectors_.at("executable_hashes")) {
    SCOPED_TRACE(v.dump());
    EXPECT_EQ(ToHex(ExecutableHash(v.at("instrumenter_version").get<uint32_t>(),
                                   Bytes(v, "wasm"))),
              v.at("executable_hash"));
  }
}

TEST_F(FormatsTest, TransactionsEncodeHashAndSign) {
  for (const json& v : vectors_.at("transactions")) {
    SCOPED_TRACE(v.at("name"));
    const KeyPair& key = Key(v.at("key"));
    Transaction tx;
    tx.set_chain_id(v.at("chain_id"));
    tx.set_sender_pubkey(key.public_key);
    tx.set_nonce(U64(v, "nonce"));
    tx.set_gas_limit(U64(v, "gas_limit"));
    if (v.contains("deploy")) {
      Deploy* deploy = tx.mutable_deploy();
      deploy->set_code(Bytes(v.at("deploy"), "code"));
      deploy->set_interface(Bytes(v.at("deploy"), "interface"));
      deploy->set_init_input(Bytes(v.at("deploy"), "init_input"));
    } else {
      ASSERT_TRUE(v.contains("call")) << "neither deploy nor call";
      Call* call = tx.mutable_call();
      call->set_contract(Bytes(v.at("call"), "contract"));
      call->set_method(v.at("call").at("method"));
      call->set_input(Bytes(v.at("call"), "input"));
    }
    const std::string bytes = SerializeDeterministic(tx);
    EXPECT_EQ(ToHex(bytes), v.at("tx")) << "Transaction serialization";

    Transaction parsed;
    ASSERT_TRUE(parsed.ParseFromString(Bytes(v, "tx")));
    EXPECT_EQ(ToHex(SerializeDeterministic(parsed)), v.at("tx"))
        << "the vector's bytes do not survive a parse";

    SignedTransaction stx;
    stx.set_tx(bytes);
    stx.set_signature(Sign(key, bytes));
    EXPECT_EQ(ToHex(stx.signature()), v.at("signature")) << "ed25519 signature";
    EXPECT_TRUE(Verify(key.public_key, bytes, Bytes(v, "signature")));
    EXPECT_EQ(ToHex(TxHash(stx)), v.at("tx_hash"));
    EXPECT_EQ(ToHex(SerializeDeterministic(stx)), v.at("signed_tx"))
        << "SignedTransaction serialization";
  }
}

// The fields of `tx` as the vectors render a decoded Transaction.
json TransactionFields(const Transaction& tx) {
  json out = {{"chain_id", tx.chain_id()},
              {"sender_pubkey", ToHex(tx.sender_pubkey())},
              {"nonce", std::to_string(tx.nonce())},
              {"gas_limit", std::to_string(tx.gas_limit())}};
  if (tx.has_deploy()) {
    out["deploy"] = {{"code", ToHex(tx.deploy().code())},
                     {"interface", ToHex(tx.deploy().interface())},
                     {"init_input", ToHex(tx.deploy().init_input())}};
  }
  if (tx.has_call()) {
    out["call"] = {{"contract", ToHex(tx.call().contract())},
                   {"method", tx.call().method()},
                   {"input", ToHex(tx.call().input())}};
  }
  return out;
}

// What the node makes of transaction bytes it did not encode itself: the
// signed bytes are used as given, so these decoding rules are consensus.
TEST_F(FormatsTest, TransactionDecoding) {
  int parses = 0, refused = 0;
  for (const json& v : vectors_.at("tx_decoding")) {
    SCOPED_TRACE(v.at("name"));
    Transaction tx;
    const bool expected = v.at("parses");
    ASSERT_EQ(tx.ParseFromString(Bytes(v, "tx")), expected);
    if (expected) {
      EXPECT_EQ(TransactionFields(tx), v.at("fields"));
    }
    (expected ? parses : refused)++;
  }
  EXPECT_GT(parses, 1);
  EXPECT_GT(refused, 0);
}

TEST_F(FormatsTest, SignatureAcceptance) {
  int valid = 0, invalid = 0;
  for (const json& v : vectors_.at("signature_checks")) {
    SCOPED_TRACE(v.at("name"));
    const bool expected = v.at("valid");
    EXPECT_EQ(Verify(Bytes(v, "public_key"), Bytes(v, "message"),
                     Bytes(v, "signature")),
              expected);
    (expected ? valid : invalid)++;
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

TEST_F(FormatsTest, TxRoots) {
  for (const json& v : vectors_.at("tx_roots")) {
    SCOPED_TRACE(v.at("transactions").dump());
    google::protobuf::RepeatedPtrField<SignedTransaction> txs =
        Txs(v.at("transactions"));
    ASSERT_EQ(txs.size(), v.at("tx_hashes").size());
    ASSERT_EQ(txs.size(), v.at("leaf_hashes").size());
    for (int i = 0; i < txs.size(); ++i) {
      EXPECT_EQ(ToHex(TxHash(txs[i])), v.at("tx_hashes").at(i)) << "tx " << i;
      // The root of one transaction is its leaf hash.
      EXPECT_EQ(ToHex(MerkleRoot({TxHash(txs[i])})), v.at("leaf_hashes").at(i))
          << "leaf " << i;
    }
    EXPECT_EQ(ToHex(ComputeTxRoot(txs)), v.at("root"));
  }
}

TEST_F(FormatsTest, StateTreeKeys) {
  for (const json& v : vectors_.at("state_tree_keys")) {
    const std::string ns = v.at("namespace");
    ASSERT_EQ(ns.size(), 1u);
    EXPECT_EQ(ToHex(StateTreeKey(static_cast<keys::Table>(ns[0]),
                                 Bytes(v, "raw_key"))),
              v.at("tree_key"))
        << v;
  }
}

// Each small tree, built by the state tree in one version, has the root of
// the vectors and proves each queried key with exactly the vector's bytes.
TEST_F(FormatsTest, StateTreesRootsAndProofs) {
  for (const json& t : vectors_.at("state_trees")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    test::TempDir dir("formats-tree");
    auto db = StateTreeDatabase::Open(dir.path(), /*sync=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    StateTreeChanges changes;
    for (const json& e : t.at("entries")) {
      changes[Bytes(e, "key")] = Bytes(e, "value");
    }
    absl::StatusOr<StateTreeUpdate> u = (*db)->Update(1, changes);
    ASSERT_TRUE(u.ok()) << u.status();
    EXPECT_EQ(ToHex(u->root), t.at("root"));
    for (const json& p : t.at("proofs")) {
      const std::string key = Bytes(p, "key");
      absl::StatusOr<StateTreeRead> r = (*db)->tree().Get(1, key);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->value.has_value(), p.at("present").get<bool>()) << p;
      if (r->value.has_value()) {
        EXPECT_EQ(*r->value, Bytes(p, "value"));
      }
      EXPECT_EQ(ToHex(SerializeStateProof(r->proof)), p.at("proof")) << p;
    }
  }
}

TEST_F(FormatsTest, StateProofChecks) {
  for (const json& v : vectors_.at("state_proof_checks")) {
    std::optional<std::string> value;
    if (v.at("present").get<bool>()) value = Bytes(v, "value");
    absl::Status s = VerifyStateProof(Bytes(v, "root"), Bytes(v, "key"), value,
                                      Bytes(v, "proof"));
    EXPECT_EQ(s.ok(), v.at("valid").get<bool>()) << v.at("name") << ": " << s;
  }
}

// The receipts of one block, built from the vectors' fields (not from
// their encoding), in block order.
std::vector<Receipt> ReceiptsOf(
    const json& vectors, const std::string& block,
    const std::map<std::string, std::string>& tx_hash, uint64_t height) {
  std::vector<Receipt> out;
  for (const json& v : vectors.at("receipts")) {
    if (v.at("block") != block) continue;
    Receipt r;
    r.set_tx_hash(tx_hash.at(v.at("transaction")));
    r.set_block_height(height);
    r.set_tx_index(v.at("tx_index").get<uint32_t>());
    const std::string status = v.at("status");
    r.set_status(status == "success"   ? RECEIPT_STATUS_SUCCESS
                 : status == "aborted" ? RECEIPT_STATUS_ABORTED
                                       : RECEIPT_STATUS_TRAPPED);
    r.set_error(v.at("error").get<std::string>());
    uint64_t gas = 0;
    EXPECT_TRUE(absl::SimpleAtoi(v.at("gas_used").get<std::string>(), &gas));
    r.set_gas_used(gas);
    r.set_output(*FromHex(v.at("output").get<std::string>()));
    r.set_contract_address(
        *FromHex(v.at("contract_address").get<std::string>()));
    for (const json& e : v.at("events")) {
      Event* ev = r.add_events();
      ev->set_contract(*FromHex(e.at("contract").get<std::string>()));
      ev->set_name(e.at("name").get<std::string>());
      ev->set_data(*FromHex(e.at("data").get<std::string>()));
      ev->set_block_height(height);
      ev->set_tx_index(r.tx_index());
      ev->set_event_index(e.at("event_index").get<uint32_t>());
    }
    EXPECT_EQ(ToHex(SerializeDeterministic(r)), v.at("receipt"))
        << "Receipt serialization of " << v.at("transaction");
    EXPECT_EQ(ToHex(ReceiptHash(r)), v.at("receipt_hash"));
    out.push_back(std::move(r));
  }
  return out;
}

TEST_F(FormatsTest, BlockHeadersHashAndSign) {
  std::map<std::string, std::string> tx_hash;  // name -> raw hash
  for (const auto& [name, stx] : txs_) tx_hash[name] = TxHash(stx);
  std::map<std::string, std::string> block_hashes;  // name -> hex
  for (const json& v : vectors_.at("headers")) {
    SCOPED_TRACE(v.at("name"));
    const KeyPair& producer = Key(v.at("producer"));
    std::string parent_hash(32, '\0');
    if (!v.at("parent").is_null()) {
      ASSERT_TRUE(block_hashes.contains(v.at("parent")));
      ASSERT_TRUE(FromHex(block_hashes[v.at("parent")]).ok());
      parent_hash = *FromHex(block_hashes[v.at("parent")]);
    }
    BlockHeader header;
    header.set_chain_id(v.at("chain_id"));
    header.set_height(U64(v, "height"));
    header.set_parent_hash(parent_hash);
    header.set_time_ms(I64(v, "time_ms"));
    header.set_tx_root(ComputeTxRoot(Txs(v.at("transactions"))));
    header.set_state_root(Bytes(v, "state_root"));
    header.set_producer_pubkey(producer.public_key);
    header.set_receipts_root(ComputeReceiptsRoot(
        ReceiptsOf(vectors_, v.at("name"), tx_hash, header.height())));
    EXPECT_EQ(ToHex(header.parent_hash()), v.at("parent_hash"));
    EXPECT_EQ(ToHex(header.tx_root()), v.at("tx_root"));
    EXPECT_EQ(ToHex(header.receipts_root()), v.at("receipts_root"));
    EXPECT_EQ(ToHex(header.producer_pubkey()), v.at("producer_pubkey"));
    EXPECT_EQ(ToHex(SerializeDeterministic(header)), v.at("header"))
        << "BlockHeader serialization";

    const std::string hash = BlockHash(header);
    EXPECT_EQ(ToHex(hash), v.at("block_hash"));
    block_hashes[v.at("name")] = ToHex(hash);
    ASSERT_FALSE(v.at("signatures").empty());
    for (const json& sig : v.at("signatures")) {
      const KeyPair& signer = Key(sig.at("key"));
      EXPECT_EQ(ToHex(Sign(signer, hash)), sig.at("signature"))
          << "each signer signs the 32-byte block hash";
      EXPECT_TRUE(Verify(signer.public_key, Bytes(v, "block_hash"),
                         Bytes(sig, "signature")));
      BlockSignature encoded;
      encoded.set_pubkey(signer.public_key);
      encoded.set_signature(Bytes(sig, "signature"));
      EXPECT_EQ(ToHex(SerializeDeterministic(encoded)), sig.at("encoding"));
    }
  }
}

}  // namespace
}  // namespace ballast::ledger
