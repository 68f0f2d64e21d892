// Packets between two in-process chains (bridge/core/channels.h), relayed
// by the test (bridge_coordinator.h) between two deployed ping-pong
// applications (contracts/testing/pingpong): the handshakes, a round trip
// with its acknowledgement, error acknowledgements, timeouts, and each
// attack a relayer or a user could try: replay, forged packets and proofs,
// forged absence, a callback called by someone else, an error
// acknowledgement bought with too little gas.

#include <string>
#include <vector>

#include "bridge/core/bridge.pb.h"
#include "bridge/core/channels.h"
#include "bridge/core/keys.h"
#include "contracts/testing/pingpong/pingpong.pb.h"
#include "contracts/testing/probe/probe.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/hashing.h"
#include "ledger/state_proof.h"
#include "tests/node/bridge_coordinator.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

class BridgePacketsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      TestChain& chain = c_.chain(i);
      ledger::Receipt r = chain.Submit(chain.Deploy(user_, "pingpong", ""));
      ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
      app_[i] = r.contract_address();
    }
  }

  void Link() {
    absl::Status s =
        c_.Link(bridge::PortOf(app_[0]), bridge::PortOf(app_[1]), "ping-1");
    ASSERT_TRUE(s.ok()) << s;
  }

  // `user_` pings on chain `on` through its channel; returns the receipt.
  ledger::Receipt Ping(int on, const std::string& data,
                       uint64_t timeout_height = 1000, int64_t timeout_ms = 0,
                       std::string channel = "") {
    pingpong::PingRequest req;
    req.set_channel(channel.empty() ? c_.side(on).channel : channel);
    req.set_data(data);
    req.set_timeout_height(timeout_height);
    req.set_timeout_ms(timeout_ms);
    TestChain& chain = c_.chain(on);
    return chain.Submit(
        chain.CallTx(user_, app_[on], "ping", req.SerializeAsString()));
  }

  bridge::Packet PingOne(int on, const std::string& data,
                         uint64_t timeout_height = 1000) {
    ledger::Receipt r = Ping(on, data, timeout_height);
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    std::vector<bridge::Packet> sent = Coordinator::SentPackets(r);
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? bridge::Packet() : sent[0];
  }

  pingpong::StateResponse State(int on) {
    auto out = c_.chain(on).executor().Query(app_[on], "state", "", 1'000'000);
    EXPECT_TRUE(out.ok() && out->status.ok());
    pingpong::StateResponse state;
    if (out.ok()) {
      EXPECT_TRUE(state.ParseFromString(out->output));
    }
    return state;
  }

  std::optional<std::string> Bridge(int on, const std::string& key) {
    auto v = c_.chain(on).store().GetBridge(key);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::nullopt;
  }

  TestChain a_{"chain-a", 5};  // 3-of-5 headers
  TestChain b_{"chain-b"};
  Coordinator c_{&a_, &b_};
  KeyPair user_ = DevKey('u');
  std::string app_[2];
};

TEST_F(BridgePacketsTest, APacketGoesAndItsAcknowledgementComesBack) {
  Link();
  EXPECT_EQ(c_.side(0).channel, "channel-0");
  bridge::Packet p = PingOne(0, "hi");
  EXPECT_EQ(p.sequence(), 1u);
  EXPECT_EQ(p.source_port(), bridge::PortOf(app_[0]));
  EXPECT_EQ(p.destination_port(), bridge::PortOf(app_[1]));
  EXPECT_EQ(p.destination_channel(), c_.side(1).channel);
  // Committed on A under its sequence.
  EXPECT_EQ(
      Bridge(0, bridge::CommitmentKey(p.source_port(), p.source_channel(), 1)),
      bridge::PacketCommitment(p));

  ledger::Receipt got = c_.Recv(0, p);
  ASSERT_EQ(got.status(), ledger::RECEIPT_STATUS_SUCCESS) << got.error();
  bridge::Acknowledgement ack = Coordinator::WrittenAck(got);
  pingpong::Pong pong;
  ASSERT_TRUE(pong.ParseFromString(ack.result()));
  EXPECT_EQ(pong.reply(), "pong:hi");
  EXPECT_EQ(State(1).received(), 1u);
  EXPECT_EQ(State(1).last_data(), "hi");

  ledger::Receipt done = c_.Acknowledge(0, p, ack);
  ASSERT_EQ(done.status(), ledger::RECEIPT_STATUS_SUCCESS) << done.error();
  EXPECT_EQ(State(0).acked(), 1u);
  EXPECT_EQ(State(0).last_ack(), ack.result());
  // No longer in flight.
  EXPECT_FALSE(
      Bridge(0, bridge::CommitmentKey(p.source_port(), p.source_channel(), 1))
          .has_value());
  // Sequences go on.
  EXPECT_EQ(PingOne(0, "again").sequence(), 2u);
}

