// Specification of ledger::Store: what a commit writes, what it refuses,
// what survives a reopen, and how corrupt bytes are reported.

#include "ledger/store.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_proof.h"
#include "leveldb/helpers/memenv.h"
#include "tests/ledger/test_util.h"
#include "tests/testing/temp_dir.h"

namespace ballast::ledger {
namespace {

using ::ballast::ledger::testing::Addr;
using ::ballast::ledger::testing::ChainBuilder;
using ::ballast::ledger::testing::DeleteRaw;
using ::ballast::ledger::testing::DeployChanges;
using ::ballast::ledger::testing::DumpDb;
using ::ballast::ledger::testing::Hash;
using ::ballast::ledger::testing::PutRaw;
using ::ballast::ledger::testing::RenderEvents;
using ::ballast::ledger::testing::RenderHead;
using ::ballast::ledger::testing::RenderStorage;
using ::ballast::ledger::testing::TableCounts;
using ::ballast::ledger::testing::TxSpec;
using ::testing::HasSubstr;
using ::testing::Not;

// Most tests run on LevelDB's in-memory Env; reopening keeps the data.
class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : env_(leveldb::NewMemEnv(leveldb::Env::Default())) { Reopen(); }

  void Reopen() {
    store_.reset();
    StoreOptions options = options_;
    options.env = env_.get();
    auto store = Store::Open(kDir, options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void Close() { store_.reset(); }

  StoreOptions options_;  // Reopen's, with env_

  // Builds, commits and accepts the next block.
  void Commit(StateChanges changes, std::vector<TxSpec> txs = {}) {
    BlockCommit c = chain_.Build(std::move(changes), std::move(txs));
    absl::Status s = store_->CommitBlock(c);
    ASSERT_TRUE(s.ok()) << s;
    chain_.Accept(c);
  }

  // The whole database, rendered; closes and reopens the store around it.
  std::string Dump() {
    Close();
    std::string dump = DumpDb(kDir, env_.get());
    Reopen();
    return dump;
  }
  std::string Counts() {
    Close();
    std::string counts = TableCounts(kDir, env_.get());
    Reopen();
    return counts;
  }

  static constexpr char kDir[] = "/ledger";
  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<Store> store_;
  ChainBuilder chain_;
};

TEST_F(StoreTest, EmptyStore) {
  EXPECT_EQ(RenderHead(*store_), "empty");
  EXPECT_EQ(store_->GetAccount(Addr('a'))->nonce(), 0u);
  EXPECT_EQ(*store_->GetStorage(Addr('c'), "k"), std::nullopt);
  EXPECT_EQ(*store_->GetContract(Addr('c')), std::nullopt);
  EXPECT_EQ(*store_->GetCode(Hash('h')), std::nullopt);
  EXPECT_EQ(*store_->GetBlockByHeight(1), std::nullopt);
  EXPECT_EQ(*store_->GetBlockByHash(Hash('h')), std::nullopt);
  EXPECT_EQ(*store_->GetTransaction(Hash('t')), std::nullopt);
  EXPECT_TRUE(store_->QueryEvents({})->empty());
  EXPECT_EQ(*store_->StateDigest(), Sha256(""));
}

TEST_F(StoreTest, CommitWritesEveryTable) {
  StateChanges ch = DeployChanges(Addr('c'), 'x');
  ch.storage[{Addr('c'), "k"}] = "v";
  BlockCommit c = chain_.Build(
      ch, {{.method = "init", .events = {{'c', "Created"}, {'c', "Minted"}}},
           {.method = "bad", .status = RECEIPT_STATUS_TRAPPED}});
  ASSERT_TRUE(store_->CommitBlock(c).ok());
  const std::string block_hash = BlockHash(c.block.header());

  // Head and block, by height and by hash.
  EXPECT_EQ(**store_->GetHead(), (ChainHead{1, block_hash}));
  auto by_height = store_->GetBlockByHeight(1);
  ASSERT_TRUE(by_height.ok() && by_height->has_value());
  EXPECT_EQ(SerializeDeterministic(**by_height),
            SerializeDeterministic(c.block));
  auto by_hash = store_->GetBlockByHash(block_hash);
  ASSERT_TRUE(by_hash.ok() && by_hash->has_value());
  EXPECT_EQ((*by_hash)->header().height(), 1u);

  // Transactions with their receipts and position.
  for (int i = 0; i < 2; ++i) {
    auto rec = store_->GetTransaction(TxHash(c.block.txs(i)));
    ASSERT_TRUE(rec.ok() && rec->has_value()) << i;
    EXPECT_EQ((*rec)->tx().tx(), c.block.txs(i).tx());
    EXPECT_EQ(SerializeDeterministic((*rec)->receipt()),
              SerializeDeterministic(c.receipts[i]));
    EXPECT_EQ((*rec)->block_height(), 1u);
    EXPECT_EQ((*rec)->tx_index(), static_cast<uint32_t>(i));
    EXPECT_EQ((*rec)->block_hash(), block_hash);
  }
  EXPECT_EQ(
      (*store_->GetTransaction(TxHash(c.block.txs(1))))->receipt().status(),
      RECEIPT_STATUS_TRAPPED);

  // World state.
  EXPECT_EQ(store_->GetAccount(Addr('u'))->nonce(), 1u);
  auto info = store_->GetContract(Addr('c'));
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->creator(), Addr('u'));
  EXPECT_EQ((*info)->interface(), "iface");
  EXPECT_EQ((*info)->code_hash(), Sha256("wasm-x"));
  auto code = store_->GetCode((*info)->executable_hash());
  ASSERT_TRUE(code.ok() && code->has_value());
  EXPECT_EQ((*code)->wasm(), "instrumented-wasm-x");
  EXPECT_EQ((*info)->executable_hash(),
            ExecutableHash(1, "instrumented-wasm-x"));
  EXPECT_EQ(RenderStorage(*store_, Addr('c')), "k=v owner=u");

  // Events.
  EXPECT_EQ(RenderEvents(*store_->QueryEvents({})),
            "1.0.0:Created@c 1.0.1:Minted@c");

  // One key per record: 2 meta (head, format), account, contract, code, 2
  // storage, block, hash index, 2 tx records, 2 events in each of the four
  // event indexes; and the state tree's nodes: a leaf per state record (5)
  // and the 4 internal nodes that join them.
  EXPECT_EQ(Counts(), "a=1 b=1 c=1 e=2 h=1 j=9 m=2 n=2 s=2 t=2 w=1 x=2 y=2");
}

// The same wasm instrumented by two instrumenter versions is two codes:
// neither deploy replaces the other's (code used to be keyed by the
// original wasm's hash alone).
TEST_F(StoreTest, TheSameWasmUnderTwoInstrumenterVersionsIsTwoCodes) {
  auto deploy = [](const std::string& contract, uint32_t version) {
    StateChanges ch;
    const std::string instrumented = "instrumented-v" + std::to_string(version);
    const std::string executable = ExecutableHash(version, instrumented);
    CodeRecord& code = ch.codes[executable];
    code.set_wasm(instrumented);
    code.set_original_hash(Sha256("the same wasm"));
    code.set_instrumenter_version(version);
    ContractInfo& info = ch.contracts[contract];
    info.set_code_hash(Sha256("the same wasm"));
    info.set_executable_hash(executable);
    info.set_creator(Addr('u'));
    return ch;
  };
  Commit(deploy(Addr('c'), 1));
  Commit(deploy(Addr('d'), 2));
  for (const auto& [contract, version] :
       {std::pair{Addr('c'), 1u}, std::pair{Addr('d'), 2u}}) {
    auto info = store_->GetContract(contract);
    ASSERT_TRUE(info.ok() && info->has_value());
    EXPECT_EQ((*info)->code_hash(), Sha256("the same wasm"));
    auto code = store_->GetCode((*info)->executable_hash());
    ASSERT_TRUE(code.ok() && code->has_value());
    EXPECT_EQ((*code)->instrumenter_version(), version);
    EXPECT_EQ((*code)->wasm(), "instrumented-v" + std::to_string(version));
  }
  EXPECT_THAT(Counts(), HasSubstr("c=2"));
  EXPECT_THAT(Counts(), HasSubstr("w=2"));
}

TEST_F(StoreTest, StorageUpdatesAndDeletes) {
  StateChanges ch = DeployChanges(Addr('c'), 'x');
  ch.storage[{Addr('c'), "b"}] = "1";
  ch.storage[{Addr('c'), "a"}] = "1";
  Commit(ch);
  EXPECT_EQ(RenderStorage(*store_, Addr('c')), "a=1 b=1 owner=u");

  StateChanges ch2;
  ch2.storage[{Addr('c'), "a"}] = std::nullopt;
  ch2.storage[{Addr('c'), "b"}] = "2";
  ch2.storage[{Addr('c'), "c"}] = "";
  Commit(ch2);
  EXPECT_EQ(RenderStorage(*store_, Addr('c')), "b=2 c= owner=u");
  EXPECT_EQ(*store_->GetStorage(Addr('c'), "a"), std::nullopt);
  EXPECT_EQ(*store_->GetStorage(Addr('c'), "c"),
            std::optional<std::string>(""));
}

TEST_F(StoreTest, EachContractHasItsOwnKeySpace) {
  StateChanges ch = DeployChanges(Addr('c'), 'x');
  StateChanges d = DeployChanges(Addr('d'), 'x');
  ch.contracts.merge(d.contracts);
  ch.storage[{Addr('c'), "k"}] = "c's";
  ch.storage[{Addr('d'), "k"}] = "d's";
  Commit(ch);
  EXPECT_EQ(RenderStorage(*store_, Addr('c')), "k=c's owner=u");
  EXPECT_EQ(RenderStorage(*store_, Addr('d')), "k=d's");
  EXPECT_EQ(RenderStorage(*store_, Addr('e')), "");
}

TEST_F(StoreTest, ChainOfBlocksExtendsTheHead) {
  Commit(DeployChanges(Addr('c'), 'x'), {{}});
  for (int i = 0; i < 4; ++i) {
    StateChanges ch;
    ch.accounts[Addr('u')].set_nonce(2 + i);
    Commit(ch, {{}, {}});
  }
  EXPECT_EQ(RenderHead(*store_), "5");
  for (uint64_t h = 2; h <= 5; ++h) {
    auto block = store_->GetBlockByHeight(h);
    auto parent = store_->GetBlockByHeight(h - 1);
    ASSERT_TRUE(block.ok() && block->has_value() && parent->has_value());
    EXPECT_EQ((*block)->header().parent_hash(), BlockHash((*parent)->header()));
  }
  EXPECT_EQ(store_->GetAccount(Addr('u'))->nonce(), 5u);
}

// ComputeStateRoot keeps the tree update it staged for the producer's
// commit of the same changes; a commit of other changes must not use it
// (its root check would then refuse the block), nor any later commit.
TEST_F(StoreTest, AStagedTreeUpdateServesOnlyTheSameChangesOnTheSameHead) {
  Commit(DeployChanges(Addr('c'), 'x'));
  const std::string tree_key =
      StateTreeKey(keys::Table::kStorage, Addr('c') + "k");
  StateChanges a, b;
  a.storage[{Addr('c'), "k"}] = "a";
  b.storage[{Addr('c'), "k"}] = "b";

  BlockCommit cb = chain_.Build(b);
  absl::StatusOr<std::string> root_a = store_->ComputeStateRoot(a);
  ASSERT_TRUE(root_a.ok()) << root_a.status();
  EXPECT_NE(*root_a, cb.block.header().state_root());
  absl::Status s = store_->CommitBlock(cb);
  ASSERT_TRUE(s.ok()) << s;
  chain_.Accept(cb);
  EXPECT_EQ(store_->state_tree().Get(2, tree_key)->value, "b");

  // The producer's order: the root first, then the commit of those changes.
  BlockCommit ca = chain_.Build(a);
  EXPECT_EQ(*store_->ComputeStateRoot(a), ca.block.header().state_root());
  s = store_->CommitBlock(ca);
  ASSERT_TRUE(s.ok()) << s;
  chain_.Accept(ca);
  EXPECT_EQ(store_->state_tree().Get(3, tree_key)->value, "a");
  EXPECT_EQ(*store_->state_tree().RootHash(3), ca.block.header().state_root());
}

// Each case breaks one rule; the store must refuse the commit with the given
// code and message, and stay byte-for-byte unchanged.
struct Defect {
  std::string name;
  absl::StatusCode code;
  std::string message;
  std::function<void(BlockCommit&, const ChainBuilder&)> apply;
  // The harness signs the edited header again, so that each defect reaches
  // its own check; the signature defects keep what they made.
  bool keep_signatures = false;
};

void PrintTo(const Defect& d, std::ostream* os) { *os << d.name; }

class StoreValidationTest : public StoreTest,
                            public ::testing::WithParamInterface<Defect> {};

TEST_P(StoreValidationTest, RefusesAndLeavesTheStoreUntouched) {
  // Block 1 deploys contract c; block 2 is the one under test.
  Commit(DeployChanges(Addr('c'), 'x'), {{.events = {{'c', "E"}}}});
  const std::string before = Dump();
  const std::string digest = *store_->StateDigest();

  StateChanges ch;
  ch.storage[{Addr('c'), "k"}] = "v";
  ch.accounts[Addr('u')].set_nonce(2);
  BlockCommit c = chain_.Build(ch, {{.events = {{'c', "E"}}}, {}});
  GetParam().apply(c, chain_);
  if (!GetParam().keep_signatures) ChainBuilder::Resign(c);
  absl::Status s = store_->CommitBlock(c);
  EXPECT_EQ(s.code(), GetParam().code) << s;
  EXPECT_THAT(s.message(), HasSubstr(GetParam().message));

  EXPECT_EQ(RenderHead(*store_), "1");
  EXPECT_EQ(*store_->StateDigest(), digest);
  EXPECT_EQ(Dump(), before);
  // And the store still accepts a valid block 2.
  Commit(ch, {{}});
  EXPECT_EQ(RenderHead(*store_), "2");
}

std::vector<Defect> Defects() {
  using absl::StatusCode;
  auto reseal = [](BlockCommit& c, const ChainBuilder& b) { b.Reseal(c); };
  return {
      {"SkipsAHeight", StatusCode::kFailedPrecondition,
       "block 3: does not extend head 1",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_height(3);
         for (Receipt& r : c.receipts) {
           r.set_block_height(3);
           for (Event& e : *r.mutable_events()) e.set_block_height(3);
         }
       }},
      {"RepeatsTheHead", StatusCode::kFailedPrecondition,
       "does not extend head 1",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_height(1);
         for (Receipt& r : c.receipts) {
           r.set_block_height(1);
           for (Event& e : *r.mutable_events()) e.set_block_height(1);
         }
       }},
      {"HeightZero", StatusCode::kInvalidArgument, "height 0",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_height(0);
       }},
      {"WrongParent", StatusCode::kFailedPrecondition, "is not the head's hash",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_parent_hash(Hash('z'));
       }},
      {"ShortParentHash", StatusCode::kInvalidArgument,
       "parent_hash must be 32 bytes, got 3",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_parent_hash("abc");
       }},
      {"OtherChain", StatusCode::kFailedPrecondition,
       "chain_id \"other\" differs from the parent's \"ballast-test\"",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_chain_id("other");
       }},
      {"TimeBeforeTheParents", StatusCode::kFailedPrecondition,
       "time_ms 999 is before the parent's 1000 (block times never go "
       "backwards)",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_time_ms(999);  // block 1's is 1000
       }},
      {"MissingReceipt", StatusCode::kInvalidArgument,
       "1 receipts for 2 transactions",
       [](BlockCommit& c, const ChainBuilder&) { c.receipts.pop_back(); }},
      {"ReceiptsSwapped", StatusCode::kInvalidArgument, "receipt 0: tx_hash",
       [](BlockCommit& c, const ChainBuilder&) {
         std::swap(c.receipts[0], c.receipts[1]);
       }},
      {"ReceiptWrongIndex", StatusCode::kInvalidArgument,
       "receipt 1: names position (2, 5), want (2, 1)",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[1].set_tx_index(5);
       }},
      {"ReceiptStatusUnset", StatusCode::kInvalidArgument,
       "receipt 1: status is unspecified",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[1].set_status(RECEIPT_STATUS_UNSPECIFIED);
       }},
      {"FailedTxWithEvents", StatusCode::kInvalidArgument,
       "receipt 0: failed with RECEIPT_STATUS_ABORTED but has 1 events",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[0].set_status(RECEIPT_STATUS_ABORTED);
       }},
      {"EventWrongPosition", StatusCode::kInvalidArgument,
       "receipt 0: event 0: names position (2, 0, 9), want (2, 0, 0)",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[0].mutable_events(0)->set_event_index(9);
       }},
      {"EventShortContract", StatusCode::kInvalidArgument,
       "receipt 0: event 0: contract must be 20 bytes",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[0].mutable_events(0)->set_contract("c");
       }},
      {"EventNameEmpty", StatusCode::kInvalidArgument,
       "receipt 0: event 0: name of 0 bytes (must be 1..255)",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[0].mutable_events(0)->set_name("");
       }},
      {"EventNameTooLong", StatusCode::kInvalidArgument,
       "receipt 0: event 0: name of 256 bytes (must be 1..255)",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[0].mutable_events(0)->set_name(std::string(256, 'E'));
       }},
      {"TxRootWrong", StatusCode::kInvalidArgument, "tx_root is not",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_txs(0)->set_signature("forged");  // root unchanged
         c.block.mutable_header()->set_tx_root(Hash('r'));
       }},
      {"StateRootWrong", StatusCode::kInvalidArgument,
       "is not the state tree's root after the block's changes",
       [](BlockCommit& c, const ChainBuilder&) {
         c.changes.storage[{Addr('c'), "k"}] = "other";  // not resealed
       }},
      {"ReceiptsRootWrong", StatusCode::kInvalidArgument,
       "receipts_root is not ComputeReceiptsRoot of the receipts",
       [](BlockCommit& c, const ChainBuilder&) {
         c.receipts[1].set_gas_used(7);  // not resealed
       }},
      {"NoSignatures", StatusCode::kInvalidArgument, "no signatures",
       [](BlockCommit& c, const ChainBuilder&) { c.block.clear_signatures(); },
       true},
      {"SignatureForged", StatusCode::kInvalidArgument,
       "signature 0: not a valid signature of the block hash by",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_signatures(0)->mutable_signature()->at(0) ^= 1;
       },
       true},
      {"SignatureOfAnotherHeader", StatusCode::kInvalidArgument,
       "signature 0: not a valid signature of the block hash by",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_header()->set_time_ms(1);  // signed before
       },
       true},
      {"SignedTwiceByOneKey", StatusCode::kInvalidArgument, "signature 1: key ",
       [](BlockCommit& c, const ChainBuilder&) {
         *c.block.add_signatures() = c.block.signatures(0);
       },
       true},
      {"NotSignedByTheProducer", StatusCode::kInvalidArgument,
       "no signature by the header's producer_pubkey",
       [](BlockCommit& c, const ChainBuilder&) {
         KeyPair other = *KeyPairFromSeed(std::string(32, 'O'));
         c.block.mutable_header()->set_producer_pubkey(other.public_key);
         ChainBuilder::Resign(c);  // by the test producer, not `other`
       },
       true},
      {"ShortSignatureKey", StatusCode::kInvalidArgument,
       "signature 0: pubkey must be 32 bytes, got 3",
       [](BlockCommit& c, const ChainBuilder&) {
         c.block.mutable_signatures(0)->set_pubkey("abc");
       },
       true},
      {"DuplicateTxInBlock", StatusCode::kInvalidArgument, "appears twice",
       [reseal](BlockCommit& c, const ChainBuilder& b) {
         *c.block.mutable_txs(1) = c.block.txs(0);
         c.receipts[1].set_tx_hash(c.receipts[0].tx_hash());
         reseal(c, b);
       }},
      {"TxAlreadyCommitted", StatusCode::kAlreadyExists, "is already committed",
       [reseal](BlockCommit& c, const ChainBuilder& b) {
         *c.block.mutable_txs(1) = ChainBuilder::MakeTx(1, 0, "poke");
         c.receipts[1].set_tx_hash(TxHash(c.block.txs(1)));
         reseal(c, b);
       }},
      {"ShortAccountAddress", StatusCode::kInvalidArgument,
       "account address must be 20 bytes, got 1",
       [](BlockCommit& c, const ChainBuilder&) {
         c.changes.accounts["u"].set_nonce(1);
         // No reseal: the shape check comes before any key is built.
       }},
      {"CodeUnderWrongHash", StatusCode::kInvalidArgument,
       "has executable hash",
       [reseal](BlockCommit& c, const ChainBuilder& b) {
         CodeRecord& code = c.changes.codes[Hash('h')];
         code.set_original_hash(Hash('h'));  // under its original hash
         code.set_wasm("w");
         reseal(c, b);
       }},
      {"CodeUnderAnotherVersionsHash", StatusCode::kInvalidArgument,
       "has executable hash",
       [reseal](BlockCommit& c, const ChainBuilder& b) {
         CodeRecord& code = c.changes.codes[ExecutableHash(1, "w")];
         code.set_original_hash(Hash('h'));
         code.set_wasm("w");
         code.set_instrumenter_version(2);
         reseal(c, b);
       }},
      {"ContractWithoutCode", StatusCode::kFailedPrecondition,
       "which is not stored",
       [reseal](BlockCommit& c, const ChainBuilder& b) {
         c.changes.contracts[Addr('d')].set_code_hash(Hash('h'));
         c.changes.contracts[Addr('d')].set_executable_hash(Hash('h'));
         reseal(c, b);
       }},
      {"StorageOfNonContract", StatusCode::kFailedPrecondition,
       "which is not a contract",
       [reseal](BlockCommit& c, const ChainBuilder& b) {
         c.changes.storage[{Addr('n'), "k"}] = "v";
         reseal(c, b);
       }},
  };
}

