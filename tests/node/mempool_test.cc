// The mempool's nonce rules against a real store: gaps wait, reused nonces
// and duplicates are refused with the next nonce named, limits hold, and
// Select hands out runs of consecutive nonces in arrival order. The
// admission policy (mempool.h): floods of waiting, max-size and replacing
// transactions, from one key or many, never keep out an honest sender's
// ready transaction, and a ready flood drains at block speed.

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
                               uint64_t gas = 1'000'000, size_t input_size = 0,
                               char fill = 'i') {
    ledger::Transaction tx;
    tx.set_chain_id("test-chain");
    tx.set_nonce(nonce);
    tx.set_gas_limit(gas);
    tx.mutable_call()->set_contract(std::string(20, 'c'));
    tx.mutable_call()->set_method("noop");
    tx.mutable_call()->set_input(std::string(input_size, fill));
    return SignTx(key, tx);
  }

  // A transaction of about kMaxTxBytes, the largest the node takes.
  ledger::SignedTransaction BigTx(const KeyPair& key, uint64_t nonce,
                                  char fill = 'i') {
    return Tx(key, nonce, 1'000'000, kMaxTxBytes - 256, fill);
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

  // The i-th of many distinct keys (i < 2^24).
  static KeyPair ManyKey(uint32_t i) {
    std::string seed(32, 'k');
    seed[0] = static_cast<char>(i >> 16);
    seed[1] = static_cast<char>(i >> 8);
    seed[2] = static_cast<char>(i);
    return *KeyPairFromSeed(seed);
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

// Admission costs constant work per transaction when a sender's nonces
// come in order: recounting the sender's whole run on each one made a run of
// k cost k^2 / 2 steps under the pool's lock (2,000,000 for this run of
// 2,000; max_per_sender is 10,000). A gap that fills takes in the waiting
// ones once.
TEST_F(MempoolTest, AddingARunInOrderWalksEachTransactionOnce) {
  Mempool pool(&chain_.store());
  constexpr uint64_t kRun = 2000;
  for (uint64_t nonce = 0; nonce < kRun; ++nonce) {
    ASSERT_TRUE(Add(pool, Tx(alice_, nonce)).ok()) << nonce;
  }
  EXPECT_EQ(pool.NextNonce(AddressOf(alice_), 0), kRun);
  EXPECT_LE(pool.WalkedForTesting(), 2 * kRun);

  const size_t before = pool.WalkedForTesting();
  for (uint64_t nonce = 10; nonce < 74; ++nonce) {  // 64 wait
    ASSERT_TRUE(Add(pool, Tx(bob_, nonce)).ok()) << nonce;
  }
  EXPECT_EQ(pool.waiting(), 64u);
  for (uint64_t nonce = 0; nonce < 10; ++nonce) {
    ASSERT_TRUE(Add(pool, Tx(bob_, nonce)).ok()) << nonce;
  }
  EXPECT_EQ(pool.waiting(), 0u);
  EXPECT_EQ(pool.NextNonce(AddressOf(bob_), 0), 74u);
  EXPECT_LE(pool.WalkedForTesting() - before, 2 * 74u);
  EXPECT_EQ(pool.size(), kRun + 74);
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
  // The pool is full, but bob 5 only waits: the ready bob 0 evicts it.
  ASSERT_TRUE(Add(pool, Tx(bob_, 0)).ok());
  EXPECT_EQ(pool.waiting(), 0u);
  EXPECT_EQ(Selected(pool), "a0 a1 b0");
  // With nothing waiting, a ready transaction is refused.
  absl::Status full = Add(pool, Tx(bob_, 1));
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
  Mempool pool(&chain_.store(),
               MempoolOptions{.max_bytes = budget, .max_sender_bytes = budget});
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

// 64 gapped max-size transactions from one key filled the 64 MiB pool until
// a restart; replacing them is refused as well. Now the key holds at most a
// quarter of the pool and an honest max-size transaction gets in.
TEST_F(MempoolTest, GappedAndReplacedFloodFromOneKeyLeavesRoom) {
  Mempool pool(&chain_.store());
  const KeyPair mallory = DevKey('m');
  size_t refused = 0;
  for (uint64_t nonce = 1; nonce <= 64; ++nonce) {
    absl::Status s = Add(pool, BigTx(mallory, nonce));
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
      ++refused;
    }
    // Replacing a pending transaction is refused.
    absl::Status replace = Add(pool, BigTx(mallory, nonce, 'r'));
    EXPECT_EQ(replace.code(), s.ok() ? absl::StatusCode::kInvalidArgument
                                     : absl::StatusCode::kResourceExhausted);
  }
  EXPECT_GT(refused, 0u);
  EXPECT_LE(pool.bytes(), (64u << 20) / 4);
  ASSERT_TRUE(Add(pool, BigTx(alice_, 0)).ok());
  EXPECT_EQ(Selected(pool), "a0");
}

// The same from many keys: waiting transactions take at most a quarter of
// the pool's bytes, so the honest sender's max-size transactions get in.
TEST_F(MempoolTest, GappedFloodFromManyKeysLeavesRoom) {
  Mempool pool(&chain_.store());
  for (uint32_t i = 0; i < 64; ++i) {
    absl::Status s = Add(pool, BigTx(ManyKey(i), 1 + i % 3));
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
    }
  }
  EXPECT_LE(pool.bytes(), (64u << 20) / 4);
  for (uint64_t nonce = 0; nonce < 8; ++nonce) {
    ASSERT_TRUE(Add(pool, BigTx(alice_, nonce)).ok()) << nonce;
  }
}

// Ready max-size transactions from one key: at most a quarter of the pool.
TEST_F(MempoolTest, ReadyFloodFromOneKeyHoldsItsShare) {
  Mempool pool(&chain_.store());
  const KeyPair mallory = DevKey('m');
  size_t admitted = 0;
  for (uint64_t nonce = 0; nonce < 64; ++nonce) {
    absl::Status s = Add(pool, BigTx(mallory, nonce));
    if (s.ok()) {
      ++admitted;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
      EXPECT_THAT(s.message(), HasSubstr("per sender"));
      break;
    }
  }
  const ledger::SignedTransaction one = BigTx(mallory, 0);
  const size_t size = one.tx().size() + one.signature().size();
  EXPECT_EQ(admitted, ((64u << 20) / 4) / size);  // a quarter of 64 MiB
  ASSERT_TRUE(Add(pool, BigTx(alice_, 0)).ok());
}

// When the pool is full, waiting transactions are evicted (of the sender
// holding the most waiting bytes, highest nonce first) before a ready one
// is refused.
TEST_F(MempoolTest, WaitingAreEvictedBeforeReadyIsRefused) {
  Mempool pool(&chain_.store(),
               MempoolOptions{.capacity = 6, .max_waiting = 6});
  for (uint64_t nonce = 1; nonce <= 4; ++nonce) {
    ASSERT_TRUE(Add(pool, Tx(bob_, nonce)).ok());
  }
  ASSERT_TRUE(Add(pool, Tx(DevKey('c'), 1)).ok());
  ASSERT_TRUE(Add(pool, Tx(DevKey('c'), 2)).ok());
  EXPECT_EQ(pool.waiting(), 6u);
  for (uint64_t nonce = 0; nonce < 6; ++nonce) {
    ASSERT_TRUE(Add(pool, Tx(alice_, nonce)).ok()) << nonce;
  }
  EXPECT_EQ(pool.waiting(), 0u);
  EXPECT_EQ(pool.size(), 6u);
  EXPECT_EQ(Add(pool, Tx(alice_, 6)).code(),
            absl::StatusCode::kResourceExhausted);
  // All six waiting ones were evicted, none of alice's refused.
  EXPECT_EQ(Selected(pool), "a0 a1 a2 a3 a4 a5");
}

// Waiting transactions are capped in all (1024) and the sender holding the
// most of them gives way to one holding fewer; they expire after
// waiting_lifetime.
TEST_F(MempoolTest, WaitingAreCappedInAllAndExpire) {
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  Mempool pool(&chain_.store(),
               MempoolOptions{.clock = [&now] { return now; }});
  // 17 keys x 64 waiting > 1024.
  for (uint32_t i = 0; i < 17; ++i) {
    for (uint64_t nonce = 1; nonce <= 64; ++nonce) {
      absl::Status s = Add(pool, Tx(ManyKey(i), nonce));
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
        EXPECT_THAT(s.message(), HasSubstr("waiting for earlier nonces"));
      }
    }
  }
  EXPECT_EQ(pool.waiting(), 1024u);
  // An honest sender's one waiting transaction evicts one of the top
  // holder's, and its ready one needs no room from anyone.
  ASSERT_TRUE(Add(pool, Tx(alice_, 1)).ok());
  EXPECT_EQ(pool.waiting(), 1024u);
  ASSERT_TRUE(Add(pool, Tx(alice_, 0)).ok());
  EXPECT_EQ(pool.waiting(), 1023u);
  EXPECT_EQ(Selected(pool), "a0 a1");

  // Ten minutes later the waiting ones have expired; the ready ones stay.
  now += absl::Minutes(10) - absl::Seconds(1);
  EXPECT_EQ(Selected(pool), "a0 a1");
  EXPECT_EQ(pool.size(), 1025u);
  now += absl::Seconds(1);
  EXPECT_EQ(Selected(pool), "a0 a1");
  EXPECT_EQ(pool.waiting(), 0u);
  EXPECT_EQ(pool.size(), 2u);
}

