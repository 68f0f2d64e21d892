// The token-transfer application (contracts/transfer) between two
// in-process chains: tokens escrowed on A become vouchers on B (token
// contracts the application creates with bl_instantiate, one per channel
// and denomination) and come back; timeouts and error acknowledgements
// refund; a token that locks nothing credits nothing (Qubit); escrow is
// kept per channel, so vouchers of different channels are different
// tokens and no channel releases another's escrow; a per-channel outflow
// rate limit pauses a channel until its admin resumes it.

#include <set>
#include <string>

#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "contracts/auction/auction.pb.h"
#include "contracts/oracle/oracle.pb.h"
#include "contracts/token/token.pb.h"
#include "contracts/transfer/transfer.pb.h"
#include "contracts/vault/vault.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "tests/contracts/vault_config.h"
#include "tests/node/bridge_coordinator.h"
#include "tools/cli/bridge_history.h"
#include "wasm/runtime.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

constexpr char kVersion[] = "ballast-transfer-1";

class BridgeTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      tmpl_[i] = DeployToken(i, "Template", "TPL", "", 0);
      app_[i] = DeployApp(i, tmpl_[i]);
    }
    atom_ = DeployToken(0, "Atom", "ATOM", AddressOf(alice_), 1'000'000);
  }

  // After every test, the audit (`ballast bridge audit`'s identity,
  // tools/cli/bridge_history.h) holds both ways on every channel.
  void TearDown() override {
    for (int on = 0; on < 2; ++on) ExpectAuditHolds(on);
  }

  // The bridge's events of chain `on` as the history of one channel end.
  cli::ChannelHistory History(int on, const std::string& port,
                              const std::string& channel) {
    ledger::EventFilter filter;
    filter.contract = std::string(bridge::kBridgeAddress);
    filter.limit = 0;
    auto events = c_.chain(on).store().QueryEvents(filter);
    EXPECT_TRUE(events.ok()) << events.status();
    cli::ChannelHistory h;
    for (const ledger::Event& e :
         events.value_or(std::vector<ledger::Event>{})) {
      cli::AddBridgeEvent(&h, port, channel, e.name(), e.data(),
                          e.block_height(), e.tx_index());
    }
    return h;
  }

  // The voucher of `denom` on chain `on` ("" if none).
  std::string VoucherOf(int on, const std::string& denom) {
    transfer::VoucherRequest req;
    req.set_denom(denom);
    auto out = c_.chain(on).executor().Query(
        app_[on], "voucher", req.SerializeAsString(), 1'000'000);
    EXPECT_TRUE(out.ok() && out->status.ok());
    transfer::VoucherResponse r;
    if (out.ok()) r.ParseFromString(out->output);
    return r.exists() ? r.token() : "";
  }

  uint64_t Supply(int on, const std::string& token) {
    auto out = c_.chain(on).executor().Query(
        token, "total_supply", token::TotalSupplyRequest().SerializeAsString(),
        1'000'000);
    EXPECT_TRUE(out.ok() && out->status.ok());
    token::TotalSupplyResponse r;
    if (out.ok()) r.ParseFromString(out->output);
    return r.total_supply();
  }

  // What chain `on`'s application escrows on each of its channels against
  // the vouchers on the other chain and the packets in flight.
  void ExpectAuditHolds(int on) {
    const int other = 1 - on;
    const std::string port = bridge::PortOf(app_[on]);
    for (int i = 0; i < 8; ++i) {
      const std::string ch = StrCat("channel-", i);
      auto bound = c_.chain(on).store().GetBridge(bridge::ChannelPortKey(ch));
      if (!bound.ok() || !bound->has_value() || **bound != port) continue;
      auto raw = c_.chain(on).store().GetBridge(bridge::ChannelKey(port, ch));
      bridge::ChannelEnd end;
      if (!raw.ok() || !raw->has_value() || !end.ParseFromString(**raw) ||
          end.state() != bridge::STATE_OPEN) {
        continue;
      }
      const cli::ChannelHistory ha = History(on, port, ch);
      const cli::ChannelHistory hb =
          History(other, end.counterparty_port(), end.counterparty_channel());
      const std::string own = port + "/" + ch + "/";
      const std::string prefix =
          end.counterparty_port() + "/" + end.counterparty_channel() + "/";
      std::set<std::string> denoms;
      for (const auto* list : {&ha.sent, &hb.received}) {
        for (const auto& [seq, r] : *list) {
          auto t = cli::DecodeTransferData(r.packet.data());
          if (t && !t->denom.starts_with(own)) denoms.insert(t->denom);
        }
      }
      for (const std::string& denom : denoms) {
        std::string token = VoucherOf(on, denom);
        if (denom.starts_with("0x")) token = *FromHex(denom.substr(2));
        const uint64_t escrow = Escrowed(on, ch, token);
        const std::string voucher = VoucherOf(other, prefix + denom);
        const uint64_t supply = voucher.empty() ? 0 : Supply(other, voucher);
        const cli::PathBalance b =
            cli::BalancePath(ha, hb, denom, prefix, escrow, supply);
        EXPECT_TRUE(b.ok) << "chain " << on << " " << ch << " " << denom
                          << ": escrow " << b.escrow_a << ", vouchers "
                          << b.supply_b << ", in flight out "
                          << b.in_flight_a_to_b << ", in flight home "
                          << b.in_flight_b_to_a;
      }
    }
  }

  std::string DeployToken(int on, const std::string& name,
                          const std::string& symbol, const std::string& holder,
                          uint64_t supply, const std::string& wasm = "token") {
    token::InitRequest init;
    init.set_name(name);
    init.set_symbol(symbol);
    init.set_decimals(6);
    if (!holder.empty()) {
      init.set_initial_holder(holder);
      init.set_initial_supply(supply);
    }
    TestChain& chain = c_.chain(on);
    ledger::Receipt r =
        chain.Submit(chain.Deploy(alice_, wasm, init.SerializeAsString()));
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    return r.contract_address();
  }

  std::string DeployApp(int on, const std::string& voucher_template) {
    transfer::InitRequest init;
    init.set_admin(AddressOf(alice_));
    init.set_voucher_template(voucher_template);
    TestChain& chain = c_.chain(on);
    ledger::Receipt r = chain.Submit(
        chain.Deploy(alice_, "transfer", init.SerializeAsString()));
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    return r.contract_address();
  }

  void Link() {
    absl::Status s =
        c_.Link(bridge::PortOf(app_[0]), bridge::PortOf(app_[1]), kVersion);
    ASSERT_TRUE(s.ok()) << s;
  }

  ledger::Receipt Call(int on, const KeyPair& who, const std::string& contract,
                       const std::string& method,
                       const google::protobuf::Message& m) {
    TestChain& chain = c_.chain(on);
    return chain.Submit(
        chain.CallTx(who, contract, method, m.SerializeAsString()));
  }

  // `who` sends `amount` of `token` from chain `on` to `to` on the other
  // chain, over the coordinator's channel; returns the packet.
  bridge::Packet Send(int on, const KeyPair& who, const std::string& token,
                      uint64_t amount, const std::string& to,
                      uint64_t timeout_height = 1000) {
    token::ApproveRequest approve;
    approve.set_spender(app_[on]);
    approve.set_amount(amount);
    EXPECT_EQ(Call(on, who, token, "approve", approve).status(),
              ledger::RECEIPT_STATUS_SUCCESS);
    transfer::TransferRequest req;
    req.set_channel(c_.side(on).channel);
    req.set_token(token);
    req.set_amount(amount);
    req.set_receiver(to);
    req.set_timeout_height(timeout_height);
    ledger::Receipt r = Call(on, who, app_[on], "transfer", req);
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    auto sent = Coordinator::SentPackets(r);
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? bridge::Packet() : sent[0];
  }

  // Relays `p` from chain `from` and its acknowledgement back; returns the
  // acknowledgement.
  bridge::Acknowledgement Relay(int from, const bridge::Packet& p) {
    ledger::Receipt got = c_.Recv(from, p);
    EXPECT_EQ(got.status(), ledger::RECEIPT_STATUS_SUCCESS) << got.error();
    bridge::Acknowledgement ack = Coordinator::WrittenAck(got);
    ledger::Receipt done = c_.Acknowledge(from, p, ack);
    EXPECT_EQ(done.status(), ledger::RECEIPT_STATUS_SUCCESS) << done.error();
    return ack;
  }

  uint64_t Balance(int on, const std::string& token, const std::string& who) {
    token::BalanceOfRequest req;
    req.set_owner(who);
    auto out = c_.chain(on).executor().Query(
        token, "balance_of", req.SerializeAsString(), 1'000'000);
    EXPECT_TRUE(out.ok() && out->status.ok());
    token::BalanceOfResponse r;
    if (out.ok()) r.ParseFromString(out->output);
    return r.balance();
  }

  uint64_t Escrowed(int on, const std::string& channel,
                    const std::string& token) {
    transfer::EscrowedRequest req;
    req.set_channel(channel);
    req.set_token(token);
    auto out = c_.chain(on).executor().Query(
        app_[on], "escrowed", req.SerializeAsString(), 1'000'000);
    EXPECT_TRUE(out.ok() && out->status.ok());
    transfer::EscrowedResponse r;
    if (out.ok()) r.ParseFromString(out->output);
    return r.amount();
  }

  std::string VoucherOn(int on, const bridge::Acknowledgement& ack) {
    transfer::TransferAck t;
    EXPECT_TRUE(t.ParseFromString(ack.result())) << ack.error();
    EXPECT_EQ(t.error(), "");
    return t.token();
  }

  // The application-level error of an acknowledgement (TransferAck.error).
  static std::string AckError(const bridge::Acknowledgement& ack) {
    EXPECT_EQ(ack.error(), "");
    transfer::TransferAck t;
    EXPECT_TRUE(t.ParseFromString(ack.result()));
    EXPECT_EQ(t.token(), "");
    return t.error();
  }

  // The admin (or `who`) sets the limit of `token` on chain `on`'s channel.
  ledger::Receipt SetRateLimit(int on, const std::string& token,
                               uint64_t window_seconds, uint32_t bps,
                               const KeyPair* who = nullptr) {
    transfer::SetRateLimitRequest req;
    req.set_channel(c_.side(on).channel);
    req.set_token(token);
    req.set_window_seconds(window_seconds);
    req.set_max_share_bps(bps);
    return Call(on, who ? *who : alice_, app_[on], "set_rate_limit", req);
  }

  transfer::RateLimitResponse RateLimit(int on, const std::string& token) {
    transfer::RateLimitRequest req;
    req.set_channel(c_.side(on).channel);
    req.set_token(token);
    auto out = c_.chain(on).executor().Query(
        app_[on], "rate_limit", req.SerializeAsString(), 1'000'000);
    EXPECT_TRUE(out.ok() && out->status.ok());
    transfer::RateLimitResponse r;
    if (out.ok()) r.ParseFromString(out->output);
    return r;
  }

  // The time of chain `on`'s head block (what a query sees).
  int64_t HeadTimeMs(int on) {
    ledger::Store& store = c_.chain(on).store();
    auto head = store.GetBlockByHeight(store.GetHead()->value().height);
    EXPECT_TRUE(head.ok() && head->has_value());
    return (head.ok() && head->has_value()) ? (*head)->header().time_ms() : 0;
  }

  // A transfer of 1 atom over chain `on`'s channel, refused.
  ledger::Receipt RefusedTransfer(int on) {
    transfer::TransferRequest req;
    req.set_channel(c_.side(on).channel);
    req.set_token(atom_);
    req.set_amount(1);
    req.set_receiver(AddressOf(bob_));
    req.set_timeout_height(1000);
    ledger::Receipt r = Call(on, alice_, app_[on], "transfer", req);
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
    EXPECT_TRUE(Coordinator::SentPackets(r).empty());
    return r;
  }

  TestChain a_{"chain-a", 5};
  TestChain b_{"chain-b"};
  Coordinator c_{&a_, &b_};
  KeyPair alice_ = DevKey('a');  // on A
  KeyPair bob_ = DevKey('b');    // on B
  std::string tmpl_[2], app_[2], atom_;
};

