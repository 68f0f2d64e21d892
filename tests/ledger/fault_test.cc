// Specification of the store under a failing environment (a disk that stops
// accepting writes): a failed commit reports an error, and after reopening
// the head is a fully committed block.

#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "leveldb/helpers/memenv.h"
#include "tests/ledger/test_util.h"

namespace ballast::ledger {
namespace {

using ::ballast::ledger::testing::Addr;
using ::ballast::ledger::testing::ChainBuilder;
using ::ballast::ledger::testing::DeployChanges;
using ::ballast::ledger::testing::FaultyEnv;
using ::ballast::ledger::testing::RenderHead;
using ::ballast::ledger::testing::TxSpec;

constexpr char kDir[] = "/ledger";

// Block h of the test chain: bumps "count" to h and writes "k<h>", with
// one transaction emitting one event.
BlockCommit NextBlock(const ChainBuilder& chain) {
  const uint64_t h = chain.next_height();
  StateChanges ch = h == 1 ? DeployChanges(Addr('c'), 'x') : StateChanges();
  ch.storage[{Addr('c'), "count"}] = absl::StrCat(h);
  ch.storage[{Addr('c'), absl::StrCat("k", h)}] = std::string(1000, 'v');
  return chain.Build(ch, {{.events = {{'c', "Tick"}}}});
}

// Checks that the store holds exactly blocks 1..head, each complete, and
// nothing of head + 1; returns the head height.
uint64_t ExpectConsistent(Store& store) {
  auto head = store.GetHead();
  EXPECT_TRUE(head.ok()) << head.status();
  if (!head.ok() || !head->has_value()) return 0;
  const uint64_t top = (*head)->height;
  for (uint64_t h = 1; h <= top; ++h) {
    SCOPED_TRACE(absl::StrCat("block ", h));
    auto block = store.GetBlockByHeight(h);
    EXPECT_TRUE(block.ok() && block->has_value());
    if (!block.ok() || !block->has_value()) return top;
    for (const SignedTransaction& stx : (*block)->txs()) {
      auto rec = store.GetTransaction(TxHash(stx));
      EXPECT_TRUE(rec.ok() && rec->has_value());
    }
    EXPECT_EQ(*store.GetStorage(Addr('c'), absl::StrCat("k", h)),
              std::string(1000, 'v'));
    EXPECT_EQ(store.QueryEvents({.from_height = h, .to_height = h})->size(),
              1u);
  }
  EXPECT_EQ(*store.GetStorage(Addr('c'), "count"), absl::StrCat(top));
  EXPECT_EQ(*store.GetBlockByHeight(top + 1), std::nullopt);
  EXPECT_EQ(*store.GetStorage(Addr('c'), absl::StrCat("k", top + 1)),
            std::nullopt);
  EXPECT_EQ(*store.GetTransaction(
                TxHash(ChainBuilder::MakeTx(top + 1, 0, TxSpec().method))),
            std::nullopt);
  EXPECT_TRUE(store.QueryEvents({.from_height = top + 1})->empty());
  return top;
}

class FaultTest : public ::testing::Test {
 protected:
  FaultTest()
      : mem_(leveldb::NewMemEnv(leveldb::Env::Default())),
        faulty_(mem_.get()) {}

  std::unique_ptr<Store> Open(leveldb::Env* env) {
    StoreOptions options;
    options.env = env;
    auto store = Store::Open(kDir, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::unique_ptr<leveldb::Env> mem_;
  FaultyEnv faulty_;
};

TEST_F(FaultTest, FailedAppendKeepsThePreviousHead) {
  for (bool torn : {false, true}) {
    SCOPED_TRACE(torn ? "torn append" : "failed append");
    std::unique_ptr<leveldb::Env> mem(
        leveldb::NewMemEnv(leveldb::Env::Default()));
    FaultyEnv faulty(mem.get());
    faulty.SetTornAppends(torn);
    auto store = Open(&faulty);
    ASSERT_NE(store, nullptr);
    ChainBuilder chain;
    for (int i = 0; i < 3; ++i) {
      BlockCommit c = NextBlock(chain);
      ASSERT_TRUE(store->CommitBlock(c).ok());
      chain.Accept(c);
    }
    const std::string digest = *store->StateDigest();

    faulty.SetBudget(0);  // the disk dies
    absl::Status s = store->CommitBlock(NextBlock(chain));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_THAT(s.message(),
                ::testing::HasSubstr("commit block 4: write batch"));
    // The open store still reads the previous head...
    EXPECT_EQ(RenderHead(*store), "3");
    EXPECT_EQ(*store->StateDigest(), digest);
    // ...and refuses further writes, even on a healed disk, until reopened.
    faulty.SetBudget(-1);
    s = store->CommitBlock(NextBlock(chain));
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(s.message(), ::testing::HasSubstr("reopen it"));
    store.reset();

    store = Open(mem.get());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(ExpectConsistent(*store), 3u);
    EXPECT_EQ(*store->StateDigest(), digest);
    chain = ChainBuilder::FromStore(*store);
    EXPECT_TRUE(store->CommitBlock(NextBlock(chain)).ok());
  }
}

TEST_F(FaultTest, FailedSyncCommitsAllOrNothing) {
  auto store = Open(&faulty_);
  ASSERT_NE(store, nullptr);
  ChainBuilder chain;
  BlockCommit c = NextBlock(chain);
  ASSERT_TRUE(store->CommitBlock(c).ok());
  chain.Accept(c);
  // The log record is written (header + payload appends, a flush), then the
  // sync fails: the caller must treat the block as not committed, though it
  // may be found after a restart.
  faulty_.SetBudget(3);
  absl::Status s = store->CommitBlock(NextBlock(chain));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), ::testing::HasSubstr("sync"));
  store.reset();
  store = Open(mem_.get());
  ASSERT_NE(store, nullptr);
  const uint64_t head = ExpectConsistent(*store);
  EXPECT_TRUE(head == 1 || head == 2) << head;
}

// Sweeps the failure point over every write operation of opening a store
// and committing five blocks: whatever fails, reopening finds the last
// acknowledged block or the one being committed, complete.
TEST_F(FaultTest, EveryFailurePointLeavesACommittedHead) {
  int sweeps_with_fault = 0;
  for (int64_t budget = 0;; ++budget) {
    SCOPED_TRACE(absl::StrCat("budget ", budget));
    std::unique_ptr<leveldb::Env> mem(
        leveldb::NewMemEnv(leveldb::Env::Default()));
    FaultyEnv faulty(mem.get());
    faulty.SetBudget(budget);
    faulty.SetTornAppends(budget % 2 == 1);
    uint64_t acknowledged = 0;
    {
      StoreOptions options;
      options.env = &faulty;
      auto store = Store::Open(kDir, options);
      if (store.ok()) {
        ChainBuilder chain;
        for (int i = 0; i < 5; ++i) {
          BlockCommit c = NextBlock(chain);
          if (!(*store)->CommitBlock(c).ok()) break;
          chain.Accept(c);
          acknowledged = c.block.header().height();
        }
      }
    }
    if (faulty.faults() == 0) break;  // the budget outlasted the workload
    ++sweeps_with_fault;
    auto store = Open(mem.get());
    ASSERT_NE(store, nullptr);
    const uint64_t head = ExpectConsistent(*store);
    EXPECT_TRUE(head == acknowledged || head == acknowledged + 1)
        << "head " << head << ", acknowledged " << acknowledged;
  }
  EXPECT_GT(sweeps_with_fault, 10);
}

}  // namespace
}  // namespace ballast::ledger