// A ready flood from many keys: the pool is full of transactions that can
// all run. It drains at block speed, and once the honest transaction is in,
// it is selected within the documented bound (mempool.h):
//   ceil(N / max_block_txs) + ceil(2 G / block_gas_limit) + 1 blocks.
TEST_F(MempoolTest, ReadyFloodFromManyKeysDrainsWithinTheBound) {
  constexpr size_t kBlockTxs = 20;
  constexpr uint64_t kBlockGas = 10'000'000;
  Mempool pool(&chain_.store(), MempoolOptions{.capacity = 200,
                                               .block_gas_limit = kBlockGas,
                                               .max_gas_blocks = 64});
  // 400 keys, one ready transaction each; half of them with half a block's
  // gas (the worst for packing), the rest small.
  std::vector<ledger::SignedTransaction> flood;
  for (uint32_t i = 0; i < 400; ++i) {
    flood.push_back(Tx(ManyKey(i), 0, i % 2 == 0 ? kBlockGas / 2 : 100'000, 0));
  }
  auto submit_flood = [&] {
    std::vector<ledger::SignedTransaction> refused;
    for (const auto& stx : flood) {
      if (!Add(pool, stx).ok()) refused.push_back(stx);
    }
    flood = std::move(refused);
  };
  submit_flood();
  ASSERT_EQ(pool.size(), 200u);
  const ledger::SignedTransaction honest = Tx(alice_, 0, kBlockGas / 2);
  EXPECT_EQ(Add(pool, honest).code(), absl::StatusCode::kResourceExhausted);

  std::optional<int> admitted_at;
  uint64_t bound = 0;
  for (int block = 1; block <= 100; ++block) {
    auto txs = pool.Select(kBlockTxs, kBlockGas);
    ASSERT_TRUE(txs.ok());
    // Block speed: each block takes as much as its limits allow.
    uint64_t gas = 0;
    std::vector<std::string> hashes;
    bool honest_in = false;
    for (const PendingTx& p : *txs) {
      gas += p.checked.tx.gas_limit();
      hashes.push_back(p.checked.hash);
      honest_in |= p.checked.sender == AddressOf(alice_);
    }
    EXPECT_TRUE(txs->size() == kBlockTxs || gas > kBlockGas / 2) << block;
    pool.Remove(hashes);
    if (honest_in) {
      ASSERT_TRUE(admitted_at.has_value());
      EXPECT_LE(static_cast<uint64_t>(block - *admitted_at), bound);
      return;
    }
    if (!admitted_at.has_value()) {
      // The honest client retries after each block, the flood too.
      const size_t n = pool.size();
      uint64_t g = 0;
      auto pending = pool.Select(1000, UINT64_MAX);
      ASSERT_TRUE(pending.ok());
      for (const PendingTx& p : *pending) g += p.checked.tx.gas_limit();
      if (Add(pool, honest).ok()) {
        admitted_at = block;
        bound = (n + kBlockTxs - 1) / kBlockTxs +
                (2 * g + kBlockGas - 1) / kBlockGas + 1;
      }
    }
    submit_flood();
  }
  FAIL() << "the honest transaction was never selected";
}

}  // namespace
}  // namespace ballast::node
