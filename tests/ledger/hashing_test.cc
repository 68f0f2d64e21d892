// Specification of the chain's hashes (ledger/hashing.h) and the state root
// hash chain (ledger/state_changes.h).

#include "ledger/hashing.h"

#include <set>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/state_changes.h"
#include "tests/ledger/test_util.h"

namespace ballast::ledger {
namespace {

using ::ballast::ledger::testing::Addr;

SignedTransaction Stx(const std::string& tx) {
  SignedTransaction stx;
  stx.set_tx(tx);
  stx.set_signature(std::string(64, 's'));
  return stx;
}

google::protobuf::RepeatedPtrField<SignedTransaction> Txs(int n) {
  google::protobuf::RepeatedPtrField<SignedTransaction> txs;
  for (int i = 0; i < n; ++i) *txs.Add() = Stx(std::string(1, 'a' + i));
  return txs;
}

std::string Leaf(const std::string& tx) {
  return Sha256(std::string(1, '\0') + Sha256(tx));
}
std::string Node(const std::string& l, const std::string& r) {
  return Sha256("\x01" + l + r);
}

TEST(HashingTest, TxHashIsSha256OfTheSignedBytes) {
  EXPECT_EQ(TxHash(Stx("abc")), Sha256("abc"));
  // The signature is not covered.
  SignedTransaction other = Stx("abc");
  other.set_signature(std::string(64, 't'));
  EXPECT_EQ(TxHash(other), TxHash(Stx("abc")));
}

TEST(HashingTest, BlockHashCoversTheHeaderDeterministically) {
  BlockHeader h;
  h.set_chain_id("c");
  h.set_height(7);
  h.set_parent_hash(std::string(32, 'p'));
  EXPECT_EQ(BlockHash(h), Sha256(SerializeDeterministic(h)));
  EXPECT_EQ(SerializeDeterministic(h), h.SerializeAsString());
  BlockHeader h2 = h;
  h2.set_time_ms(1);
  EXPECT_NE(BlockHash(h), BlockHash(h2));
  EXPECT_EQ(ToHex(BlockHash(BlockHeader())), ToHex(Sha256("")));
}

TEST(HashingTest, TxRootIsRfc6962MerkleTreeHash) {
  const std::string a = "a", b = "b", c = "c", d = "d", e = "e";
  EXPECT_EQ(ComputeTxRoot(Txs(0)), std::string(32, '\0'));
  EXPECT_EQ(ComputeTxRoot(Txs(1)), Leaf(a));
  EXPECT_EQ(ComputeTxRoot(Txs(2)), Node(Leaf(a), Leaf(b)));
  EXPECT_EQ(ComputeTxRoot(Txs(3)), Node(Node(Leaf(a), Leaf(b)), Leaf(c)));
  EXPECT_EQ(
      ComputeTxRoot(Txs(5)),
      Node(Node(Node(Leaf(a), Leaf(b)), Node(Leaf(c), Leaf(d))), Leaf(e)));
}

TEST(HashingTest, TxRootDependsOnOrder) {
  auto txs = Txs(2);
  auto swapped = txs;
  swapped.SwapElements(0, 1);
  EXPECT_NE(ComputeTxRoot(txs), ComputeTxRoot(swapped));
}

TEST(HashingTest, ReceiptsRootCommitsToEveryReceiptInOrder) {
  EXPECT_EQ(ComputeReceiptsRoot({}), ZeroHash());
  std::vector<Receipt> receipts(2);
  receipts[0].set_gas_used(100);
  receipts[1].set_gas_used(200);
  Event* e = receipts[1].add_events();
  e->set_name("Transfer");
  e->set_data("d");
  const std::string root = ComputeReceiptsRoot(receipts);
  EXPECT_EQ(root,
            MerkleRoot({ReceiptHash(receipts[0]), ReceiptHash(receipts[1])}));
  std::set<std::string> roots = {root};
  auto changed = [&](auto edit) {
    std::vector<Receipt> r = receipts;
    edit(r);
    roots.insert(ComputeReceiptsRoot(r));
  };
  changed([](auto& r) { std::swap(r[0], r[1]); });
  changed([](auto& r) { r[0].set_status(RECEIPT_STATUS_ABORTED); });
  changed([](auto& r) { r[0].set_gas_used(101); });
  changed([](auto& r) { r[1].mutable_events(0)->set_data("e"); });
  changed([](auto& r) { r[1].clear_events(); });
  changed([](auto& r) { r[1].set_output("x"); });
  EXPECT_EQ(roots.size(), 7u);
}

TEST(StateRootTest, StateWritesUseTheStoreKeys) {
  StateChanges ch;
  ch.storage[{Addr('c'), "k"}] = std::nullopt;
  ch.accounts[Addr('a')].set_nonce(3);
  std::string rendered;
  for (const auto& [key, value] : StateWrites(ch)) {
    rendered +=
        key.substr(0, 1) + (value ? "=" + ToHex(*value) : " deleted") + ";";
  }
  EXPECT_EQ(rendered, "a=0803;s deleted;");
}

}  // namespace
}  // namespace ballast::ledger
