// Writes the proof_document fuzz target's seeds (make_seeds.sh runs it):
// documents that prove entries of a real state tree (ledger/state_tree.h
// on an in-memory LevelDB, two versions), with headers signed by the fixed
// keys of proof_document_keys.h, as the target reads them: a flags byte
// (fuzz_proof_document.cc) and the JSON text. Beside the valid ones, forms
// that must be refused: truncated, one hex digit changed, self-signed,
// deeply nested, not an object. Deterministic: the same files every run.
//
//   make_proof_document_seeds OUT_DIR

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ballast.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_proof.h"
#include "ledger/state_tree.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "leveldb/write_batch.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "tests/fuzz/proof_document_keys.h"

namespace {

using namespace ballast;  // NOLINT

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "make_proof_document_seeds: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(absl::StatusOr<T> v, const char* what) {
  if (!v.ok())
    Die(std::string(what) + ": " + std::string(v.status().message()));
  return *std::move(v);
}

// The flags byte of fuzz_proof_document.cc.
uint8_t Flags(int trusted_fuzz_keys, int threshold, const char* chain_id) {
  uint8_t f = static_cast<uint8_t>(trusted_fuzz_keys & 3);
  f |= static_cast<uint8_t>(((threshold - 1) & 3) << 2);
  if (chain_id != nullptr) {
    f |= 0x10;
    if (std::string(chain_id) == test::kProofFuzzDevnetChainId) f |= 0x20;
  }
  return f;
}
constexpr uint8_t kRepairHash = 0x40;
constexpr uint8_t kRepairTreeKeys = 0x80;