TEST_F(BridgeTransferTest, TokensGoAsVouchersAndComeBack) {
  Link();
  bridge::Packet p = Send(0, alice_, atom_, 100, AddressOf(bob_));
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'900u);
  EXPECT_EQ(Escrowed(0, c_.side(0).channel, atom_), 100u);
  bridge::Acknowledgement ack = Relay(0, p);
  const std::string voucher = VoucherOn(1, ack);
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 100u);
  // The voucher is the transfer application's creation, from the template,
  // at the address of its channel and denomination.
  const std::string denom =
      bridge::PortOf(app_[1]) + "/" + c_.side(1).channel + "/0x" + ToHex(atom_);
  EXPECT_EQ(voucher, wasm::InstantiatedAddress(app_[1], Sha256(denom)));
  auto info = b_.store().GetContract(voucher);
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->interface_of(), tmpl_[1]);
  EXPECT_EQ((*info)->creator(), app_[1]);

  // Home again: the voucher burns on B, the escrow releases on A.
  bridge::Packet back = Send(1, bob_, voucher, 40, AddressOf(alice_));
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 60u);
  bridge::Acknowledgement home = Relay(1, back);
  EXPECT_EQ(VoucherOn(0, home), atom_);
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'940u);
  EXPECT_EQ(Escrowed(0, c_.side(0).channel, atom_), 60u);
}

