#include "tests/ledger/test_util.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"

namespace ballast::ledger::testing {

std::string Addr(char c) { return std::string(kAddressSize, c); }
std::string Hash(char c) { return std::string(kHashSize, c); }

SignedTransaction ChainBuilder::MakeTx(uint64_t height, int index,
                                       const std::string& method) {
  Transaction tx;
  tx.set_chain_id(kChainId);
  tx.set_sender_pubkey(std::string(32, 'k'));
  tx.set_nonce(height * 1000 + index);
  tx.set_gas_limit(1'000'000);
  tx.mutable_call()->set_contract(Addr('c'));
  tx.mutable_call()->set_method(method);
  SignedTransaction stx;
  stx.set_tx(SerializeDeterministic(tx));
  stx.set_signature(std::string(64, 's'));
  return stx;
}

namespace {

// A TreeNodeSource over a map: the builder's own copy of the state tree.
class MapNodeSource : public TreeNodeSource {
 public:
  explicit MapNodeSource(const std::map<std::string, std::string>* nodes)
      : nodes_(nodes) {}
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    auto it = nodes_->find(std::string(key));
    if (it == nodes_->end()) return std::nullopt;
    return it->second;
  }
  absl::Status Scan(
      std::string_view start, std::string_view limit,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    for (auto it = nodes_->lower_bound(std::string(start));
         it != nodes_->end() && it->first < limit; ++it) {
      if (!fn(it->first, it->second)) break;
    }
    return absl::OkStatus();
  }

 private:
  const std::map<std::string, std::string>* nodes_;
};

// Applies a WriteBatch to a map.
class MapWriter : public leveldb::WriteBatch::Handler {
 public:
  explicit MapWriter(std::map<std::string, std::string>* nodes)
      : nodes_(nodes) {}
  void Put(const leveldb::Slice& key, const leveldb::Slice& value) override {
    (*nodes_)[key.ToString()] = value.ToString();
  }
  void Delete(const leveldb::Slice& key) override {
    nodes_->erase(key.ToString());
  }

 private:
  std::map<std::string, std::string>* nodes_;
};

}  // namespace

const KeyPair& TestProducer() {
  static const KeyPair* const kKey =
      new KeyPair(*KeyPairFromSeed(std::string(32, 'P')));
  return *kKey;
}

ChainBuilder ChainBuilder::FromStore(Store& store) {
  ChainBuilder b;
  b.store_ = &store;
  auto head = store.GetHead();
  EXPECT_TRUE(head.ok()) << head.status();
  if (!head.ok() || !head->has_value()) return b;
  auto block = store.GetBlockByHeight((*head)->height);
  EXPECT_TRUE(block.ok() && block->has_value());
  if (block.ok() && block->has_value()) {
    BlockCommit parent;
    parent.block = **block;
    b.Accept(parent);
  }
  return b;
}

BlockCommit ChainBuilder::Build(StateChanges changes,
                                std::vector<TxSpec> txs) const {
  BlockCommit c;
  const uint64_t height = next_height();
  BlockHeader* h = c.block.mutable_header();
  h->set_chain_id(kChainId);
  h->set_height(height);
  h->set_parent_hash(hash_);
  h->set_time_ms(static_cast<int64_t>(height) * 1000);
  h->set_producer_pubkey(TestProducer().public_key);
  for (size_t i = 0; i < txs.size(); ++i) {
    const TxSpec& spec = txs[i];
    *c.block.add_txs() = MakeTx(height, static_cast<int>(i), spec.method);
    Receipt r;
    r.set_tx_hash(TxHash(c.block.txs(static_cast<int>(i))));
    r.set_block_height(height);
    r.set_tx_index(static_cast<uint32_t>(i));
    r.set_status(spec.status);
    if (spec.status != RECEIPT_STATUS_SUCCESS) r.set_error("failed");
    r.set_gas_used(100 + i);
    r.set_output(absl::StrCat("out", height, ".", i));
    for (size_t j = 0; j < spec.events.size(); ++j) {
      Event* e = r.add_events();
      e->set_contract(Addr(spec.events[j].first));
      e->set_name(spec.events[j].second);
      e->set_data(absl::StrCat("d", height, ".", i, ".", j));
      e->set_block_height(height);
      e->set_tx_index(static_cast<uint32_t>(i));
      e->set_event_index(static_cast<uint32_t>(j));
    }
    c.receipts.push_back(std::move(r));
  }
  c.changes = std::move(changes);
  Reseal(c);
  return c;
}