TEST_F(BridgePacketsTest, APacketIsReceivedOnceAndAcknowledgedOnce) {
  Link();
  bridge::Packet p = PingOne(0, "once");
  bridge::Acknowledgement ack = Coordinator::WrittenAck(c_.Recv(0, p));
  ledger::Receipt again = c_.Recv(0, p);
  EXPECT_EQ(again.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(again.error(), HasSubstr("already received"));
  EXPECT_EQ(State(1).received(), 1u);

  ASSERT_EQ(c_.Acknowledge(0, p, ack).status(), ledger::RECEIPT_STATUS_SUCCESS);
  ledger::Receipt twice = c_.Acknowledge(0, p, ack);
  EXPECT_EQ(twice.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(twice.error(), HasSubstr("not in flight"));
  EXPECT_EQ(State(0).acked(), 1u);
}

// A relayer can delay, never forge: every field is bound by the proof.
TEST_F(BridgePacketsTest, ForgedPacketsAndProofsAreRefused) {
  Link();
  bridge::Packet p = PingOne(0, "real");
  auto refused = [&](bridge::Packet forged, const std::string& why) {
    ledger::Receipt r = c_.Recv(0, forged);
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED) << why;
    EXPECT_THAT(r.error(), HasSubstr(why));
  };
  bridge::Packet more = p;
  more.set_data("real, and a million tokens");
  refused(more, "proof");
  bridge::Packet later = p;
  later.set_timeout_height(1'000'000);
  refused(later, "proof");
  bridge::Packet unsent = p;
  unsent.set_sequence(7);
  refused(unsent, "proof");
  bridge::Packet elsewhere = p;
  elsewhere.set_destination_channel("channel-9");
  refused(elsewhere, "unknown channel 'channel-9'");
  bridge::Packet from_elsewhere = p;
  from_elsewhere.set_source_channel("channel-5");
  refused(from_elsewhere, "does not come from the channel's counterparty");
  EXPECT_EQ(State(1).received(), 0u);

  // A proof of another key, or a truncated one, proves nothing.
  auto h = c_.UpdateClient(0);
  ASSERT_TRUE(h.ok());
  bridge::Msg msg;
  bridge::RecvPacket* recv = msg.mutable_recv_packet();
  *recv->mutable_packet() = p;
  recv->set_proof_height(*h);
  recv->set_proof(c_.Proof(0, *h, bridge::ConnectionKey("connection-0")));
  ledger::Receipt r = c_.Submit(1, msg);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  std::string proof = c_.Proof(
      0, *h, bridge::CommitmentKey(p.source_port(), p.source_channel(), 1));
  recv->set_proof(proof.substr(0, proof.size() - 32));
  r = c_.Submit(1, msg);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  // A height the client does not hold.
  recv->set_proof(proof);
  recv->set_proof_height(*h + 100);
  r = c_.Submit(1, msg);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("holds no header"));
  // The real thing still works.
  EXPECT_EQ(c_.Recv(0, p).status(), ledger::RECEIPT_STATUS_SUCCESS);
  // A forged acknowledgement does not match B's commitment.
  bridge::Acknowledgement fake;
  fake.set_result("pong:everything");
  ledger::Receipt forged_ack = c_.Acknowledge(0, p, fake);
  EXPECT_EQ(forged_ack.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(forged_ack.error(), HasSubstr("proof"));
  EXPECT_EQ(State(0).acked(), 0u);
}

TEST_F(BridgePacketsTest, AnApplicationsRefusalIsAnErrorAcknowledgement) {
  Link();
  bridge::Packet p = PingOne(0, "fail");
  ledger::Receipt got = c_.Recv(0, p);
  ASSERT_EQ(got.status(), ledger::RECEIPT_STATUS_SUCCESS) << got.error();
  bridge::Acknowledgement ack = Coordinator::WrittenAck(got);
  EXPECT_THAT(ack.error(), HasSubstr("pingpong: asked to fail"));
  EXPECT_EQ(State(1).received(), 0u);  // its writes were dropped
  ASSERT_EQ(c_.Acknowledge(0, p, ack).status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(State(0).errors(), 1u);
  EXPECT_THAT(State(0).last_error(), HasSubstr("asked to fail"));
}

// Running out of gas in the application is the relayer's problem, never an
// answer: otherwise anyone could buy an error acknowledgement (a refund on
// the source) for a packet the destination would have accepted.
TEST_F(BridgePacketsTest, TooLittleGasNeverBuysAnErrorAcknowledgement) {
  Link();
  bridge::Packet p = PingOne(0, "gas");
  auto h = c_.UpdateClient(0);
  ASSERT_TRUE(h.ok());
  bridge::Msg msg;
  bridge::RecvPacket* recv = msg.mutable_recv_packet();
  *recv->mutable_packet() = p;
  recv->set_proof_height(*h);
  const std::string proof = c_.Proof(
      0, *h, bridge::CommitmentKey(p.source_port(), p.source_channel(), 1));
  recv->set_proof(proof);
  // Enough for the transaction (its size over-estimated by 200 bytes), the
  // message and the proof; 1,000 gas left for the application, which
  // cannot even be instantiated with that.
  auto parsed = ledger::ParseStateProof(proof);
  ASSERT_TRUE(parsed.ok());
  const uint64_t before_app =
      kGasTxBase + kGasPerTxByte * (msg.ByteSizeLong() + 200) +
      bridge::kGasPerMessage + bridge::kGasPerHashedByte * p.ByteSizeLong() +
      bridge::kGasPerProofByte * proof.size() +
      bridge::kGasPerProofNode * (parsed->siblings.size() + 1);
  ledger::Receipt r = c_.Submit(1, msg, before_app + 1000);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_OUT_OF_GAS) << r.error();
  EXPECT_THAT(r.error(), HasSubstr("bridge_packet"));
  EXPECT_FALSE(Bridge(1, bridge::ReceiptKey(p.destination_port(),
                                            p.destination_channel(), 1))
                   .has_value());
  r = c_.Submit(1, msg);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_FALSE(Coordinator::WrittenAck(r).result().empty());
}

TEST_F(BridgePacketsTest, ATimedOutPacketIsRefundedAgainstProvenAbsence) {
  Link();
  auto head = b_.store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  const uint64_t deadline = (*head)->height + 3;
  bridge::Packet p = PingOne(0, "late", deadline);

  // Not yet timed out: refused.
  ledger::Receipt early = c_.Timeout(0, p);
  EXPECT_EQ(early.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(early.error(), HasSubstr("has not timed out"));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b_.Commit({}).ok());
  // Past its height on B: B refuses it...
  ledger::Receipt late = c_.Recv(0, p);
  EXPECT_EQ(late.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(late.error(), HasSubstr("timed out at height"));
  // ...and A refunds it against B's proof that it holds no receipt.
  ledger::Receipt timed_out = c_.Timeout(0, p);
  ASSERT_EQ(timed_out.status(), ledger::RECEIPT_STATUS_SUCCESS)
      << timed_out.error();
  EXPECT_EQ(State(0).timeouts(), 1u);
  ledger::Receipt twice = c_.Timeout(0, p);
  EXPECT_EQ(twice.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_EQ(State(0).timeouts(), 1u);
}

// Dragonberry / BNB Token Hub: an absence proof cannot be forged for a
// packet that was received, so a delivered packet is never also refunded.
TEST_F(BridgePacketsTest, AReceivedPacketCanNeverTimeOut) {
  Link();
  auto head = b_.store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  bridge::Packet p = PingOne(0, "in time", (*head)->height + 5);
  ASSERT_EQ(c_.Recv(0, p).status(), ledger::RECEIPT_STATUS_SUCCESS);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(b_.Commit({}).ok());
  ledger::Receipt r = c_.Timeout(0, p);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("proof"));
  // Nor with the proof of some other absent key.
  auto h = c_.UpdateClient(1);
  ASSERT_TRUE(h.ok());
  bridge::Msg msg;
  bridge::TimeoutPacket* t = msg.mutable_timeout_packet();
  *t->mutable_packet() = p;
  t->set_proof_height(*h);
  t->set_proof(c_.Proof(
      1, *h,
      bridge::ReceiptKey(p.destination_port(), p.destination_channel(), 99)));
  r = c_.Submit(0, msg);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_EQ(State(0).timeouts(), 0u);
}

// Poly Network: a relayed message reached a privileged call. Here the
// callbacks are reachable only through the bridge, with a proof.
TEST_F(BridgePacketsTest, OnlyTheBridgeCallsTheCallbacks) {
  Link();
  pingpong::PacketCallback cb;
  cb.mutable_packet()->set_data("free money");
  ledger::Receipt r = b_.Submit(
      b_.CallTx(user_, app_[1], "bridge_packet", cb.SerializeAsString()));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REJECTED);
  EXPECT_THAT(r.error(), HasSubstr("can be called only by the bridge"));

  // Nor through another contract.
  ledger::Receipt probe = b_.Submit(b_.Deploy(user_, "probe", InitProbe("")));
  ASSERT_EQ(probe.status(), ledger::RECEIPT_STATUS_SUCCESS);
  probe::CallRequest call;
  call.set_address(app_[1]);
  call.set_method("bridge_packet");
  call.set_input(cb.SerializeAsString());
  r = b_.Submit(b_.CallTx(user_, probe.contract_address(), "call",
                          call.SerializeAsString()));
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  probe::CallResponse response;
  ASSERT_TRUE(response.ParseFromString(r.output()));
  EXPECT_EQ(response.status(), 1u);
  EXPECT_THAT(response.output(), HasSubstr("can be called only by the bridge"));
  EXPECT_EQ(State(1).received(), 0u);
}

TEST_F(BridgePacketsTest, ApplicationsConsentToTheirChannels) {
  ASSERT_TRUE(c_.CreateClients().ok());
  ASSERT_TRUE(c_.OpenConnection().ok());
  absl::Status s = c_.OpenChannel(bridge::PortOf(app_[0]),
                                  bridge::PortOf(app_[1]), "evil-1");
  EXPECT_THAT(std::string(s.message()), HasSubstr("version must be ping-1"));
  // A port that is not a contract's, or a contract without callbacks.
  s = c_.OpenChannel("transfer", bridge::PortOf(app_[1]), "ping-1");
  EXPECT_THAT(std::string(s.message()), HasSubstr("is not a contract's port"));
  ledger::Receipt token = a_.Submit(a_.Deploy(user_, "probe", InitProbe("")));
  s = c_.OpenChannel(bridge::PortOf(token.contract_address()),
                     bridge::PortOf(app_[1]), "ping-1");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(
      c_.OpenChannel(bridge::PortOf(app_[0]), bridge::PortOf(app_[1]), "ping-1")
          .ok());
}

TEST_F(BridgePacketsTest, NothingIsSentOnAChannelThatIsNotOpen) {
  Link();
  ledger::Receipt r = Ping(0, "x", 1000, 0, "channel-7");
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(),
              HasSubstr("send packet on channel 'channel-7': unknown channel"));
  // No timeout at all.
  r = Ping(0, "x", 0, 0);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("needs a timeout"));
  // The failed ping wrote nothing and sent nothing.
  EXPECT_TRUE(Coordinator::SentPackets(r).empty());
  EXPECT_EQ(PingOne(0, "ok").sequence(), 1u);
}

