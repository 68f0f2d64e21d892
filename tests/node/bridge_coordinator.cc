#include "tests/node/bridge_coordinator.h"

#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "gtest/gtest.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "ledger/state_proof.h"

namespace ballast::node {
namespace {

absl::Status Check(const ledger::Receipt& r, std::string_view what) {
  if (r.status() == ledger::RECEIPT_STATUS_SUCCESS) return absl::OkStatus();
  return absl::FailedPreconditionError(StrCat(what, ": ", r.error()));
}

bridge::MsgResult ResultOf(const ledger::Receipt& r) {
  bridge::MsgResult result;
  result.ParseFromString(r.output());
  return result;
}

}  // namespace

Coordinator::Coordinator(TestChain* a, TestChain* b) {
  sides_[0].chain = a;
  sides_[1].chain = b;
}

ledger::Receipt Coordinator::Submit(int on, const bridge::Msg& msg,
                                    uint64_t gas) {
  return chain(on).Submit(
      chain(on).BridgeTx(relayer_, ledger::SerializeDeterministic(msg), gas));
}

absl::Status Coordinator::CreateClients() {
  for (int on = 0; on < 2; ++on) {
    TestChain& of = chain(1 - on);
    auto head = of.store().GetHead();
    if (!head.ok() || !head->has_value()) {
      return absl::FailedPreconditionError("the other chain has no block");
    }
    auto block = of.store().GetBlockByHeight((*head)->height);
    if (!block.ok() || !block->has_value()) return block.status();
    bridge::Msg msg;
    bridge::CreateClient* create = msg.mutable_create_client();
    create->set_chain_id(of.chain_id());
    for (const KeyPair& k : of.signers())
      create->add_trusted_keys(k.public_key);
    create->set_threshold(
        static_cast<uint32_t>(of.signers().size() * 2 / 3 + 1));
    *create->mutable_header()->mutable_header() = (*block)->header();
    *create->mutable_header()->mutable_signatures() = (*block)->signatures();
    ledger::Receipt r = Submit(on, msg);
    if (absl::Status s = Check(r, "create client"); !s.ok()) return s;
    sides_[on].client = ResultOf(r).client();
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Coordinator::UpdateClient(int from) {
  TestChain& of = chain(from);
  auto head = of.store().GetHead();
  if (!head.ok() || !head->has_value()) {
    return absl::FailedPreconditionError("no block to relay");
  }
  const uint64_t height = (*head)->height;
  auto block = of.store().GetBlockByHeight(height);
  if (!block.ok() || !block->has_value()) return block.status();
  bridge::Msg msg;
  msg.mutable_update_client()->set_client(sides_[1 - from].client);
  *msg.mutable_update_client()->mutable_header()->mutable_header() =
      (*block)->header();
  *msg.mutable_update_client()->mutable_header()->mutable_signatures() =
      (*block)->signatures();
  if (absl::Status s = Check(Submit(1 - from, msg), "update client"); !s.ok()) {
    return s;
  }
  return height;
}

std::string Coordinator::Proof(int from, uint64_t height,
                               std::string_view raw_key) {
  auto read =
      chain(from).store().state_tree().Get(height, bridge::TreeKey(raw_key));
  EXPECT_TRUE(read.ok()) << read.status();
  if (!read.ok()) return "";
  return ledger::SerializeStateProof(read->proof);
}

absl::Status Coordinator::OpenConnection() {
  Side& a = sides_[0];
  Side& b = sides_[1];
  bridge::Msg init;
  init.mutable_conn_open_init()->set_client(a.client);
  init.mutable_conn_open_init()->set_counterparty_client(b.client);
  ledger::Receipt r = Submit(0, init);
  RETURN_IF_ERROR(Check(r, "conn open init"));
  a.connection = ResultOf(r).connection();

  ASSIGN_OR_RETURN(uint64_t h, UpdateClient(0));
  bridge::Msg try_msg;
  bridge::ConnOpenTry* t = try_msg.mutable_conn_open_try();
  t->set_client(b.client);
  t->set_counterparty_client(a.client);
  t->set_counterparty_connection(a.connection);
  t->set_proof_height(h);
  t->set_proof(Proof(0, h, bridge::ConnectionKey(a.connection)));
  r = Submit(1, try_msg);
  RETURN_IF_ERROR(Check(r, "conn open try"));
  b.connection = ResultOf(r).connection();

  ASSIGN_OR_RETURN(h, UpdateClient(1));
  bridge::Msg ack;
  bridge::ConnOpenAck* k = ack.mutable_conn_open_ack();
  k->set_connection(a.connection);
  k->set_counterparty_connection(b.connection);
  k->set_proof_height(h);
  k->set_proof(Proof(1, h, bridge::ConnectionKey(b.connection)));
  RETURN_IF_ERROR(Check(Submit(0, ack), "conn open ack"));

  ASSIGN_OR_RETURN(h, UpdateClient(0));
  bridge::Msg confirm;
  bridge::ConnOpenConfirm* c = confirm.mutable_conn_open_confirm();
  c->set_connection(b.connection);
  c->set_proof_height(h);
  c->set_proof(Proof(0, h, bridge::ConnectionKey(a.connection)));
  return Check(Submit(1, confirm), "conn open confirm");
}

absl::Status Coordinator::OpenChannel(const std::string& port_a,
                                      const std::string& port_b,
                                      const std::string& version) {
  Side& a = sides_[0];
  Side& b = sides_[1];
  a.port = port_a;
  b.port = port_b;
  bridge::Msg init;
  bridge::ChanOpenInit* i = init.mutable_chan_open_init();
  i->set_port(port_a);
  i->set_connection(a.connection);
  i->set_counterparty_port(port_b);
  i->set_version(version);
  ledger::Receipt r = Submit(0, init);
  RETURN_IF_ERROR(Check(r, "chan open init"));
  a.channel = ResultOf(r).channel();

  ASSIGN_OR_RETURN(uint64_t h, UpdateClient(0));
  bridge::Msg try_msg;
  bridge::ChanOpenTry* t = try_msg.mutable_chan_open_try();
  t->set_port(port_b);
  t->set_connection(b.connection);
  t->set_counterparty_port(port_a);
  t->set_counterparty_channel(a.channel);
  t->set_version(version);
  t->set_proof_height(h);
  t->set_proof(Proof(0, h, bridge::ChannelKey(port_a, a.channel)));
  r = Submit(1, try_msg);
  RETURN_IF_ERROR(Check(r, "chan open try"));
  b.channel = ResultOf(r).channel();

  ASSIGN_OR_RETURN(h, UpdateClient(1));
  bridge::Msg ack;
  bridge::ChanOpenAck* k = ack.mutable_chan_open_ack();
  k->set_port(port_a);
  k->set_channel(a.channel);
  k->set_counterparty_channel(b.channel);
  k->set_proof_height(h);
  k->set_proof(Proof(1, h, bridge::ChannelKey(port_b, b.channel)));
  RETURN_IF_ERROR(Check(Submit(0, ack), "chan open ack"));

  ASSIGN_OR_RETURN(h, UpdateClient(0));
  bridge::Msg confirm;
  bridge::ChanOpenConfirm* c = confirm.mutable_chan_open_confirm();
  c->set_port(port_b);
  c->set_channel(b.channel);
  c->set_proof_height(h);
  c->set_proof(Proof(0, h, bridge::ChannelKey(port_a, a.channel)));
  return Check(Submit(1, confirm), "chan open confirm");
}

absl::Status Coordinator::Link(const std::string& port_a,
                               const std::string& port_b,
                               const std::string& version) {
  RETURN_IF_ERROR(CreateClients());
  RETURN_IF_ERROR(OpenConnection());
  return OpenChannel(port_a, port_b, version);
}

ledger::Receipt Coordinator::Recv(int from, const bridge::Packet& p) {
  auto h = UpdateClient(from);
  EXPECT_TRUE(h.ok()) << h.status();
  bridge::Msg msg;
  bridge::RecvPacket* recv = msg.mutable_recv_packet();
  *recv->mutable_packet() = p;
  recv->set_proof_height(h.value_or(0));
  recv->set_proof(
      Proof(from, h.value_or(0),
            bridge::CommitmentKey(p.source_port(), p.source_channel(),
                                  p.sequence())));
  return Submit(1 - from, msg);
}

ledger::Receipt Coordinator::Acknowledge(int from, const bridge::Packet& p,
                                         const bridge::Acknowledgement& ack) {
  auto h = UpdateClient(1 - from);
  EXPECT_TRUE(h.ok()) << h.status();
  bridge::Msg msg;
  bridge::AcknowledgePacket* a = msg.mutable_acknowledge_packet();
  *a->mutable_packet() = p;
  *a->mutable_acknowledgement() = ack;
  a->set_proof_height(h.value_or(0));
  a->set_proof(Proof(1 - from, h.value_or(0),
                     bridge::AckKey(p.destination_port(),
                                    p.destination_channel(), p.sequence())));
  return Submit(from, msg);
}

ledger::Receipt Coordinator::Timeout(int from, const bridge::Packet& p) {
  auto h = UpdateClient(1 - from);
  EXPECT_TRUE(h.ok()) << h.status();
  bridge::Msg msg;
  bridge::TimeoutPacket* t = msg.mutable_timeout_packet();
  *t->mutable_packet() = p;
  t->set_proof_height(h.value_or(0));
  t->set_proof(
      Proof(1 - from, h.value_or(0),
            bridge::ReceiptKey(p.destination_port(), p.destination_channel(),
                               p.sequence())));
  return Submit(from, msg);
}

std::vector<bridge::Packet> Coordinator::SentPackets(const ledger::Receipt& r) {
  std::vector<bridge::Packet> out;
  for (const ledger::Event& e : r.events()) {
    if (e.contract() != bridge::kBridgeAddress ||
        e.name() != "SendPacketEvent") {
      continue;
    }
    bridge::SendPacketEvent event;
    EXPECT_TRUE(event.ParseFromString(e.data()));
    out.push_back(event.packet());
  }
  return out;
}

bridge::Acknowledgement Coordinator::WrittenAck(const ledger::Receipt& r) {
  for (const ledger::Event& e : r.events()) {
    if (e.contract() == bridge::kBridgeAddress && e.name() == "WriteAckEvent") {
      bridge::WriteAckEvent event;
      EXPECT_TRUE(event.ParseFromString(e.data()));
      return event.acknowledgement();
    }
  }
  ADD_FAILURE() << "no WriteAckEvent in the receipt: " << r.error();
  return {};
}

}  // namespace ballast::node