// Qubit's class at the source: nothing goes out unless a real token really
// moved. An address with no contract, an account, the application itself,
// a zero amount and an unknown channel are each refused with the reason,
// and nothing is sent or escrowed.
TEST_F(BridgeTransferTest, AnUnknownTokenOrAZeroAmountSendsNothing) {
  Link();
  auto refused = [&](const std::string& token, uint64_t amount,
                     const std::string& channel) {
    transfer::TransferRequest req;
    req.set_channel(channel);
    req.set_token(token);
    req.set_amount(amount);
    req.set_receiver(AddressOf(bob_));
    req.set_timeout_height(1000);
    ledger::Receipt r = Call(0, alice_, app_[0], "transfer", req);
    EXPECT_NE(r.status(), ledger::RECEIPT_STATUS_SUCCESS);
    EXPECT_TRUE(Coordinator::SentPackets(r).empty());
    return r.error();
  };
  const std::string channel = c_.side(0).channel;
  EXPECT_THAT(refused(atom_, 0, channel), HasSubstr("amount must be positive"));
  EXPECT_THAT(refused(std::string(20, '\x42'), 5, channel),
              HasSubstr("no contract at this address"));
  EXPECT_THAT(refused(AddressOf(alice_), 5, channel),
              HasSubstr("no contract at this address"));
  EXPECT_THAT(refused(app_[0], 5, channel), HasSubstr("re-entrancy refused"));
  token::ApproveRequest approve;
  approve.set_spender(app_[0]);
  approve.set_amount(5);
  ASSERT_EQ(Call(0, alice_, atom_, "approve", approve).status(),
            ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_THAT(refused(atom_, 5, "channel-9"), HasSubstr("channel-9"));
  EXPECT_EQ(Escrowed(0, channel, atom_), 0u);
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 1'000'000u);
}

