// The bridge module hosted by the executor (node/executor.h, bridge/core/
// module.h): bridge messages are signed transactions of their own kind; a
// light client on chain B follows chain A's real 3-of-5 blocks; the
// bridge's records are in B's authenticated state and provable against B's
// header; a refused message writes nothing and keeps the gas it was charged.

#include <string>
#include <vector>

#include "bridge/core/bridge.pb.h"
#include "bridge/core/gas.h"
#include "bridge/core/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_at.h"
#include "ledger/state_proof.h"
#include "tests/node/chain_fixture.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

class BridgeHostTest : public ::testing::Test {
 protected:
  // Chain A's block at `height` as a light client takes it: the header and
  // the signatures of the given signers (indexes into A's signers), or all.
  bridge::SignedHeader HeaderOfA(const ledger::Block& block,
                                 std::vector<int> signers = {}) {
    bridge::SignedHeader out;
    *out.mutable_header() = block.header();
    if (signers.empty()) {
      *out.mutable_signatures() = block.signatures();
      return out;
    }
    for (int i : signers) *out.add_signatures() = block.signatures(i);
    return out;
  }

  // A block of A with some work in it (an empty chain's state root is the
  // empty tree's, all zero, which no light client accepts).
  ledger::Block CommitOnA() {
    std::vector<ledger::SignedTransaction> txs;
    if (probe_.empty()) {
      txs.push_back(a_.Deploy(alice_, "probe", InitProbe("a")));
      probe_ = ContractAddress(AddressOf(alice_), 0);
    } else {
      txs.push_back(a_.CallTx(alice_, probe_, "store",
                              StoreInput("n", std::to_string(++stores_))));
    }
    auto commit = a_.Commit(txs);
    EXPECT_TRUE(commit.ok()) << commit.status();
    return commit.ok() ? commit->block : ledger::Block();
  }

  // Creates on B a 3-of-5 client of A at A's latest block; returns its id.
  std::string CreateClientOfA(const ledger::Block& block) {
    bridge::Msg msg;
    bridge::CreateClient* create = msg.mutable_create_client();
    create->set_chain_id(a_.chain_id());
    for (const KeyPair& k : a_.signers()) {
      create->add_trusted_keys(k.public_key);
    }
    create->set_threshold(3);
    *create->mutable_header() = HeaderOfA(block);
    ledger::Receipt r = b_.Submit(b_.BridgeTx(relayer_, Bytes(msg)));
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    bridge::MsgResult result;
    EXPECT_TRUE(result.ParseFromString(r.output()));
    return result.client();
  }

  ledger::Receipt Update(const std::string& client,
                         const bridge::SignedHeader& header,
                         uint64_t gas = 10'000'000) {
    bridge::Msg msg;
    msg.mutable_update_client()->set_client(client);
    *msg.mutable_update_client()->mutable_header() = header;
    return b_.Submit(b_.BridgeTx(relayer_, Bytes(msg), gas));
  }

  bridge::ClientState ClientOnB(const std::string& client) {
    auto bytes = b_.store().GetBridge(bridge::ClientKey(client));
    EXPECT_TRUE(bytes.ok() && bytes->has_value());
    bridge::ClientState state;
    if (bytes.ok() && bytes->has_value()) {
      EXPECT_TRUE(state.ParseFromString(**bytes));
    }
    return state;
  }

  static std::string Bytes(const google::protobuf::Message& m) {
    return ledger::SerializeDeterministic(m);
  }

  TestChain a_{"chain-a", 5};
  TestChain b_{"chain-b"};
  KeyPair relayer_ = DevKey('r');
  KeyPair alice_ = DevKey('a');
  std::string probe_;  // on A
  int stores_ = 0;
};

