// The mempool's nonce rules against a real store: gaps wait, reused nonces
// and duplicates are refused with the next nonce named, limits hold, and
// Select hands out runs of consecutive nonces in arrival order.

#include "node/mempool.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "tests/node/chain_fixture.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

class MempoolTest : public ::testing::Test {
 protected:
  ledger::SignedTransaction Tx(const KeyPair& key, uint64_t nonce,
                               uint64_t gas = 1'000'000) {
    ledger::Transaction tx;
    tx.set_chain_id("test-chain");
    tx.set_nonce(nonce);
    tx.set_gas_limit(gas);
    tx.mutable_call()->set_contract(std::string(20, 'c'));
    tx.mutable_call()->set_method("noop");
    return SignTx(key, tx);
  }

  absl::Status Add(Mempool& pool, const ledger::SignedTransaction& stx) {
    auto checked = chain_.executor().CheckTransaction(stx);
    if (!checked.ok()) return checked.status();
    return pool.Add(stx, *checked);
  }

  // "sender:nonce" of each selected tx, sender as a, b, ...
  std::string Selected(Mempool& pool, size_t max_txs = 100,
                       uint64_t max_gas = 1'000'000'000) {
    auto txs = pool.Select(max_txs, max_gas);
    EXPECT_TRUE(txs.ok()) << txs.status();
    std::string out;
    for (const PendingTx& p : *txs) {
      if (!out.empty()) out += " ";
      out += p.checked.sender == AddressOf(alice_) ? "a" : "b";
      out += std::to_string(p.checked.tx.nonce());
    }
    return out;
  }

  TestChain chain_;
  KeyPair alice_ = DevKey('a');
  KeyPair bob_ = DevKey('b');
};

TEST_F(MempoolTest, GapsWaitUntilFilled) {
  Mempool pool(&chain_.store());
  ASSERT_TRUE(Add(pool, Tx(alice_, 2)).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 1)).ok());
  EXPECT_EQ(Selected(pool), "");
  EXPECT_EQ(pool.NextNonce(AddressOf(alice_), 0), 0u);
  ASSERT_TRUE(Add(pool, Tx(alice_, 0)).ok());
  EXPECT_EQ(pool.NextNonce(AddressOf(alice_), 0), 3u);
  EXPECT_EQ(Selected(pool), "a0 a1 a2");
  EXPECT_EQ(pool.size(), 3u);  // until removed
}

TEST_F(MempoolTest, ReusedNoncesAndDuplicatesAreRefused) {
  Mempool pool(&chain_.store());
  ledger::SignedTransaction t0 = Tx(alice_, 0);
  ASSERT_TRUE(Add(pool, t0).ok());
  absl::Status dup = Add(pool, t0);
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.message(), HasSubstr("is already pending"));
  absl::Status taken = Add(pool, Tx(alice_, 0, 2'000'000));
  EXPECT_EQ(taken.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(taken.message(), HasSubstr("nonce 0 already used (next is 1)"));

  // Commit nonce 0 and remove it: the nonce is used for good now.
  ASSERT_TRUE(chain_.Commit({t0}).ok());
  pool.Remove({ledger::TxHash(t0)});
  EXPECT_EQ(pool.size(), 0u);
  absl::Status used = Add(pool, Tx(alice_, 0, 3'000'000));
  EXPECT_EQ(used.message(), "nonce 0 already used (next is 1)");
  absl::Status again = Add(pool, t0);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("already committed in block 1"));
}

TEST_F(MempoolTest, LimitsHold) {
  Mempool pool(
      &chain_.store(),
      MempoolOptions{.capacity = 3, .max_per_sender = 2, .max_nonce_gap = 5});
  ASSERT_TRUE(Add(pool, Tx(alice_, 0)).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 1)).ok());
  EXPECT_EQ(Add(pool, Tx(alice_, 2)).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Add(pool, Tx(bob_, 6)).message(), HasSubstr("too far ahead"));
  ASSERT_TRUE(Add(pool, Tx(bob_, 5)).ok());
  absl::Status full = Add(pool, Tx(bob_, 0));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("mempool is full"));
}