TEST_F(BridgeTransferTest, ATimedOutTransferIsRefunded) {
  Link();
  auto head = b_.store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  bridge::Packet p =
      Send(0, alice_, atom_, 500, AddressOf(bob_), (*head)->height + 2);
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'500u);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(b_.Commit({}).ok());
  ledger::Receipt r = c_.Timeout(0, p);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 1'000'000u);
  EXPECT_EQ(Escrowed(0, c_.side(0).channel, atom_), 0u);
}

TEST_F(BridgeTransferTest, AnErrorAcknowledgementRefunds) {
  Link();
  // A second application on B whose voucher template does not exist: it
  // cannot mint, so it answers with an error.
  const std::string broken = DeployApp(1, std::string(20, '\x07'));
  ASSERT_TRUE(
      c_.OpenChannel(bridge::PortOf(app_[0]), bridge::PortOf(broken), kVersion)
          .ok());
  bridge::Packet p = Send(0, alice_, atom_, 70, AddressOf(bob_));
  ledger::Receipt got = c_.Recv(0, p);
  ASSERT_EQ(got.status(), ledger::RECEIPT_STATUS_SUCCESS) << got.error();
  bridge::Acknowledgement ack = Coordinator::WrittenAck(got);
  EXPECT_THAT(ack.error(), HasSubstr("no contract at template"));
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'930u);
  ASSERT_EQ(c_.Acknowledge(0, p, ack).status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 1'000'000u);
  EXPECT_EQ(Escrowed(0, c_.side(0).channel, atom_), 0u);
}