TEST_F(BridgeHostTest, ALightClientOnBFollowsAThreeOfFiveChain) {
  const std::string client = CreateClientOfA(CommitOnA());
  EXPECT_EQ(client, "client-0");
  for (int i = 0; i < 4; ++i) {
    ledger::Block block = CommitOnA();
    // Any three of the five suffice; take a different three each time.
    ledger::Receipt r =
        Update(client, HeaderOfA(block, {i, (i + 2) % 5, (i + 4) % 5}));
    ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    // Charged: the transaction, the message and each signature.
    EXPECT_GE(r.gas_used(), kGasTxBase + bridge::kGasPerClientMessage +
                                3 * bridge::kGasPerSignature);
    bridge::ClientState state = ClientOnB(client);
    EXPECT_EQ(state.latest_height(), block.header().height());
    auto cs = b_.store().GetBridge(
        bridge::ConsensusKey(client, block.header().height()));
    ASSERT_TRUE(cs.ok() && cs->has_value());
    bridge::ConsensusState consensus;
    ASSERT_TRUE(consensus.ParseFromString(**cs));
    EXPECT_EQ(consensus.state_root(), block.header().state_root());
    EXPECT_EQ(consensus.block_hash(), ledger::BlockHash(block.header()));
  }
}

// The bridge's records are world state: B's header commits to them, and
// anyone holding that header can check a record with a state proof.
TEST_F(BridgeHostTest, TheBridgesRecordsAreProvableAgainstBsHeader) {
  const std::string client = CreateClientOfA(CommitOnA());
  auto head = b_.store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  auto block = b_.store().GetBlockByHeight((*head)->height);
  ASSERT_TRUE(block.ok() && block->has_value());
  const std::string& root = (*block)->header().state_root();

  const std::string raw_key = bridge::ClientKey(client);
  auto read = b_.store().state_tree().Get(
      (*head)->height,
      ledger::StateTreeKey(ledger::keys::Table::kBridge, raw_key));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->value.has_value());
  EXPECT_TRUE(ledger::VerifyStateProof(
                  root,
                  ledger::StateTreeKey(ledger::keys::Table::kBridge, raw_key),
                  *read->value, read->proof)
                  .ok());
  // The same bytes under a contract's storage key do not verify: the
  // bridge's namespace is its own.
  EXPECT_FALSE(ledger::VerifyStateProof(
                   root,
                   ledger::StateTreeKey(ledger::keys::Table::kStorage,
                                        std::string(20, '\0') + raw_key),
                   *read->value, read->proof)
                   .ok());
  // StateAt reads the record at that height.
  ledger::StateAt at(&b_.store().state_tree(), (*head)->height);
  auto record = at.GetBridge(raw_key);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ(**record, *read->value);
}

TEST_F(BridgeHostTest, ARefusedMessageWritesNothingAndKeepsItsGas) {
  const std::string client = CreateClientOfA(CommitOnA());
  ledger::Block block = CommitOnA();
  const uint64_t nonce = b_.nonce(relayer_);
  ledger::Receipt r = Update(client, HeaderOfA(block, {0, 4}));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("bridge: "));
  EXPECT_THAT(r.error(), HasSubstr("the threshold is 3"));
  // Its signatures were charged before they were checked.
  const uint64_t paid = r.gas_used();
  EXPECT_GE(paid, kGasTxBase + bridge::kGasPerClientMessage +
                      2 * bridge::kGasPerSignature);
  EXPECT_TRUE(r.events().empty());
  // Only the nonce moved.
  auto account = b_.store().GetAccount(AddressOf(relayer_));
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->nonce(), nonce + 1);
  EXPECT_EQ(ClientOnB(client).latest_height(), 1u);
  auto cs = b_.store().GetBridge(
      bridge::ConsensusKey(client, block.header().height()));
  ASSERT_TRUE(cs.ok());
  EXPECT_FALSE(cs->has_value());
}

