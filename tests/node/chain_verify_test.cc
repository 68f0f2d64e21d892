// Chain verification (node/chain_verify.h): a chain built by the executor
// re-executes to the same roots; a block whose committed state, receipts or
// transactions differ from what its transactions do is found, at its height,
// with the first differing receipt field or state key named; a store whose
// state is not what its blocks wrote is found though every header matches.

#include "node/chain_verify.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "leveldb/db.h"
#include "tests/node/chain_fixture.h"
#include "tests/testing/temp_dir.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

class ChainVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger::Receipt r =
        chain_.Submit(chain_.Deploy(alice_, "probe", InitProbe("init")));
    ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    probe_ = r.contract_address();
    for (int i = 0; i < 3; ++i) {
      r = chain_.Submit(chain_.CallTx(bob_, probe_, "store",
                                      StoreInput("k", std::to_string(i))));
      ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    }
  }

  absl::StatusOr<VerifyReport> Verify() {
    VerifyOptions options;
    options.replica_dir = tmp_.path() + "/replica" + std::to_string(runs_++);
    return VerifyChain(chain_.store(), options);
  }

  // Builds the next block of one store call as a producer would, lets
  // `tamper` change what it commits, then seals it again (roots and the
  // producer's signature) and commits it: a block whose header is
  // consistent and signed, but whose contents its transactions do not give.
  void CommitTampered(const std::function<void(ledger::BlockCommit&)>& tamper) {
    ledger::SignedTransaction tx =
        chain_.CallTx(bob_, probe_, "store", StoreInput("k", "honest"));
    auto commit =
        chain_.executor().BuildBlock({tx}, 1'800'000'000'000, producer_);
    ASSERT_TRUE(commit.ok()) << commit.status();
    tamper(*commit);
    ledger::BlockHeader* h = commit->block.mutable_header();
    h->set_receipts_root(ledger::ComputeReceiptsRoot(commit->receipts));
    auto root = chain_.store().ComputeStateRoot(commit->changes);
    ASSERT_TRUE(root.ok()) << root.status();
    h->set_state_root(*root);
    commit->block.clear_signatures();
    ledger::BlockSignature* sig = commit->block.add_signatures();
    sig->set_pubkey(producer_.public_key);
    sig->set_signature(Sign(producer_, ledger::BlockHash(*h)));
    ASSERT_TRUE(chain_.store().CommitBlock(*commit).ok());
  }

  TestChain chain_;
  test::TempDir tmp_{"ballast-verify"};
  int runs_ = 0;
  KeyPair alice_ = DevKey('a');
  KeyPair bob_ = DevKey('b');
  KeyPair producer_ = DevKey('p');
  std::string probe_;
};

TEST_F(ChainVerifyTest, AnHonestChainReExecutesToTheSameRoots) {
  auto report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->blocks_verified, 4u);
  EXPECT_FALSE(report->divergence.has_value()) << report->divergence->detail;
}

TEST_F(ChainVerifyTest, AStateWriteTheTransactionsDidNotMakeIsFound) {
  CommitTampered([&](ledger::BlockCommit& c) {
    c.changes.storage[{probe_, "k"}] = "evil";
  });
  auto report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->divergence.has_value());
  EXPECT_EQ(report->divergence->height, 5u);
  EXPECT_EQ(report->divergence->what, "state_root");
  EXPECT_EQ(report->blocks_verified, 4u);
  EXPECT_THAT(report->divergence->detail,
              HasSubstr("first differing key: " +
                        ("table 's' key 0x" + ToHex(probe_) + ToHex("k")) +
                        ": " + ToHex("evil") + " in the source, " +
                        ToHex("honest") + " re-executed"));
}

TEST_F(ChainVerifyTest, AnExtraStateWriteIsFound) {
  CommitTampered([&](ledger::BlockCommit& c) {
    c.changes.storage[{probe_, "extra"}] = "x";
  });
  auto report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->divergence.has_value());
  EXPECT_EQ(report->divergence->what, "state_root");
  EXPECT_THAT(report->divergence->detail,
              HasSubstr("the source's block wrote other keys as well"));
}

TEST_F(ChainVerifyTest, AReceiptTheTransactionsDidNotGiveIsFound) {
  uint64_t honest_gas = 0;
  CommitTampered([&](ledger::BlockCommit& c) {
    honest_gas = c.receipts[0].gas_used();
    c.receipts[0].set_gas_used(honest_gas - 1);
  });
  auto report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->divergence.has_value());
  EXPECT_EQ(report->divergence->height, 5u);
  EXPECT_EQ(report->divergence->what, "receipts_root");
  EXPECT_THAT(report->divergence->detail,
              HasSubstr("gas_used " + std::to_string(honest_gas - 1) +
                        " in the source, " + std::to_string(honest_gas) +
                        " re-executed"));
}

// A store that kept its last block but lost that block's state write, as a
// torn batch would leave it: every header re-executes to its roots, but the
// state is not the replica's.
TEST_F(ChainVerifyTest, StateTheLastBlockWroteButTheStoreLostIsFound) {
  // SetUp's last block (4) stored "2" under "k" over "1"; put "1" back.
  chain_.Reopen([&] {
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), chain_.dir(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(),
                        ledger::keys::StorageKey(probe_, "k"), "1")
                    .ok());
  });
  auto report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->blocks_verified, 4u);
  ASSERT_TRUE(report->divergence.has_value());
  EXPECT_EQ(report->divergence->height, 4u);
  EXPECT_EQ(report->divergence->what, "state");
  EXPECT_THAT(report->divergence->detail,
              HasSubstr("state (accounts, contracts, code and storage) after "
                        "block 4 is not the replica's"));
  EXPECT_THAT(
      report->divergence->detail,
      HasSubstr("first differing key: table 's' key 0x" +
                ToHex(ledger::keys::StorageKey(probe_, "k").substr(1)) + ": " +
                ToHex("1") + " in the source, " + ToHex("2") + " re-executed"));
}

}  // namespace
}  // namespace ballast::node