// Qubit: a deposit credited without a real lock. The application credits
// the change of its own balance, whatever the token says.
TEST_F(BridgeTransferTest, OnlyWhatTheTokenReallyMovedIsSent) {
  Link();
  const std::string liar =
      DeployToken(0, "lie", "L", AddressOf(alice_), 1000, "reentrant");
  transfer::TransferRequest req;
  req.set_channel(c_.side(0).channel);
  req.set_token(liar);
  req.set_amount(1000);
  req.set_receiver(AddressOf(bob_));
  req.set_timeout_height(1000);
  ledger::Receipt r = Call(0, alice_, app_[0], "transfer", req);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_THAT(r.error(), HasSubstr("the token credited nothing"));
  EXPECT_TRUE(Coordinator::SentPackets(r).empty());

  const std::string fee =
      DeployToken(0, "fee", "F", AddressOf(alice_), 1000, "reentrant");
  req.set_token(fee);
  r = Call(0, alice_, app_[0], "transfer", req);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  transfer::TransferResponse sent;
  ASSERT_TRUE(sent.ParseFromString(r.output()));
  EXPECT_EQ(sent.amount(), 500u);
  auto packets = Coordinator::SentPackets(r);
  ASSERT_EQ(packets.size(), 1u);
  const std::string voucher = VoucherOn(1, Relay(0, packets[0]));
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 500u);
}

// Vouchers of different channels are different tokens, and a channel
// releases only what it escrowed.
TEST_F(BridgeTransferTest, EachChannelHasItsOwnVouchersAndEscrow) {
  Link();
  const std::string first_channel = c_.side(0).channel;
  const std::string v0 =
      VoucherOn(1, Relay(0, Send(0, alice_, atom_, 10, AddressOf(bob_))));
  ASSERT_TRUE(
      c_.OpenChannel(bridge::PortOf(app_[0]), bridge::PortOf(app_[1]), kVersion)
          .ok());
  ASSERT_NE(c_.side(0).channel, first_channel);
  const std::string v1 =
      VoucherOn(1, Relay(0, Send(0, alice_, atom_, 20, AddressOf(bob_))));
  EXPECT_NE(v0, v1);
  EXPECT_EQ(Balance(1, v0, AddressOf(bob_)), 10u);
  EXPECT_EQ(Balance(1, v1, AddressOf(bob_)), 20u);
  EXPECT_EQ(Escrowed(0, first_channel, atom_), 10u);
  EXPECT_EQ(Escrowed(0, c_.side(0).channel, atom_), 20u);
  // v0 sent home through the second channel is not going home there: B
  // escrows it, and A mints a voucher of a voucher rather than releasing
  // the first channel's escrow.
  bridge::Packet p = Send(1, bob_, v0, 10, AddressOf(alice_));
  const std::string back = VoucherOn(0, Relay(1, p));
  EXPECT_NE(back, atom_);
  EXPECT_EQ(Escrowed(0, first_channel, atom_), 10u);
  EXPECT_EQ(Escrowed(1, c_.side(1).channel, v0), 10u);
}