INSTANTIATE_TEST_SUITE_P(Defects, StoreValidationTest,
                         ::testing::ValuesIn(Defects()),
                         [](const ::testing::TestParamInfo<Defect>& info) {
                           return info.param.name;
                         });

// The state tree at each height proves that height's state; heights past
// retention (by count AND by block time) are refused with a clear error.
TEST_F(StoreTest, StateIsProvableAtRetainedHeightsOnly) {
  options_.state_retain_heights = 3;
  options_.state_retain_ms = 1500;  // blocks are 1000 ms apart
  Reopen();
  Commit(DeployChanges(Addr('c'), 'x'));
  for (int i = 2; i <= 8; ++i) {
    StateChanges ch;
    ch.storage[{Addr('c'), "k"}] = std::to_string(i);
    Commit(ch);
  }
  const std::string key = StateTreeKey(keys::Table::kStorage, Addr('c') + "k");
  // Heights 6..8 are among the last 3; 5 is not, and its block is 3 s older
  // than the head's: pruned.
  for (uint64_t h = 6; h <= 8; ++h) {
    auto block = store_->GetBlockByHeight(h);
    ASSERT_TRUE(block.ok() && block->has_value());
    auto read = store_->state_tree().Get(h, key);
    ASSERT_TRUE(read.ok()) << h << ": " << read.status();
    EXPECT_EQ(read->value, std::optional<std::string>(std::to_string(h)));
    EXPECT_TRUE(VerifyStateProof((*block)->header().state_root(), key,
                                 std::optional<std::string_view>(*read->value),
                                 read->proof)
                    .ok());
  }
  auto pruned = store_->state_tree().Get(5, key);
  EXPECT_EQ(pruned.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pruned.status().message(), HasSubstr("pruned"));

  // A longer retention by time keeps heights the count alone would drop.
  options_.state_retain_ms = 10'000;
  Reopen();
  chain_ = ChainBuilder::FromStore(*store_);
  StateChanges ch;
  ch.storage[{Addr('c'), "k"}] = "9";
  Commit(ch);
  EXPECT_TRUE(store_->state_tree().Get(6, key).ok());
  EXPECT_EQ(*store_->state_tree().OldestVersion(), 6u);
}