std::string U64Le(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

std::string AccountRecord(uint64_t nonce) {
  ledger::Account a;
  a.set_nonce(nonce);
  return a.SerializeAsString();
}

// What a document proves: an account, or a contract's storage key.
struct Want {
  std::string account;
  std::string contract;
  std::string key;
};

class Chain {
 public:
  Chain() {
    leveldb::Options options;
    options.create_if_missing = true;
    options.env = env_.get();
    leveldb::DB* db = nullptr;
    if (!leveldb::DB::Open(options, "/seeds", &db).ok()) Die("leveldb open");
    db_.reset(db);
    source_ = ledger::NewLevelDbTreeNodeSource(db);
    tree_ = std::make_unique<ledger::StateTree>(source_.get());
  }

  // Commits version `height` of the tree (store writes: store key ->
  // value or delete) and its header.
  void Commit(const std::map<std::string, std::optional<std::string>>& writes) {
    const uint64_t height = headers_.size() + 1;
    leveldb::WriteBatch batch;
    ledger::StateTreeUpdate u =
        Must(tree_->Update(height, ledger::StateTreeChangesOf(writes), &batch),
             "update");
    if (!db_->Write(leveldb::WriteOptions(), &batch).ok()) Die("write");
    ledger::BlockHeader h;
    h.set_chain_id(test::kProofFuzzChainId);
    h.set_height(height);
    h.set_parent_hash(headers_.empty() ? ledger::ZeroHash()
                                       : ledger::BlockHash(headers_.back()));
    h.set_time_ms(1796286525000 + static_cast<int64_t>(height) * 1000);
    h.set_tx_root(Sha256("txs " + std::to_string(height)));
    h.set_state_root(u.root);
    h.set_producer_pubkey(test::ProofFuzzKey(0).public_key);
    h.set_receipts_root(Sha256("receipts " + std::to_string(height)));
    headers_.push_back(h);
  }

  // The document proving `wants` at `height`, signed by keys `signers`
  // (indexes of ProofFuzzKey), as NodeService::Proof makes it.
  api::ProofResponse Document(uint64_t height, const std::vector<Want>& wants,
                              const std::vector<int>& signers) const {
    api::ProofResponse doc;
    const ledger::BlockHeader& h = headers_.at(height - 1);
    doc.set_chain_id(h.chain_id());
    doc.set_height(height);
    doc.set_block_hash(ledger::BlockHash(h));
    *doc.mutable_header() = h;
    for (int i : signers) {
      ledger::BlockSignature* s = doc.add_signatures();
      s->set_pubkey(test::ProofFuzzKey(i).public_key);
      s->set_signature(Sign(test::ProofFuzzKey(i), doc.block_hash()));
    }
    std::vector<std::string> tree_keys;
    for (const Want& w : wants) {
      api::ProofEntry* e = doc.add_entries();
      if (!w.account.empty()) {
        e->set_account(w.account);
        tree_keys.push_back(
            ledger::StateTreeKey(ledger::keys::Table::kAccount, w.account));
      } else {
        e->set_contract(w.contract);
        e->set_key(w.key);
        tree_keys.push_back(ledger::StateTreeKey(ledger::keys::Table::kStorage,
                                                 w.contract + w.key));
      }
      e->set_tree_key(tree_keys.back());
    }
    std::vector<ledger::StateTreeRead> reads =
        Must(tree_->GetMany(height, tree_keys), "get");
    for (size_t i = 0; i < reads.size(); ++i) {
      api::ProofEntry* e = doc.mutable_entries(static_cast<int>(i));
      if (reads[i].value.has_value()) e->set_value(*reads[i].value);
      if (!e->account().empty()) {
        ledger::Account a;
        if (reads[i].value.has_value()) a.ParseFromString(*reads[i].value);
        e->set_nonce(a.nonce());
      }
      e->set_proof(ledger::SerializeStateProof(reads[i].proof));
    }
    return doc;
  }

 private:
  std::unique_ptr<leveldb::Env> env_{
      leveldb::NewMemEnv(leveldb::Env::Default())};
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<ledger::TreeNodeSource> source_;
  std::unique_ptr<ledger::StateTree> tree_;
  std::vector<ledger::BlockHeader> headers_;
};

std::string Text(const api::ProofResponse& doc, int indent = -1) {
  return api::DumpJson(Must(api::ProofDocumentJson(doc), "json"), indent);
}

// Changes the hex digit after the first `n` characters of the value of
// `field` (a JSON key, quoted) in `text`: "0x" then a digit flipped.
std::string FlipHex(std::string text, const std::string& field, size_t n) {
  const size_t at = text.find("\"" + field + "\":\"0x");
  if (at == std::string::npos) Die("no field " + field);
  char& c = text[at + field.size() + 6 + n];
  c = (c == '0') ? '1' : '0';
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) Die("usage: make_proof_document_seeds OUT_DIR");
  const std::string out = argv[1];
  auto write = [&](const std::string& name, uint8_t flags,
                   const std::string& text) {
    std::ofstream f(out + "/" + name, std::ios::binary);
    f << static_cast<char>(flags) << text;
    if (!f.good()) Die("cannot write " + out + "/" + name);
  };

  // Version 1: three accounts, and a contract with 40 storage keys (so
  // paths are a few levels deep), among them the empty key and a 200-byte
  // key. Version 2: two keys updated, one deleted, a nonce bumped.
  const std::string contract(20, '\xcc');
  std::vector<std::string> accounts;
  for (int i = 0; i < 3; ++i) {
    accounts.push_back(AddressFromPublicKey(test::ProofFuzzKey(i).public_key));
  }
  const std::string holder_key = "b" + accounts[0];
  const std::string long_key(200, 'k');
  std::map<std::string, std::optional<std::string>> v1;
  for (int i = 0; i < 3; ++i) {
    v1[ledger::keys::AccountKey(accounts[i])] = AccountRecord(i + 1);
  }
  v1[ledger::keys::StorageKey(contract, "supply")] = U64Le(1000000);
  v1[ledger::keys::StorageKey(contract, holder_key)] = U64Le(1000000);
  v1[ledger::keys::StorageKey(contract, "")] = "empty key";
  v1[ledger::keys::StorageKey(contract, long_key)] = "";
  for (int i = 0; i < 36; ++i) {
    v1[ledger::keys::StorageKey(contract, "k" + std::to_string(i))] =
        U64Le(static_cast<uint64_t>(i) * 7);
  }
  std::map<std::string, std::optional<std::string>> v2;
  v2[ledger::keys::StorageKey(contract, holder_key)] = U64Le(999000);
  v2[ledger::keys::StorageKey(contract, "k3")] = std::nullopt;
  v2[ledger::keys::StorageKey(contract, "k4")] = U64Le(12345);
  v2[ledger::keys::AccountKey(accounts[0])] = AccountRecord(2);

  Chain chain;
  chain.Commit(v1);
  chain.Commit(v2);

  const std::string never_written(20, '\x01');
  const char* fuzz = test::kProofFuzzChainId;
  const api::ProofResponse account =
      chain.Document(1, {{accounts[1], "", ""}}, {0});
  const api::ProofResponse absent_account =
      chain.Document(1, {{never_written, "", ""}}, {0, 1});
  const api::ProofResponse storage =
      chain.Document(1,
                     {{"", contract, "supply"},
                      {"", contract, holder_key},
                      {"", contract, ""},
                      {"", contract, long_key},
                      {"", contract, "b" + never_written}},
                     {0, 1, 2, 3});
  const api::ProofResponse v2_doc = chain.Document(
      2, {{"", contract, "k3"}, {"", contract, "k4"}, {accounts[0], "", ""}},
      {2, 0});
  const std::string storage_text = Text(storage);

  // Valid, as they come.
  write("account", Flags(1, 1, fuzz), Text(account, 4));
  write("account_absent", Flags(2, 2, fuzz), Text(absent_account));
  write("storage_3_of_3", Flags(3, 3, fuzz), storage_text);
  write("height2_deleted_updated", Flags(3, 2, nullptr), Text(v2_doc));

  // Valid after the target's repairs: a header field changed (hash and
  // signatures made anew), tree keys left out (recomputed).
  api::ProofResponse changed = storage;
  changed.mutable_header()->set_time_ms(1);
  write("repair_header", Flags(3, 3, fuzz) | kRepairHash, Text(changed));
  api::ProofResponse no_tree_keys = v2_doc;
  for (api::ProofEntry& e : *no_tree_keys.mutable_entries()) e.clear_tree_key();
  write("repair_tree_keys", Flags(2, 1, fuzz) | kRepairTreeKeys,
        Text(no_tree_keys));

  // Refused.
  write("threshold_above_signers", Flags(3, 4, fuzz), storage_text);
  write("wrong_chain", Flags(3, 1, test::kProofFuzzDevnetChainId),
        storage_text);
  write("self_signed", Flags(3, 1, fuzz),
        Text(chain.Document(1, {{accounts[1], "", ""}}, {3})));
  write("proof_digit", Flags(3, 1, fuzz), FlipHex(storage_text, "proof", 40));
  write("value_digit", Flags(3, 1, fuzz), FlipHex(storage_text, "value", 3));
  write("signature_digit", Flags(3, 1, fuzz),
        FlipHex(storage_text, "signature", 10));
  write("state_root_digit", Flags(3, 1, fuzz) | kRepairHash,
        FlipHex(storage_text, "state_root", 0));
  write("truncated_half", Flags(3, 1, fuzz),
        storage_text.substr(0, storage_text.size() / 2));
  write("truncated_proof", Flags(3, 1, fuzz) | kRepairHash,
        storage_text.substr(0, storage_text.find("\"proof\":\"0x") + 21) +
            "\"}]}");
  write("deep_nesting", Flags(3, 1, fuzz),
        "{\"header\":" + std::string(5000, '[') + std::string(5000, ']') + "}");
  write("not_an_object", Flags(3, 1, fuzz), "[1,2,3]");
  write("empty", Flags(3, 1, fuzz), "");
  return 0;
}