// Issue 10: vouchers are tokens the vault engine accepts as collateral, and
// a collateral type names one voucher contract, so vouchers that came
// through another channel never count as that collateral.
TEST_F(BridgeTransferTest, AVoucherBacksAVaultPositionOfItsOwnTypeOnly) {
  Link();
  const std::string atom = DeployToken(
      0, "Big Atom", "BATOM", AddressOf(alice_), 1'000'000 * vault::kUsd);
  const std::string v0 = VoucherOn(
      1, Relay(0, Send(0, alice_, atom, 5'000 * vault::kUsd, AddressOf(bob_))));
  ASSERT_TRUE(
      c_.OpenChannel(bridge::PortOf(app_[0]), bridge::PortOf(app_[1]), kVersion)
          .ok());
  const std::string v1 = VoucherOn(
      1, Relay(0, Send(0, alice_, atom, 5'000 * vault::kUsd, AddressOf(bob_))));

  // The collateral system on B, with one type backed by the first
  // channel's voucher (6 decimals, like the stable: price = USD in RAY).
  auto deploy = [&](const std::string& name,
                    const google::protobuf::Message& init) {
    ledger::Receipt r =
        b_.Submit(b_.Deploy(alice_, name, init.SerializeAsString()));
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << name << r.error();
    return r.contract_address();
  };
  auto ok = [&](const std::string& contract, const std::string& method,
                const google::protobuf::Message& m, const KeyPair& who) {
    ledger::Receipt r = Call(1, who, contract, method, m);
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS)
        << method << ": " << r.error();
    return r;
  };
  oracle::InitRequest oracle_init;
  oracle_init.set_admin(AddressOf(alice_));
  const std::string oracle = deploy("oracle", oracle_init);
  oracle::AddFeedRequest feed;
  feed.set_feed("ATOM");
  feed.mutable_config()->add_reporters(AddressOf(alice_));
  feed.mutable_config()->set_quorum(1);
  feed.mutable_config()->set_max_age_s(3600);
  feed.mutable_config()->set_max_step("0");
  feed.mutable_config()->set_min_price("1");
  feed.mutable_config()->set_max_price(vault::Ray("1000000"));
  ok(oracle, "add_feed", feed, alice_);
  auto head = b_.store().GetBlockByHeight(b_.store().GetHead()->value().height);
  ASSERT_TRUE(head.ok() && head->has_value());
  oracle::PostRequest post;
  post.set_feed("ATOM");
  post.set_price(vault::Ray("10"));
  post.set_time_ms((*head)->header().time_ms());
  ok(oracle, "post", post, alice_);

  vault::InitRequest vault_init;
  vault_init.set_admin(AddressOf(alice_));
  vault_init.set_oracle(oracle);
  vault_init.set_line(50'000'000 * vault::kUsd);
  vault_init.set_hole(20'000'000 * vault::kUsd);
  const std::string engine = deploy("vault", vault_init);
  token::InitRequest stable_init;
  stable_init.set_name("Ballast Dollar");
  stable_init.set_symbol("BUSD");
  stable_init.set_decimals(6);
  stable_init.add_minters(engine);
  const std::string stable = deploy("token", stable_init);
  vault::SetStableRequest set_stable;
  set_stable.set_token(stable);
  ok(engine, "set_stable", set_stable, alice_);
  auction::InitRequest sales;
  sales.set_engine(engine);
  sales.set_type(1);
  sales.set_token(v0);
  sales.set_oracle(oracle);
  sales.set_feed("ATOM");
  sales.set_admin(AddressOf(alice_));
  *sales.mutable_config() = vault::StandardAuctionConfig();
  const std::string auction = deploy("auction", sales);
  vault::AddTypeRequest add;
  add.set_name("ATOM-channel-0");
  add.set_token(v0);
  add.set_feed("ATOM");
  add.set_auction(auction);
  *add.mutable_config() = vault::StandardConfig();
  ok(engine, "add_type", add, alice_);

  // Bob locks 3,000 vouchers of the first channel and mints 10,000 stable
  // against them ($30,000 of collateral at a 1.5 ratio).
  token::ApproveRequest approve;
  approve.set_spender(engine);
  approve.set_amount(~uint64_t{0});
  ok(v0, "approve", approve, bob_);
  ok(v1, "approve", approve, bob_);
  vault::OpenAndMintRequest open;
  open.set_type(1);
  open.set_collateral(3'000 * vault::kUsd);
  open.set_amount(10'000 * vault::kUsd);
  ledger::Receipt opened = ok(engine, "open_and_mint", open, bob_);
  EXPECT_EQ(Balance(1, v0, AddressOf(bob_)), 2'000 * vault::kUsd);
  EXPECT_EQ(Balance(1, v0, engine), 3'000 * vault::kUsd);
  EXPECT_EQ(Balance(1, stable, AddressOf(bob_)), 10'000 * vault::kUsd);

  // With only the second channel's vouchers, bob has no collateral of this
  // type: its vouchers are another token.
  token::TransferRequest away;
  away.set_to(AddressOf(alice_));
  away.set_amount(2'000 * vault::kUsd);
  ok(v0, "transfer", away, bob_);
  open.set_amount(0);
  ledger::Receipt refused = Call(1, bob_, engine, "open_and_mint", open);
  EXPECT_NE(refused.status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(Balance(1, v1, AddressOf(bob_)), 5'000 * vault::kUsd);
  EXPECT_EQ(Balance(1, v1, engine), 0u);
  EXPECT_EQ(Balance(1, v0, engine), 3'000 * vault::kUsd);
}

// Issue 10: the escrow a forged packet would drain leaves through releases,
// so releases are limited per (channel, token) to a share of the escrow
// per window. The release over the quota pauses the channel and is
// answered with an application-level error acknowledgement (an abort would
// drop the pause): the sender's voucher is minted back, the escrow stays.
TEST_F(BridgeTransferTest, AReleaseOverTheRateLimitPausesTheChannel) {
  Link();
  const std::string channel = c_.side(0).channel;
  const std::string voucher =
      VoucherOn(1, Relay(0, Send(0, alice_, atom_, 1000, AddressOf(bob_))));
  // 10% of the escrow (1000) per hour: 100.
  ledger::Receipt set = SetRateLimit(0, atom_, 3600, 1000);
  ASSERT_EQ(set.status(), ledger::RECEIPT_STATUS_SUCCESS) << set.error();

  EXPECT_EQ(
      VoucherOn(0, Relay(1, Send(1, bob_, voucher, 60, AddressOf(alice_)))),
      atom_);
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'060u);
  EXPECT_EQ(Escrowed(0, channel, atom_), 940u);

  bridge::Packet over = Send(1, bob_, voucher, 50, AddressOf(alice_));
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 890u);
  const std::string error = AckError(Relay(1, over));
  EXPECT_EQ(error, "channel " + channel +
                       " is paused: rate limit: releasing 50 of 0x" +
                       ToHex(atom_) +
                       " would exceed 10% of the escrow (1000) per 3600 s "
                       "window (released 60, quota 100); an admin must "
                       "resume it");
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'060u);
  EXPECT_EQ(Escrowed(0, channel, atom_), 940u);
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 940u);  // refunded

  transfer::RateLimitResponse limit = RateLimit(0, atom_);
  EXPECT_TRUE(limit.paused());
  EXPECT_THAT(limit.reason(), HasSubstr("rate limit: releasing 50"));
  EXPECT_EQ(limit.released(), 60u);

  // Paused: nothing leaves, and whatever arrives is refused and refunded,
  // even within the quota.
  EXPECT_THAT(RefusedTransfer(0).error(),
              HasSubstr("transfer: channel " + channel +
                        " is paused: rate limit: releasing 50"));
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'060u);
  EXPECT_THAT(AckError(Relay(1, Send(1, bob_, voucher, 1, AddressOf(alice_)))),
              HasSubstr("an admin must resume it"));
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'060u);
  EXPECT_EQ(Escrowed(0, channel, atom_), 940u);
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 940u);
}

// Limits, pauses and resumes are the admin's; the admin's own pause stops
// both directions like the rate limit's.
TEST_F(BridgeTransferTest, OnlyTheAdminLimitsPausesAndResumes) {
  Link();
  const std::string channel = c_.side(0).channel;
  const std::string voucher =
      VoucherOn(1, Relay(0, Send(0, alice_, atom_, 1000, AddressOf(bob_))));

  ledger::Receipt r = SetRateLimit(0, atom_, 3600, 1000, &bob_);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_THAT(r.error(),
              HasSubstr("set_rate_limit: only the admin may call this"));
  EXPECT_EQ(RateLimit(0, atom_).max_share_bps(), 0u);
  transfer::PauseRequest pause;
  pause.set_channel(channel);
  pause.set_reason("incident 7");
  r = Call(0, bob_, app_[0], "pause", pause);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_THAT(r.error(), HasSubstr("pause: only the admin may call this"));
  EXPECT_FALSE(RateLimit(0, atom_).paused());

  // Bad limits are refused.
  EXPECT_THAT(SetRateLimit(0, atom_, 3600, 10'001).error(),
              HasSubstr("max_share_bps must be at most 10000, got 10001"));
  EXPECT_THAT(SetRateLimit(0, atom_, 0, 1000).error(),
              HasSubstr("window_seconds must be 1..31536000"));
  EXPECT_THAT(SetRateLimit(0, atom_, 31'536'001, 1000).error(),
              HasSubstr("window_seconds must be 1..31536000"));
  transfer::SetRateLimitRequest no_channel;
  no_channel.set_token(atom_);
  no_channel.set_window_seconds(3600);
  no_channel.set_max_share_bps(1000);
  EXPECT_THAT(Call(0, alice_, app_[0], "set_rate_limit", no_channel).error(),
              HasSubstr("set_rate_limit: channel must be 1..64 bytes"));
  EXPECT_EQ(RateLimit(0, atom_).max_share_bps(), 0u);

  // The admin pauses: a packet within any limit is refused and refunded.
  r = Call(0, alice_, app_[0], "pause", pause);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_EQ(
      AckError(Relay(1, Send(1, bob_, voucher, 10, AddressOf(alice_)))),
      "channel " + channel + " is paused: incident 7; an admin must resume it");
  EXPECT_EQ(Balance(1, voucher, AddressOf(bob_)), 1000u);
  EXPECT_EQ(Escrowed(0, channel, atom_), 1000u);
  EXPECT_THAT(RefusedTransfer(0).error(), HasSubstr("incident 7"));

  transfer::ResumeRequest resume;
  resume.set_channel(channel);
  r = Call(0, bob_, app_[0], "resume", resume);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_THAT(r.error(), HasSubstr("resume: only the admin may call this"));
  EXPECT_TRUE(RateLimit(0, atom_).paused());
  r = Call(0, alice_, app_[0], "resume", resume);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_FALSE(RateLimit(0, atom_).paused());
  r = Call(0, alice_, app_[0], "resume", resume);
  EXPECT_THAT(r.error(),
              HasSubstr("resume: channel " + channel + " is not paused"));
  EXPECT_EQ(
      VoucherOn(0, Relay(1, Send(1, bob_, voucher, 10, AddressOf(alice_)))),
      atom_);
  EXPECT_EQ(Escrowed(0, channel, atom_), 990u);
}

// A resume and an elapsed window both start a fresh window, whose quota is
// the share of the escrow held when it starts; the query reports it.
TEST_F(BridgeTransferTest, AResumeOrAnElapsedWindowRefillsTheQuota) {
  Link();
  const std::string channel = c_.side(0).channel;
  const std::string voucher =
      VoucherOn(1, Relay(0, Send(0, alice_, atom_, 1000, AddressOf(bob_))));
  transfer::RateLimitResponse limit = RateLimit(0, atom_);
  EXPECT_EQ(limit.max_share_bps(), 0u);
  EXPECT_EQ(limit.remaining(), 1000u);  // no limit: the whole escrow
  ASSERT_EQ(SetRateLimit(0, atom_, 60, 1000).status(),
            ledger::RECEIPT_STATUS_SUCCESS);
  limit = RateLimit(0, atom_);
  EXPECT_EQ(limit.window_seconds(), 60u);
  EXPECT_EQ(limit.max_share_bps(), 1000u);
  EXPECT_EQ(limit.escrow_at_start(), 1000u);
  EXPECT_EQ(limit.remaining(), 100u);

  auto release = [&](uint64_t amount) {
    return Relay(1, Send(1, bob_, voucher, amount, AddressOf(alice_)));
  };
  EXPECT_EQ(VoucherOn(0, release(100)), atom_);  // the whole quota
  limit = RateLimit(0, atom_);
  EXPECT_EQ(limit.escrow_at_start(), 1000u);
  EXPECT_EQ(limit.released(), 100u);
  EXPECT_EQ(limit.remaining(), 0u);
  EXPECT_EQ(limit.escrowed(), 900u);
  EXPECT_FALSE(limit.paused());
  EXPECT_THAT(AckError(release(1)), HasSubstr("is paused: rate limit"));

  // Resumed: a fresh window, 10% of the 900 held now.
  transfer::ResumeRequest resume;
  resume.set_channel(channel);
  ASSERT_EQ(Call(0, alice_, app_[0], "resume", resume).status(),
            ledger::RECEIPT_STATUS_SUCCESS);
  limit = RateLimit(0, atom_);
  EXPECT_FALSE(limit.paused());
  EXPECT_EQ(limit.reason(), "");
  EXPECT_EQ(limit.window_start_ms(), HeadTimeMs(0));
  EXPECT_EQ(limit.escrow_at_start(), 900u);
  EXPECT_EQ(limit.released(), 0u);
  EXPECT_EQ(limit.remaining(), 90u);
  EXPECT_EQ(VoucherOn(0, release(90)), atom_);
  limit = RateLimit(0, atom_);
  const int64_t started = limit.window_start_ms();
  EXPECT_EQ(limit.released(), 90u);
  EXPECT_EQ(limit.remaining(), 0u);

  // A minute later (a block a second), the window has ended: 10% of 810.
  while (HeadTimeMs(0) < started + 60'000) ASSERT_TRUE(a_.Commit({}).ok());
  limit = RateLimit(0, atom_);
  EXPECT_EQ(limit.window_start_ms(), HeadTimeMs(0));
  EXPECT_EQ(limit.escrow_at_start(), 810u);
  EXPECT_EQ(limit.released(), 0u);
  EXPECT_EQ(limit.remaining(), 81u);
  EXPECT_EQ(VoucherOn(0, release(81)), atom_);
  EXPECT_EQ(Escrowed(0, channel, atom_), 729u);
  EXPECT_EQ(Balance(0, atom_, AddressOf(alice_)), 999'271u);

  // Without a limit, nothing counts.
  ASSERT_EQ(SetRateLimit(0, atom_, 0, 0).status(),
            ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(RateLimit(0, atom_).remaining(), 729u);
  EXPECT_EQ(VoucherOn(0, release(700)), atom_);
  EXPECT_EQ(Escrowed(0, channel, atom_), 29u);
}

}  // namespace
}  // namespace ballast::node