TEST_F(StoreTest, FirstBlockIsHeightOneWithZeroParent) {
  BlockCommit c = chain_.Build({});
  c.block.mutable_header()->set_height(2);
  ChainBuilder::Resign(c);
  absl::Status s = store_->CommitBlock(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("first block must have height 1"));

  c = chain_.Build({});
  c.block.mutable_header()->set_parent_hash(Hash('p'));
  ChainBuilder::Resign(c);
  s = store_->CommitBlock(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("32 zero bytes"));
  EXPECT_EQ(RenderHead(*store_), "empty");
  // Nothing but the version record of the new store.
  EXPECT_EQ(Dump(), "meta " + ToHex(keys::FormatKey()) + " = " +
                        ToHex(EncodeBigEndian32(kDataFormatVersion) +
                              EncodeBigEndian32(0)) +
                        "\n");
}

TEST_F(StoreTest, LookupsCheckSizes) {
  EXPECT_EQ(store_->GetAccount("short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetContract("short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetStorage("short", "k").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ScanStorage("short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetCode(Addr('a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetBlockByHash("short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetTransaction("short").status().code(),
            absl::StatusCode::kInvalidArgument);
}

class EventQueryTest : public StoreTest {
 protected:
  void SetUp() override {
    StateChanges ch = DeployChanges(Addr('a'), 'x');
    ch.contracts.merge(DeployChanges(Addr('b'), 'x').contracts);
    Commit(ch, {{.events = {{'a', "Mint"}, {'b', "Mint"}}}});  // 1
    Commit({},
           {{.events = {{'b', "Burn"}}}, {.events = {{'a', "Burn"}}}});  // 2
    Commit({}, {});                                                      // 3
    Commit({}, {{.status = RECEIPT_STATUS_OUT_OF_GAS},
                {.events = {{'a', "Mint"}, {'a', "Burn"}}}});  // 4
  }

  std::string Query(EventFilter f) {
    auto events = store_->QueryEvents(f);
    if (!events.ok()) return events.status().ToString();
    return RenderEvents(*events);
  }
};

TEST_F(EventQueryTest, ByBlockRange) {
  EXPECT_EQ(Query({}),
            "1.0.0:Mint@a 1.0.1:Mint@b 2.0.0:Burn@b 2.1.0:Burn@a "
            "4.1.0:Mint@a 4.1.1:Burn@a");
  EXPECT_EQ(Query({.from_height = 2, .to_height = 3}),
            "2.0.0:Burn@b 2.1.0:Burn@a");
  EXPECT_EQ(Query({.from_height = 3, .to_height = 3}), "");
  EXPECT_EQ(Query({.from_height = 4}), "4.1.0:Mint@a 4.1.1:Burn@a");
  EXPECT_EQ(Query({.from_height = 5}), "");
}

TEST_F(EventQueryTest, ByContract) {
  EXPECT_EQ(Query({.contract = Addr('a')}),
            "1.0.0:Mint@a 2.1.0:Burn@a 4.1.0:Mint@a 4.1.1:Burn@a");
  EXPECT_EQ(Query({.contract = Addr('b')}), "1.0.1:Mint@b 2.0.0:Burn@b");
  EXPECT_EQ(Query({.contract = Addr('a'), .from_height = 2, .to_height = 2}),
            "2.1.0:Burn@a");
  EXPECT_EQ(Query({.contract = Addr('c')}), "");
}

TEST_F(EventQueryTest, ByName) {
  EXPECT_EQ(Query({.name = "Mint"}), "1.0.0:Mint@a 1.0.1:Mint@b 4.1.0:Mint@a");
  EXPECT_EQ(Query({.contract = Addr('a'), .name = "Burn", .from_height = 3}),
            "4.1.1:Burn@a");
}

// A name must not match a longer name it is a prefix of.
TEST_F(EventQueryTest, ByNameIsExact) {
  Commit({}, {{.events = {{'a', "Min"}, {'a', "Mint2"}, {'b', "Mint"}}}});
  EXPECT_EQ(Query({.name = "Mint", .from_height = 4}),
            "4.1.0:Mint@a 5.0.2:Mint@b");
  EXPECT_EQ(Query({.name = "Min"}), "5.0.0:Min@a");
  EXPECT_EQ(Query({.contract = Addr('a'), .name = "Mint", .from_height = 5}),
            "");
  EXPECT_EQ(Query({.name = "Nothing"}), "");
}

TEST_F(EventQueryTest, ByNameRefusesNamesNoEventCanHave) {
  EXPECT_EQ(Query({.name = ""}),
            "INVALID_ARGUMENT: event query: an event name is 1..255 bytes, "
            "got 0");
  EXPECT_EQ(Query({.name = std::string(256, 'E')}),
            "INVALID_ARGUMENT: event query: an event name is 1..255 bytes, "
            "got 256");
}

// The name indexes make a query by name cost the events it returns: it never
// steps over events of other names (or, given a contract, of other
// contracts).
TEST_F(StoreTest, AQueryByNameStepsOnlyOnThatNamesEntries) {
  StateChanges ch = DeployChanges(Addr('a'), 'x');
  ch.contracts.merge(DeployChanges(Addr('b'), 'x').contracts);
  Commit(ch, {});  // 1
  for (int block = 2; block <= 21; ++block) {
    std::vector<std::pair<char, std::string>> events(
        100, {block % 2 ? 'a' : 'b', "Noise"});
    if (block == 7) events.push_back({'a', "Rare"});
    if (block == 12) events.push_back({'b', "Rare"});
    if (block == 15) events.push_back({'a', "Rare"});
    Commit({}, {{.events = events}});
  }
  auto query = [&](EventFilter f, size_t* steps) {
    auto events = store_->QueryEvents(f, steps);
    return events.ok() ? RenderEvents(*events) : events.status().ToString();
  };
  size_t steps = 0;
  EXPECT_EQ(query({.name = "Rare"}, &steps),
            "7.0.100:Rare@a 12.0.100:Rare@b 15.0.100:Rare@a");
  EXPECT_EQ(steps, 3u);
  EXPECT_EQ(query({.contract = Addr('a'), .name = "Rare"}, &steps),
            "7.0.100:Rare@a 15.0.100:Rare@a");
  EXPECT_EQ(steps, 2u);
  EXPECT_EQ(query({.name = "Rare", .from_height = 8, .to_height = 14}, &steps),
            "12.0.100:Rare@b");
  EXPECT_EQ(steps, 2u);  // 12, then 15 ends the range
  EXPECT_EQ(query({.name = "Rare", .limit = 1}, &steps), "7.0.100:Rare@a");
  EXPECT_EQ(steps, 1u);
  EXPECT_EQ(query({.name = "Absent"}, &steps), "");
  EXPECT_EQ(steps, 0u);
  // Without a name the by-block index is a scan, as before.
  EXPECT_EQ(store_->QueryEvents({.limit = 0}, &steps)->size(), 2003u);
  EXPECT_EQ(steps, 2003u);
}

TEST_F(EventQueryTest, Limit) {
  EXPECT_EQ(Query({.limit = 2}), "1.0.0:Mint@a 1.0.1:Mint@b");
  EXPECT_EQ(Query({.contract = Addr('a'), .name = "Burn", .limit = 1}),
            "2.1.0:Burn@a");
}

TEST_F(EventQueryTest, ReceiptsKeepTheirEvents) {
  auto block = store_->GetBlockByHeight(4);
  auto rec = store_->GetTransaction(TxHash((*block)->txs(1)));
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ(RenderEvents({(*rec)->receipt().events().begin(),
                          (*rec)->receipt().events().end()}),
            "4.1.0:Mint@a 4.1.1:Burn@a");
}

TEST_F(EventQueryTest, BadFilters) {
  EXPECT_EQ(Query({.from_height = 3, .to_height = 2}),
            "INVALID_ARGUMENT: event query: from_height 3 is above "
            "to_height 2");
  EXPECT_EQ(Query({.contract = "a"}),
            "INVALID_ARGUMENT: event query: contract address must be 20 "
            "bytes, got 1");
}

// Corrupt stored bytes surface as DataLoss naming the kind of record.
TEST_F(StoreTest, CorruptValuesAreDataLoss) {
  StateChanges ch = DeployChanges(Addr('c'), 'x');
  Commit(ch, {{.events = {{'c', "E"}}}});
  const std::string tx_hash =
      TxHash(ChainBuilder::MakeTx(1, 0, TxSpec().method));
  const std::string code_hash = ch.codes.begin()->first;
  const std::string garbage = "\x0a\xff";  // field 1, length 255, no bytes
  Close();
  PutRaw(kDir, env_.get(), keys::AccountKey(Addr('u')), garbage);
  PutRaw(kDir, env_.get(), keys::ContractKey(Addr('c')), garbage);
  PutRaw(kDir, env_.get(), keys::CodeKey(code_hash), garbage);
  PutRaw(kDir, env_.get(), keys::TxKey(tx_hash), garbage);
  PutRaw(kDir, env_.get(), keys::EventByBlockKey(1, 0, 0), garbage);
  Reopen();

  auto expect_data_loss = [](const absl::Status& s, const std::string& kind) {
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(s.message(), HasSubstr("corrupt " + kind + " record"));
  };
  expect_data_loss(store_->GetAccount(Addr('u')).status(), "account");
  expect_data_loss(store_->GetContract(Addr('c')).status(), "contract");
  expect_data_loss(store_->GetCode(code_hash).status(), "code");
  expect_data_loss(store_->GetTransaction(tx_hash).status(), "tx record");
  expect_data_loss(store_->QueryEvents({}).status(), "event (by block)");
  // A query by name reads the event from the by-block index too.
  expect_data_loss(store_->QueryEvents({.name = "E"}).status(),
                   "event (by block)");
  // The contract index was not touched.
  EXPECT_EQ(store_->QueryEvents({.contract = Addr('c')})->size(), 1u);
}

TEST_F(StoreTest, CorruptHeadOrBlockFailsOpen) {
  Commit({});
  Close();
  PutRaw(kDir, env_.get(), keys::HeadKey(), "short");
  StoreOptions options;
  options.env = env_.get();
  absl::Status s = Store::Open(kDir, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("corrupt meta record"));

  PutRaw(kDir, env_.get(), keys::HeadKey(),
         EncodeBigEndian64(1) + BlockHash(BlockHeader()));
  s = Store::Open(kDir, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("head block 1 has a different hash"));

  PutRaw(kDir, env_.get(), keys::BlockKey(1), "\x0a\xff");
  s = Store::Open(kDir, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("corrupt block record"));
}

// A new store records its versions. A store of another data format or
// instrumenter version, or one with records but no versions (written before
// they were recorded), is refused, naming both versions and what to do, and
// left as it was.
TEST_F(StoreTest, RecordsItsVersionsAndRefusesOthers) {
  Commit(DeployChanges(Addr('c'), 'x'));
  const std::string record = "meta " + ToHex(keys::FormatKey()) + " = ";
  EXPECT_THAT(Dump(),
              HasSubstr(record + ToHex(EncodeBigEndian32(kDataFormatVersion) +
                                       EncodeBigEndian32(0))));
  Close();
  StoreOptions options;
  options.env = env_.get();
  auto open_status = [&](uint32_t instrumenter_version) {
    options.instrumenter_version = instrumenter_version;
    return Store::Open(kDir, options).status();
  };
  const std::string ours = absl::StrCat(
      "; this binary uses data format ", kDataFormatVersion,
      " with instrumenter version 0 and cannot continue that chain: start a "
      "new one in an empty directory");

  absl::Status s = open_status(7);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(s.message(),
            absl::StrCat("ledger store /ledger was written by data format ",
                         kDataFormatVersion,
                         " with instrumenter version 0; this binary uses data "
                         "format ",
                         kDataFormatVersion,
                         " with instrumenter version 7 and cannot continue "
                         "that chain: start a new one in an empty directory"));

  PutRaw(kDir, env_.get(), keys::FormatKey(),
         EncodeBigEndian32(kDataFormatVersion + 1) + EncodeBigEndian32(0));
  s = open_status(0);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(s.message(), absl::StrCat("ledger store /ledger was written by "
                                      "data format ",
                                      kDataFormatVersion + 1, ours));

  DeleteRaw(kDir, env_.get(), keys::FormatKey());
  s = open_status(0);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(s.message(),
            absl::StrCat("ledger store /ledger was written by data format 0 "
                         "(before data formats were recorded)",
                         ours));
  EXPECT_THAT(DumpDb(kDir, env_.get()), Not(HasSubstr(record)));

  PutRaw(kDir, env_.get(), keys::FormatKey(), "\x01");
  s = open_status(0);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr("corrupt meta record"));
}

// The state digest depends on the resulting state only, not on history.
TEST_F(StoreTest, StateDigestDependsOnStateOnly) {
  StateChanges all = DeployChanges(Addr('c'), 'x');
  all.storage[{Addr('c'), "k"}] = "final";
  Commit(all, {{}});
  const std::string one_block = *store_->StateDigest();

  auto other_env = std::unique_ptr<leveldb::Env>(
      leveldb::NewMemEnv(leveldb::Env::Default()));
  StoreOptions options;
  options.env = other_env.get();
  auto other = *Store::Open("/other", options);
  ChainBuilder chain;
  StateChanges first = DeployChanges(Addr('c'), 'x');
  first.storage[{Addr('c'), "k"}] = "draft";
  first.storage[{Addr('c'), "tmp"}] = "x";
  BlockCommit c1 = chain.Build(first);
  ASSERT_TRUE(other->CommitBlock(c1).ok());
  chain.Accept(c1);
  EXPECT_NE(*other->StateDigest(), one_block);
  StateChanges second;
  second.storage[{Addr('c'), "k"}] = "final";
  second.storage[{Addr('c'), "tmp"}] = std::nullopt;
  BlockCommit c2 = chain.Build(second, {{}, {}});
  ASSERT_TRUE(other->CommitBlock(c2).ok());
  EXPECT_EQ(*other->StateDigest(), one_block);
}

// Readers running during commits see whole blocks only.
TEST_F(StoreTest, ConcurrentReadersSeeWholeBlocks) {
  Commit(DeployChanges(Addr('c'), 'x'));
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  auto reader = [&] {
    while (!done) {
      auto head = store_->GetHead();
      ASSERT_TRUE(head.ok() && head->has_value());
      auto block = store_->GetBlockByHeight((*head)->height);
      ASSERT_TRUE(block.ok() && block->has_value());
      for (const SignedTransaction& stx : (*block)->txs()) {
        auto rec = store_->GetTransaction(TxHash(stx));
        ASSERT_TRUE(rec.ok() && rec->has_value());
      }
      auto count = store_->GetStorage(Addr('c'), "count");
      ASSERT_TRUE(count.ok());
      // "count" is written in the same batch as the head it equals, or later.
      if ((*head)->height > 1) {
        ASSERT_TRUE(count->has_value());
        EXPECT_GE(std::stoull(**count), (*head)->height);
      }
      ++checks;
    }
  };
  std::thread r1(reader), r2(reader);
  for (uint64_t h = 2; h <= 60; ++h) {
    // Let the readers run between commits (on a loaded machine they may
    // otherwise not be scheduled before the writer finishes).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (int seen = checks.load();
         checks.load() == seen &&
         std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::yield();
    }
    StateChanges ch;
    ch.storage[{Addr('c'), "count"}] = absl::StrCat(h);
    Commit(ch, {{}, {}});
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(RenderHead(*store_), "60");
}

// On a real directory: close and reopen keep the head, state and history.
TEST(StoreDiskTest, ReopenFindsTheSameHead) {
  const ::ballast::test::TempDir tmp("ballast-ledger");
  const std::string dir = tmp.path();
  ChainBuilder chain;
  std::string digest;
  ChainHead head;
  {
    auto store = Store::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 3; ++i) {
      StateChanges ch = i == 0 ? DeployChanges(Addr('c'), 'x') : StateChanges();
      ch.storage[{Addr('c'), absl::StrCat("k", i)}] = "v";
      BlockCommit c = chain.Build(ch, {{.events = {{'c', "E"}}}});
      ASSERT_TRUE((*store)->CommitBlock(c).ok());
      chain.Accept(c);
    }
    digest = *(*store)->StateDigest();
    head = **(*store)->GetHead();
  }
  {
    auto store = Store::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(**(*store)->GetHead(), head);
    EXPECT_EQ(head.height, 3u);
    EXPECT_EQ(*(*store)->StateDigest(), digest);
    EXPECT_EQ(RenderStorage(**store, Addr('c')), "k0=v k1=v k2=v owner=u");
    EXPECT_EQ(RenderEvents(*(*store)->QueryEvents({})),
              "1.0.0:E@c 2.0.0:E@c 3.0.0:E@c");
    // A second Open of the same directory is refused while one is open.
    EXPECT_EQ(Store::Open(dir).status().code(), absl::StatusCode::kUnavailable);
    // The chain continues.
    ChainBuilder resumed = ChainBuilder::FromStore(**store);
    BlockCommit c = resumed.Build({}, {{}});
    EXPECT_TRUE((*store)->CommitBlock(c).ok());
    EXPECT_EQ(RenderHead(**store), "4");
  }
}

}  // namespace
}  // namespace ballast::ledger