// Transactions are up to 1 MiB each: the pool also bounds their bytes.
TEST_F(MempoolTest, ByteBudgetHolds) {
  auto size = [](const ledger::SignedTransaction& stx) {
    return stx.tx().size() + stx.signature().size();
  };
  ledger::SignedTransaction a0 = Tx(alice_, 0), a1 = Tx(alice_, 1);
  ledger::SignedTransaction b0 = Tx(bob_, 0);
  const size_t budget = size(a0) + size(a1) + size(b0) - 1;
  Mempool pool(&chain_.store(), MempoolOptions{.max_bytes = budget});
  ASSERT_TRUE(Add(pool, a0).ok());
  ASSERT_TRUE(Add(pool, a1).ok());
  EXPECT_EQ(pool.bytes(), size(a0) + size(a1));
  absl::Status full = Add(pool, b0);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(),
            StrCat("mempool is full (", size(a0) + size(a1), " of ", budget,
                   " bytes of transactions used); retry later"));
  // Bytes come back when transactions leave: by Remove, and when Select
  // prunes a stale one.
  pool.Remove({ledger::TxHash(a1)});
  EXPECT_EQ(pool.bytes(), size(a0));
  ASSERT_TRUE(Add(pool, b0).ok());
  ASSERT_TRUE(chain_.Commit({a0}).ok());
  EXPECT_EQ(Selected(pool), "b0");
  EXPECT_EQ(pool.bytes(), size(b0));
  pool.Remove({ledger::TxHash(b0)});
  EXPECT_EQ(pool.bytes(), 0u);
  EXPECT_EQ(pool.size(), 0u);
}

// Waiting for a gap costs a sender nothing, so each sender may have only a
// few transactions waiting; ready ones are not counted.
TEST_F(MempoolTest, WaitingTransactionsPerSenderAreCapped) {
  Mempool pool(&chain_.store(), MempoolOptions{.max_waiting_per_sender = 2});
  ASSERT_TRUE(Add(pool, Tx(alice_, 2)).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 3)).ok());
  absl::Status capped = Add(pool, Tx(alice_, 5));
  EXPECT_EQ(capped.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(capped.message(),
            StrCat("sender 0x", ToHex(AddressOf(alice_)),
                   " already has 2 transactions waiting for nonce 0 (at "
                   "most 2); send nonce 0 first"));
  // Other senders are not affected.
  ASSERT_TRUE(Add(pool, Tx(bob_, 1)).ok());
  // Nonce 0 is ready, not waiting; 2 and 3 still wait for 1.
  ASSERT_TRUE(Add(pool, Tx(alice_, 0)).ok());
  EXPECT_THAT(Add(pool, Tx(alice_, 4)).message(),
              HasSubstr("waiting for nonce 1"));
  // Filling the gap makes them ready: room to wait again.
  ASSERT_TRUE(Add(pool, Tx(alice_, 1)).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 5)).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 6)).ok());
  EXPECT_EQ(Add(pool, Tx(alice_, 7)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Selected(pool), "a0 a1 a2 a3");
}

TEST_F(MempoolTest, SelectInterleavesSendersWithinBlockLimits) {
  Mempool pool(&chain_.store());
  ASSERT_TRUE(Add(pool, Tx(alice_, 0)).ok());
  ASSERT_TRUE(Add(pool, Tx(bob_, 0)).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 1)).ok());
  ASSERT_TRUE(Add(pool, Tx(bob_, 1, 5'000'000)).ok());
  EXPECT_EQ(Selected(pool), "a0 b0 a1 b1");
  EXPECT_EQ(Selected(pool, 3), "a0 b0 a1");
  // b1 does not fit in 4.5M gas; nothing of bob's after it may go either.
  EXPECT_EQ(Selected(pool, 100, 4'500'000), "a0 b0 a1");
}

TEST_F(MempoolTest, StaleTransactionsArePruned) {
  Mempool pool(&chain_.store());
  ledger::SignedTransaction t0 = Tx(alice_, 0);
  ASSERT_TRUE(Add(pool, t0).ok());
  ASSERT_TRUE(Add(pool, Tx(alice_, 1)).ok());
  // Nonce 0 commits through another path (as if raced); the pool's copy is
  // now stale and is dropped at the next Select.
  ASSERT_TRUE(chain_.Commit({t0}).ok());
  EXPECT_EQ(Selected(pool), "a1");
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_FALSE(pool.Find(ledger::TxHash(t0)).has_value());
}

}  // namespace
}  // namespace ballast::node