TEST_F(BridgeHostTest, OutOfGasUsesTheWholeLimitAndWritesNothing) {
  const std::string client = CreateClientOfA(CommitOnA());
  ledger::Block block = CommitOnA();
  bridge::Msg msg;
  msg.mutable_update_client()->set_client(client);
  *msg.mutable_update_client()->mutable_header() = HeaderOfA(block);
  const uint64_t size = b_.BridgeTx(relayer_, Bytes(msg)).tx().size();
  --b_.nonce(relayer_);  // that one was only measured
  // Enough for the transaction and the message, not for five signatures.
  const uint64_t gas = kGasTxBase + kGasPerTxByte * (size + 2) +
                       bridge::kGasPerClientMessage +
                       4 * bridge::kGasPerSignature;
  ledger::Receipt r = Update(client, HeaderOfA(block), gas);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_OUT_OF_GAS) << r.error();
  EXPECT_THAT(r.error(), HasSubstr("header signatures"));
  EXPECT_EQ(r.gas_used(), gas);
  EXPECT_EQ(ClientOnB(client).latest_height(), 1u);
}

TEST_F(BridgeHostTest, MalformedBridgeMessagesNeverEnterABlock) {
  ledger::Transaction tx;
  tx.set_chain_id(b_.chain_id());
  tx.set_gas_limit(1'000'000);
  tx.set_bridge("\xff\xff\xff");
  auto checked = b_.executor().CheckTransaction(SignTx(relayer_, tx));
  EXPECT_EQ(checked.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(checked.status().message(), HasSubstr("does not parse"));

  tx.set_bridge("");  // a Msg naming no operation
  checked = b_.executor().CheckTransaction(SignTx(relayer_, tx));
  EXPECT_THAT(checked.status().message(), HasSubstr("names no operation"));
}

TEST_F(BridgeHostTest, OnlyTheClientsAdminChangesItsKeys) {
  const std::string client = CreateClientOfA(CommitOnA());
  bridge::Msg msg;
  bridge::SetTrustedKeys* keys = msg.mutable_set_trusted_keys();
  keys->set_client(client);
  keys->add_trusted_keys(DevKey('z').public_key);
  keys->set_threshold(1);
  const KeyPair mallory = DevKey('m');
  ledger::Receipt r = b_.Submit(b_.BridgeTx(mallory, Bytes(msg)));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("only its admin"));
  EXPECT_EQ(ClientOnB(client).trusted_keys_size(), 5);

  r = b_.Submit(b_.BridgeTx(relayer_, Bytes(msg)));  // the creator
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_EQ(ClientOnB(client).trusted_keys_size(), 1);
}

// Misbehaviour needs two blocks of one height signed by A's keys: a second
// chain with A's id and keys forks at height 2.
TEST_F(BridgeHostTest, EvidenceOfAForkFreezesTheClientForGood) {
  const std::string client = CreateClientOfA(CommitOnA());
  ledger::Block honest = CommitOnA();
  // Same id, same keys, same first block; another second block (one with
  // a transaction where A's has none).
  TestChain fork("chain-a", 5);
  ASSERT_TRUE(fork.Commit({fork.Deploy(alice_, "probe", InitProbe("a"))}).ok());
  fork.Submit(fork.CallTx(alice_, probe_, "store", StoreInput("n", "fork")));
  auto forked = fork.store().GetBlockByHeight(2);
  ASSERT_TRUE(forked.ok() && forked->has_value());
  ASSERT_NE(ledger::BlockHash((*forked)->header()),
            ledger::BlockHash(honest.header()));

  bridge::Msg msg;
  bridge::Misbehaviour* evidence = msg.mutable_misbehaviour();
  evidence->set_client(client);
  *evidence->mutable_first() = HeaderOfA(honest);
  *evidence->mutable_second() = HeaderOfA(**forked);
  ledger::Receipt r = b_.Submit(b_.BridgeTx(DevKey('w'), Bytes(msg)));
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_TRUE(ClientOnB(client).frozen());
  r = Update(client, HeaderOfA(CommitOnA()));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("frozen"));
}

}  // namespace
}  // namespace ballast::node