std::string ChainBuilder::StateRootOf(const StateChanges& changes,
                                      leveldb::WriteBatch* batch) const {
  leveldb::WriteBatch scratch;
  if (batch == nullptr) batch = &scratch;
  absl::StatusOr<StateTreeUpdate> update;
  if (store_ != nullptr) {
    update = store_->state_tree().Update(
        next_height(), StateTreeChangesOf(StateWrites(changes)), batch);
  } else {
    MapNodeSource source(&tree_nodes_);
    update = StateTree(&source).Update(
        next_height(), StateTreeChangesOf(StateWrites(changes)), batch);
  }
  EXPECT_TRUE(update.ok()) << update.status();
  return update.ok() ? update->root : std::string(kHashSize, '?');
}

void ChainBuilder::Reseal(BlockCommit& commit) const {
  BlockHeader* h = commit.block.mutable_header();
  h->set_tx_root(ComputeTxRoot(commit.block.txs()));
  h->set_receipts_root(ComputeReceiptsRoot(commit.receipts));
  h->set_state_root(StateRootOf(commit.changes, nullptr));
  Resign(commit);
}

void ChainBuilder::Resign(BlockCommit& commit) {
  commit.block.clear_signatures();
  BlockSignature* sig = commit.block.add_signatures();
  sig->set_pubkey(TestProducer().public_key);
  sig->set_signature(Sign(TestProducer(), BlockHash(commit.block.header())));
}

void ChainBuilder::Accept(const BlockCommit& commit) {
  if (store_ == nullptr) {
    // Stage the block's tree nodes as the store did, and keep them.
    leveldb::WriteBatch batch;
    StateRootOf(commit.changes, &batch);
    MapWriter writer(&tree_nodes_);
    EXPECT_TRUE(batch.Iterate(&writer).ok());
  }
  height_ = commit.block.header().height();
  hash_ = BlockHash(commit.block.header());
}

StateChanges DeployChanges(const std::string& contract, char code_char) {
  StateChanges ch;
  const std::string original = absl::StrCat("wasm-", std::string(1, code_char));
  const std::string code_hash = Sha256(original);
  const std::string instrumented = "instrumented-" + original;
  const std::string executable_hash = ExecutableHash(1, instrumented);
  CodeRecord& code = ch.codes[executable_hash];
  code.set_wasm(instrumented);
  code.set_original_hash(code_hash);
  code.set_instrumenter_version(1);
  ContractInfo& info = ch.contracts[contract];
  info.set_code_hash(code_hash);
  info.set_executable_hash(executable_hash);
  info.set_creator(Addr('u'));
  info.set_created_height(1);
  info.set_interface("iface");
  ch.storage[{contract, "owner"}] = "u";
  ch.accounts[Addr('u')].set_nonce(1);
  return ch;
}

std::string RenderHead(Store& store) {
  auto head = store.GetHead();
  if (!head.ok()) return head.status().ToString();
  if (!head->has_value()) return "empty";
  return absl::StrCat((*head)->height);
}

std::string RenderStorage(Store& store, const std::string& contract) {
  auto kvs = store.ScanStorage(contract);
  if (!kvs.ok()) return kvs.status().ToString();
  std::vector<std::string> parts;
  for (const auto& [k, v] : *kvs) parts.push_back(k + "=" + v);
  return absl::StrJoin(parts, " ");
}