TEST_F(BridgePacketsTest, AFrozenClientAcceptsNoPacket) {
  Link();
  bridge::Packet p = PingOne(0, "frozen");
  // Evidence of a fork of A (same id and keys, another block at B's latest
  // height of A + 1).
  ledger::Block honest;
  {
    auto h = c_.UpdateClient(0);
    ASSERT_TRUE(h.ok());
    auto block = a_.store().GetBlockByHeight(*h);
    ASSERT_TRUE(block.ok() && block->has_value());
    honest = **block;
  }
  TestChain fork("chain-a", 5);
  for (uint64_t i = 1; i < honest.header().height(); ++i) {
    ASSERT_TRUE(fork.Commit({}).ok());
  }
  ASSERT_TRUE(
      fork.Commit({fork.Deploy(user_, "probe", InitProbe("fork"))}).ok());
  auto forked = fork.store().GetBlockByHeight(honest.header().height());
  ASSERT_TRUE(forked.ok() && forked->has_value());
  bridge::Msg evidence;
  bridge::Misbehaviour* m = evidence.mutable_misbehaviour();
  m->set_client(c_.side(1).client);
  *m->mutable_first()->mutable_header() = honest.header();
  *m->mutable_first()->mutable_signatures() = honest.signatures();
  *m->mutable_second()->mutable_header() = (*forked)->header();
  *m->mutable_second()->mutable_signatures() = (*forked)->signatures();
  ledger::Receipt r = c_.Submit(1, evidence);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();

  bridge::Msg msg;
  bridge::RecvPacket* recv = msg.mutable_recv_packet();
  *recv->mutable_packet() = p;
  recv->set_proof_height(honest.header().height());
  recv->set_proof(
      c_.Proof(0, honest.header().height(),
               bridge::CommitmentKey(p.source_port(), p.source_channel(), 1)));
  r = c_.Submit(1, msg);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REFUSED);
  EXPECT_THAT(r.error(), HasSubstr("frozen"));
}

}  // namespace
}  // namespace ballast::node