std::string RenderEvents(const std::vector<Event>& events) {
  std::vector<std::string> parts;
  for (const Event& e : events) {
    parts.push_back(absl::StrCat(e.block_height(), ".", e.tx_index(), ".",
                                 e.event_index(), ":", e.name(), "@",
                                 e.contract().substr(0, 1)));
  }
  return absl::StrJoin(parts, " ");
}

namespace {

std::unique_ptr<leveldb::DB> OpenRaw(const std::string& dir,
                                     leveldb::Env* env) {
  leveldb::Options o;
  o.env = env;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(o, dir, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::unique_ptr<leveldb::DB>(db);
}

}  // namespace

std::string DumpDb(const std::string& dir, leveldb::Env* env) {
  std::unique_ptr<leveldb::DB> db = OpenRaw(dir, env);
  if (db == nullptr) return "<cannot open>";
  std::string out;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StrAppend(&out, keys::KeyKind(it->key().ToString()), " ",
                    ToHex(it->key().ToString()), " = ",
                    ToHex(it->value().ToString()), "\n");
  }
  return out;
}

std::string TableCounts(const std::string& dir, leveldb::Env* env) {
  std::unique_ptr<leveldb::DB> db = OpenRaw(dir, env);
  if (db == nullptr) return "<cannot open>";
  std::map<char, int> counts;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++counts[it->key()[0]];
  std::vector<std::string> parts;
  for (const auto& [table, n] : counts) {
    parts.push_back(absl::StrCat(std::string(1, table), "=", n));
  }
  return absl::StrJoin(parts, " ");
}

void PutRaw(const std::string& dir, leveldb::Env* env, const std::string& key,
            const std::string& value) {
  std::unique_ptr<leveldb::DB> db = OpenRaw(dir, env);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Put({}, key, value).ok());
}

void DeleteRaw(const std::string& dir, leveldb::Env* env,
               const std::string& key) {
  std::unique_ptr<leveldb::DB> db = OpenRaw(dir, env);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Delete({}, key).ok());
}

// -- FaultyEnv

namespace {

class FaultyFile : public leveldb::WritableFile {
 public:
  FaultyFile(FaultyEnv* env, leveldb::WritableFile* target)
      : env_(env), target_(target) {}

  leveldb::Status Append(const leveldb::Slice& data) override {
    if (env_->Allow()) return target_->Append(data);
    if (env_->torn_appends() && data.size() > 1) {
      target_->Append(leveldb::Slice(data.data(), data.size() / 2));
    }
    return Fault("append");
  }
  leveldb::Status Flush() override {
    if (env_->Allow()) return target_->Flush();
    return Fault("flush");
  }
  leveldb::Status Sync() override {
    if (env_->Allow()) return target_->Sync();
    return Fault("sync");
  }
  leveldb::Status Close() override { return target_->Close(); }

 private:
  leveldb::Status Fault(const char* op) {
    env_->CountFault();
    return leveldb::Status::IOError("injected fault", op);
  }

  FaultyEnv* env_;
  std::unique_ptr<leveldb::WritableFile> target_;
};

}  // namespace

bool FaultyEnv::Allow() {
  int64_t b = budget_.load();
  while (b > 0) {
    if (budget_.compare_exchange_weak(b, b - 1)) return true;
  }
  return b < 0;  // negative: faults off
}

leveldb::Status FaultyEnv::NewWritableFile(const std::string& f,
                                           leveldb::WritableFile** r) {
  leveldb::WritableFile* file = nullptr;
  leveldb::Status s = target()->NewWritableFile(f, &file);
  *r = s.ok() ? new FaultyFile(this, file) : nullptr;
  return s;
}

leveldb::Status FaultyEnv::NewAppendableFile(const std::string& f,
                                             leveldb::WritableFile** r) {
  leveldb::WritableFile* file = nullptr;
  leveldb::Status s = target()->NewAppendableFile(f, &file);
  *r = s.ok() ? new FaultyFile(this, file) : nullptr;
  return s;
}

}  // namespace ballast::ledger::testing
