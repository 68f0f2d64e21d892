// ballast-relayer end to end (issue 10): two real ballastd chains from
// `ballast chains up` (blocks signed by two of three keys), the token
// transfer application on both, a channel opened by `ballast-relayer link`,
// and the relayer as a real process, with chaos and a kill -9 in the middle.
// Every figure is read back from the chains: nothing is minted twice,
// nothing is lost, the escrow on A equals the vouchers on B.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "bridge/core/keys.h"
#include "bridge/relayer/bench.h"
#include "contracts/token/token.pb.h"
#include "contracts/transfer/transfer.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "node/api/client.h"
#include "tests/testing/ballastd_process.h"
#include "tests/tools/cli_harness.h"
#include "tools/cli/chains_commands.h"
#include "tools/cli/commands.h"

namespace ballast::test {
namespace {

using ::testing::HasSubstr;

constexpr char kVersion[] = "ballast-transfer-1";

class RelayerTest : public CliTest {
 protected:
  struct Side {
    cli::ChainEntry entry;
    std::unique_ptr<api::Client> node;
    std::string app;        // the transfer application
    std::string template_;  // the voucher template
  };

  // How many chains `ballast chains up` starts (chain-a, chain-b, ...).
  virtual int Chains() const { return 2; }

  void SetUp() override {
    StartChains();
    if (HasFatalFailure()) return;
    for (int i = 0; i < Chains(); ++i) {
      side_[i].template_ = DeployToken(i, "Template", "TPL", 0);
      transfer::InitRequest init;
      init.set_admin(alice_.address);
      init.set_voucher_template(side_[i].template_);
      side_[i].app = Deploy(i, "transfer", init.SerializeAsString());
    }
    atom_ = DeployToken(0, "Atom", "ATOM", 1'000'000);
    // The same keys in the CLI's keystore, for `ballast bridge transfer`.
    for (auto [name, seed] : {std::pair{"alice", 'a'}, {"bob", 'b'}}) {
      RunResult r = Cli({"keys", "import", name}, ToHex(std::string(32, seed)));
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
    }
  }

  // `ballast chains up` (again: the same data dirs, new ports), and a
  // client of each chain from the registry it writes.
  void StartChains() {
    up_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            BALLAST_CLI_BINARY, "chains", "up", "--count", StrCat(Chains()),
            "--signing-keys", "3", "--threshold", "2", "--block-time", "100",
            "--dir", dir_ + "/chains", "--ballastd", BallastdBinary()},
        dir_ + "/up.log", EnvChanges{{"BALLAST_HOME", home_}});
    const std::string registry = home_ + "/chains.json";
    for (int i = 0; i < 600 && !std::filesystem::exists(registry); ++i) {
      ASSERT_TRUE(up_->Running()) << ReadFile(dir_ + "/up.log").value_or("");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto chains = cli::LoadChainRegistry(registry);
    ASSERT_TRUE(chains.ok()) << chains.status();
    for (int i = 0; i < Chains(); ++i) {
      side_[i].entry = (*chains)[i];
      side_[i].node = *api::Client::Create(side_[i].entry.url);
    }
  }
  void RestartChains() { StartChains(); }

  // `ballast --json ARGS...` against chain `on`.
  nlohmann::json CliOn(int on, const std::vector<std::string>& args) {
    node_url_ = side_[on].entry.url;
    return CliJson(args);
  }

  // `ballast bridge audit` of chain `a` (escrow) against `b` (vouchers):
  // exit 0 and every path ok.
  void ExpectAuditHolds(int a = 0, int b = 1) {
    node_url_ = side_[a].entry.url;
    RunResult r = Cli({"--json", "bridge", "audit", "--chain-a",
                       side_[a].entry.url, "--chain-b", side_[b].entry.url});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_EQ(doc.value("ok", false), true) << r.out;
    EXPECT_FALSE(doc.value("paths", nlohmann::json::array()).empty()) << r.out;
  }

  void TearDown() override {
    relayer_.reset();
    if (up_ != nullptr) {
      EXPECT_EQ(up_->Stop(std::chrono::seconds(30)), 0);
    }
  }

  api::ReceiptView Submit(int on, ledger::Transaction tx,
                          const cli::StoredKey& who) {
    api::Client& node = *side_[on].node;
    auto nonce = node.NextNonce(who.address);
    EXPECT_TRUE(nonce.ok()) << nonce.status();
    auto view = node.SubmitAndWait(
        cli::SignTx(who, std::move(tx), side_[on].entry.chain_id,
                    nonce.value_or(0), 50'000'000),
        absl::Seconds(30));
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? view->receipt() : api::ReceiptView();
  }

  std::string Deploy(int on, const std::string& name, const std::string& init) {
    const std::string dir = BALLAST_CONTRACTS_DIR;
    ledger::Transaction tx;
    tx.mutable_deploy()->set_code(
        ReadFile(dir + "/" + name + ".wasm").value_or(""));
    tx.mutable_deploy()->set_interface(
        ReadFile(dir + "/" + name + ".desc").value_or(""));
    tx.mutable_deploy()->set_init_input(init);
    api::ReceiptView r = Submit(on, std::move(tx), alice_);
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    return r.contract_address();
  }

  std::string DeployToken(int on, const std::string& name,
                          const std::string& symbol, uint64_t supply) {
    token::InitRequest init;
    init.set_name(name);
    init.set_symbol(symbol);
    init.set_decimals(6);
    if (supply > 0) {
      init.set_initial_holder(alice_.address);
      init.set_initial_supply(supply);
    }
    return Deploy(on, "token", init.SerializeAsString());
  }

  api::ReceiptView Call(int on, const cli::StoredKey& who,
                        const std::string& contract, const std::string& method,
                        const google::protobuf::Message& m) {
    ledger::Transaction tx;
    tx.mutable_call()->set_contract(contract);
    tx.mutable_call()->set_method(method);
    tx.mutable_call()->set_input(m.SerializeAsString());
    return Submit(on, std::move(tx), who);
  }

  template <typename Response>
  Response Query(int on, const std::string& contract, const std::string& method,
                 const google::protobuf::Message& m) {
    api::QueryRequest q;
    q.set_contract(contract);
    q.set_method(method);
    q.set_input(m.SerializeAsString());
    auto r = side_[on].node->Query(q);
    EXPECT_TRUE(r.ok()) << r.status();
    Response out;
    if (r.ok()) {
      EXPECT_TRUE(out.ParseFromString(r->output()));
    }
    return out;
  }

  uint64_t Balance(int on, const std::string& token, const std::string& who) {
    token::BalanceOfRequest req;
    req.set_owner(who);
    return Query<token::BalanceOfResponse>(on, token, "balance_of", req)
        .balance();
  }
  uint64_t Supply(int on, const std::string& token) {
    return Query<token::TotalSupplyResponse>(on, token, "total_supply",
                                             token::TotalSupplyRequest())
        .total_supply();
  }
  uint64_t Escrowed(int on, const std::string& channel,
                    const std::string& token) {
    transfer::EscrowedRequest req;
    req.set_channel(channel);
    req.set_token(token);
    return Query<transfer::EscrowedResponse>(on, side_[on].app, "escrowed", req)
        .amount();
  }
  // The voucher on B of ATOM sent through the channel (empty if none yet).
  std::string Voucher() {
    return VoucherOf(1, channel_[1], "0x" + ToHex(atom_));
  }
  // The voucher on chain `on` of `denom` arrived through `channel` there.
  std::string VoucherOf(int on, const std::string& channel,
                        const std::string& denom) {
    transfer::VoucherRequest req;
    req.set_denom(
        StrCat(bridge::PortOf(side_[on].app), "/", channel, "/", denom));
    auto r =
        Query<transfer::VoucherResponse>(on, side_[on].app, "voucher", req);
    return r.exists() ? r.token() : "";
  }

  // `ballast-relayer ARGS...` to completion.
  RunResult Relayer(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BALLAST_RELAYER_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return ballast::Run(argv, {{"BALLAST_HOME", home_}});
  }
  // Starts `ballast-relayer start` on the channel, with `extra` options.
  void StartRelayer(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
        BALLAST_RELAYER_BINARY,
        "start",
        "--path",
        StrCat(side_[0].entry.chain_id, ":", channel_[0], ":",
               side_[1].entry.chain_id),
        "--interval-ms",
        "100"};
    for (const auto& [chain, channel, other] : more_paths_) {
      argv.push_back("--path");
      argv.push_back(StrCat(side_[chain].entry.chain_id, ":", channel, ":",
                            side_[other].entry.chain_id));
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    relayer_ = std::make_unique<ChildProcess>(
        argv, dir_ + "/relayer.log", EnvChanges{{"BALLAST_HOME", home_}});
  }

  void Link() {
    auto [a, b] = LinkPair(0, 1);
    channel_[0] = a;
    channel_[1] = b;
  }

  // Opens a channel between the applications of chains `i` and `j`
  // (`ballast-relayer link`); returns its ends' ids.
  std::pair<std::string, std::string> LinkPair(int i, int j) {
    RunResult r = Relayer(
        {"--json", "link", "--a", side_[i].entry.chain_id, "--b",
         side_[j].entry.chain_id, "--port-a", bridge::PortOf(side_[i].app),
         "--port-b", bridge::PortOf(side_[j].app), "--version", kVersion});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    if (r.exit_code != 0) return {};
    nlohmann::json doc = nlohmann::json::parse(r.out);
    return {doc["path"][0]["channel"], doc["path"][1]["channel"]};
  }

  // `who` sends `amount` of `token` from chain `on` to `to` on the other
  // chain (approve, then transfer).
  void Send(int on, const cli::StoredKey& who, const std::string& token,
            uint64_t amount, const std::string& to,
            uint64_t timeout_height = 1'000'000) {
    SendOn(on, channel_[on], who, token, amount, to, timeout_height);
  }
  void SendOn(int on, const std::string& channel, const cli::StoredKey& who,
              const std::string& token, uint64_t amount, const std::string& to,
              uint64_t timeout_height = 1'000'000) {
    token::ApproveRequest approve;
    approve.set_spender(side_[on].app);
    approve.set_amount(amount);
    ASSERT_EQ(Call(on, who, token, "approve", approve).status(),
              ledger::RECEIPT_STATUS_SUCCESS);
    transfer::TransferRequest req;
    req.set_channel(channel);
    req.set_token(token);
    req.set_amount(amount);
    req.set_receiver(to);
    req.set_timeout_height(timeout_height);
    api::ReceiptView r = Call(on, who, side_[on].app, "transfer", req);
    ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  }

  // Waits (up to 90 s) until `done` holds; false (with the relayer's log)
  // if it never does.
  bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 900; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "relayer log:\n"
                  << ReadFile(dir_ + "/relayer.log").value_or("");
    return false;
  }

  nlohmann::json Status() {
    RunResult r = Relayer({"--json", "status"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  static cli::StoredKey Key(char seed, const std::string& name) {
    cli::StoredKey k;
    k.name = name;
    k.key = *KeyPairFromSeed(std::string(32, seed));
    k.address = AddressFromPublicKey(k.key.public_key);
    return k;
  }

  cli::StoredKey alice_ = Key('a', "alice");
  cli::StoredKey bob_ = Key('b', "bob");
  std::unique_ptr<ChildProcess> up_;
  std::unique_ptr<ChildProcess> relayer_;
  Side side_[3];
  // Paths the relayer carries besides chain-a's channel_[0] to chain-b:
  // (chain, channel, other chain).
  std::vector<std::tuple<int, std::string, int>> more_paths_;
  std::string atom_;
  std::string channel_[2];
};

// A -> B and back through a relayer that drops, duplicates, delays and
// reorders messages and is killed with SIGKILL in the middle: every packet
// is delivered exactly once, and the escrow on A always covers B's vouchers.
TEST_F(RelayerTest, ChaosAndAKillLoseNothingAndMintNothingTwice) {
  Link();
  ASSERT_FALSE(channel_[0].empty());
  StartRelayer(
      {"--chaos", "drop=0.2,dup=0.2,delay=0.2,reorder=0.5", "--seed", "7"});
  constexpr int kPackets = 12;
  uint64_t sent = 0;
  for (int i = 1; i <= kPackets; ++i) {
    Send(0, alice_, atom_, i, bob_.address);
    sent += i;
    // The audit is exact at any moment, packets in flight included.
    if (i % 3 == 0) ExpectAuditHolds();
    if (i == kPackets / 2) relayer_->Kill();  // kill -9, mid-flow
    if (i == kPackets / 2) {
      StartRelayer(
          {"--chaos", "drop=0.2,dup=0.2,delay=0.2,reorder=0.5", "--seed", "8"});
    }
  }
  ASSERT_TRUE(Eventually([&] {
    const std::string v = Voucher();
    return !v.empty() && Balance(1, v, bob_.address) == sent &&
           Status().value("pending", 1) == 0;
  }));
  const std::string voucher = Voucher();
  EXPECT_EQ(Supply(1, voucher), sent);  // nothing minted twice
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), sent);
  EXPECT_EQ(Balance(0, atom_, alice_.address), 1'000'000 - sent);
  nlohmann::json status = Status();
  EXPECT_GE(status["received"].get<uint64_t>(), 1u);
  EXPECT_GT(status["dropped"].get<uint64_t>(), 0u) << status.dump();
  ExpectAuditHolds();
  // With proofs: the escrow on A and the voucher supply on B, each proved
  // at the audited height and verified against the registry's keys.
  node_url_ = side_[0].entry.url;
  nlohmann::json proved =
      CliJson({"bridge", "audit", "--chain-a", side_[0].entry.url, "--chain-b",
               side_[1].entry.url, "--prove", dir_ + "/audit"});
  ASSERT_EQ(proved["proofs"].size(), 2u) << proved.dump();
  for (const nlohmann::json& p : proved["proofs"]) {
    EXPECT_EQ(p["trusted_keys_from"], "the chain registry");
    EXPECT_TRUE(std::filesystem::exists(p["file"].get<std::string>()));
  }
  EXPECT_EQ(proved["proofs"][0]["height"], proved["height_a"]);
  EXPECT_EQ(proved["proofs"][1]["height"], proved["height_b"]);
  // Every packet acknowledged, as `bridge packets` and `doctor` say.
  nlohmann::json packets = CliOn(0, {"bridge", "packets"});
  ASSERT_EQ(packets["packets"].size(), size_t{kPackets}) << packets.dump();
  for (const nlohmann::json& p : packets["packets"]) {
    EXPECT_EQ(p["state"], "acknowledged") << p.dump();
  }
  nlohmann::json doctor =
      CliOn(0, {"bridge", "doctor", StrCat(channel_[0], "/3")});
  EXPECT_THAT(std::string(doctor["state"]), HasSubstr("delivered"));
  EXPECT_EQ(doctor["amount"], "3");

  // Back with the CLI: bob returns 40 to alice; the voucher is burnt, the
  // escrow released.
  nlohmann::json back = CliOn(
      1, {"bridge", "transfer", "--channel", channel_[1], "0x" + ToHex(voucher),
          "40", "0x" + ToHex(alice_.address), "--from", "bob"});
  EXPECT_EQ(back["amount"], "40") << back.dump();
  EXPECT_EQ(back["denom"], StrCat(bridge::PortOf(side_[1].app), "/",
                                  channel_[1], "/0x", ToHex(atom_)));
  ASSERT_TRUE(Eventually([&] {
    return Balance(0, atom_, alice_.address) == 1'000'000 - sent + 40 &&
           Status().value("pending", 1) == 0;
  }));
  EXPECT_EQ(Supply(1, voucher), sent - 40);
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), sent - 40);
  EXPECT_EQ(Balance(1, voucher, bob_.address), sent - 40);
  ExpectAuditHolds();
}

// A packet whose timeout passes while no relayer runs is refunded by the
// next relayer, against B's proof that it never received it.
TEST_F(RelayerTest, ATimedOutTransferIsRefunded) {
  Link();
  auto head = side_[1].node->LatestBlock();
  ASSERT_TRUE(head.ok());
  // Six seconds of B's blocks: room for the first doctor under the
  // sanitizers, which slow every step.
  const uint64_t timeout = head->header().height() + 60;
  Send(0, alice_, atom_, 500, bob_.address, timeout);
  EXPECT_EQ(Balance(0, atom_, alice_.address), 1'000'000 - 500u);
  nlohmann::json doctor =
      CliOn(0, {"bridge", "doctor", StrCat(channel_[0], "/1")});
  EXPECT_THAT(std::string(doctor["next_action"]),
              HasSubstr("relay the packet: ballast-relayer start --path"))
      << doctor.dump();
  ExpectAuditHolds();  // the escrow is in flight
  // B moves past the timeout (blocks every 100 ms).
  ASSERT_TRUE(Eventually([&] {
    auto h = side_[1].node->LatestBlock();
    return h.ok() && h->header().height() >= timeout;
  }));
  doctor = CliOn(0, {"bridge", "doctor", StrCat(channel_[0], "/1")});
  EXPECT_THAT(std::string(doctor["next_action"]),
              HasSubstr("submit the timeout to refund"))
      << doctor.dump();
  StartRelayer({});
  ASSERT_TRUE(Eventually(
      [&] { return Balance(0, atom_, alice_.address) == 1'000'000u; }));
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), 0u);
  EXPECT_TRUE(Voucher().empty());
  ASSERT_TRUE(Eventually([&] { return Status().value("timed_out", 0) == 1; }));
  RunResult text = Relayer({"status"});
  EXPECT_THAT(text.out, HasSubstr("timed out 1"));
  doctor = CliOn(0, {"bridge", "doctor", StrCat(channel_[0], "/1")});
  EXPECT_THAT(std::string(doctor["state"]), HasSubstr("timed out; refunded"));
  nlohmann::json packets = CliOn(0, {"bridge", "packets"});
  ASSERT_EQ(packets["packets"].size(), 1u);
  EXPECT_EQ(packets["packets"][0]["state"], "timed out (refunded)");
  ExpectAuditHolds();
}

// Two relayers with their own keys on the same path, both under chaos: the
// chains accept each packet, acknowledgement and client height once, so the
// second relayer's copies are refused and nothing is delivered twice.
TEST_F(RelayerTest, TwoRelayersOnOnePathDoNoHarm) {
  Link();
  StartRelayer({"--chaos", "dup=0.3,reorder=0.5", "--seed", "3"});
  ChildProcess second(
      {BALLAST_RELAYER_BINARY, "--key", "relayer2", "--state",
       dir_ + "/relayer2", "start", "--path",
       StrCat(side_[0].entry.chain_id, ":", channel_[0], ":",
              side_[1].entry.chain_id),
       "--interval-ms", "70", "--chaos", "dup=0.3,reorder=0.5", "--seed", "4"},
      dir_ + "/relayer2.log", EnvChanges{{"BALLAST_HOME", home_}});
  constexpr int kPackets = 10;
  uint64_t sent = 0;
  for (int i = 1; i <= kPackets; ++i) {
    Send(0, alice_, atom_, i, bob_.address);
    sent += i;
  }
  ASSERT_TRUE(Eventually([&] {
    const std::string v = Voucher();
    return !v.empty() && Balance(1, v, bob_.address) == sent &&
           Status().value("pending", 1) == 0;
  }));
  EXPECT_EQ(Supply(1, Voucher()), sent);
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), sent);
  // Between them they received each packet once.
  RunResult other =
      Relayer({"--json", "--state", dir_ + "/relayer2", "status"});
  ASSERT_EQ(other.exit_code, 0) << other.Describe();
  nlohmann::json s2 = nlohmann::json::parse(other.out);
  EXPECT_EQ(
      Status()["received"].get<uint64_t>() + s2["received"].get<uint64_t>(),
      uint64_t{kPackets});
  ExpectAuditHolds();
}

// Both nodes stopped and started again (on new ports) in the middle of a
// flow: the relayer reads the registry again and carries on; every packet
// is delivered once.
TEST_F(RelayerTest, NodesRestartedMidFlowDeliverEveryPacketOnce) {
  Link();
  StartRelayer({});
  uint64_t sent = 0;
  for (int i = 1; i <= 4; ++i) {
    Send(0, alice_, atom_, i, bob_.address);
    sent += i;
  }
  ASSERT_EQ(up_->Stop(std::chrono::seconds(30)), 0);
  up_.reset();
  RestartChains();
  ASSERT_FALSE(HasFatalFailure());
  for (int i = 5; i <= 8; ++i) {
    Send(0, alice_, atom_, i, bob_.address);
    sent += i;
  }
  ASSERT_TRUE(Eventually([&] {
    const std::string v = Voucher();
    return !v.empty() && Balance(1, v, bob_.address) == sent &&
           Status().value("pending", 1) == 0;
  }));
  EXPECT_EQ(Supply(1, Voucher()), sent);
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), sent);
  EXPECT_THAT(ReadFile(dir_ + "/relayer.log").value_or(""),
              HasSubstr("reconnected"));
  ExpectAuditHolds();
}

// Issue 10's collateral flow on real processes: lock ATOM on A, and on B a
// collateral type of the vault engine names the voucher of exactly this
// channel and denomination (`ballast system deploy` with the voucher as the
// type's token); bob mints B's stable against it, repays, closes, and sends
// the voucher home, where the ATOM is released.
TEST_F(RelayerTest, LockOnAMintStableOnBRepayAndReturn) {
  Link();
  StartRelayer({});
  Send(0, alice_, atom_, 1'000'000, bob_.address);
  ASSERT_TRUE(Eventually([&] {
    const std::string v = Voucher();
    return !v.empty() && Balance(1, v, bob_.address) == 1'000'000;
  }));
  const std::string voucher = Voucher();
  // B's collateral system, its one type the voucher (decimals read from
  // it: 6, as ATOM's), priced 2000 per whole token, no stability fee.
  const std::string config = dir_ + "/system-b.json";
  ASSERT_TRUE(WriteFileDurably(
                  config, nlohmann::json{{"stable",
                                          {{"name", "Ballast Dollar"},
                                           {"symbol", "BUSD"},
                                           {"decimals", 6}}},
                                         {"line", "20000000000000"},
                                         {"hole", "2000000000000"},
                                         {"oracle",
                                          {{"reporters", {"alice"}},
                                           {"quorum", 1},
                                           {"max_age_s", 3600},
                                           {"delay_s", 0},
                                           {"max_step", "0"}}},
                                         {"faucet", {{"period_s", 60}}},
                                         {"auction",
                                          {{"buf", "1.05"},
                                           {"tail_s", 3600},
                                           {"cusp", "0.6"},
                                           {"step_s", 60},
                                           {"cut", "0.99"}}},
                                         {"types",
                                          {{{"name", "ATOM-A"},
                                            {"token", "0x" + ToHex(voucher)},
                                            {"price", "2000"},
                                            {"liquidation_ratio", "1.5"},
                                            {"liquidation_penalty", "1.13"},
                                            {"line", "10000000000000"},
                                            {"dust", "100000000"},
                                            {"fee", "1"},
                                            {"hole", "1000000000000"},
                                            {"tip", "10000000"},
                                            {"chip", "0.01"},
                                            {"redemption_fee", "0.005"}}}}}
                              .dump())
                  .ok());
  node_url_ = side_[1].entry.url;
  RunResult deployed = Cli({"system", "deploy", "--from", "alice", "--config",
                            config, "--contracts", BALLAST_CONTRACTS_DIR});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.Describe();
  nlohmann::json system = CliJson({"system", "show"});
  ASSERT_EQ(system["types"].size(), 1u) << system.dump();
  EXPECT_EQ(system["types"][0]["token"], "0x" + ToHex(voucher));
  const std::string stable = system["stable"];

  // 1 ATOM-A (1,000,000) at 2000 backs 500 BUSD at a ratio of 4.
  EXPECT_EQ(CliJson({"vault", "open", "ATOM-A", "--from", "bob"})["id"], "1");
  CliJson({"vault", "deposit", "1", "1000000", "--from", "bob"});
  CliJson({"vault", "mint", "1", "500000000", "--from", "bob"});
  auto stable_raw = cli::ParseAddress(stable);
  ASSERT_TRUE(stable_raw.ok());
  EXPECT_EQ(Balance(1, *stable_raw, bob_.address), 500'000'000u);
  EXPECT_EQ(Balance(1, voucher, bob_.address), 0u);  // locked in the engine
  // The voucher cannot leave B while it backs the debt.
  EXPECT_NE(Cli({"bridge", "transfer", "--channel", channel_[1],
                 "0x" + ToHex(voucher), "1", "0x" + ToHex(alice_.address),
                 "--from", "bob"})
                .exit_code,
            0);
  CliJson({"vault", "repay", "1", "500000000", "--from", "bob"});
  CliJson({"vault", "close", "1", "--from", "bob"});
  EXPECT_EQ(Balance(1, voucher, bob_.address), 1'000'000u);
  EXPECT_EQ(Supply(1, *stable_raw), 0u);

  // Home: the voucher burns on B, the ATOM is released to alice on A.
  CliOn(1,
        {"bridge", "transfer", "--channel", channel_[1], "0x" + ToHex(voucher),
         "1000000", "0x" + ToHex(alice_.address), "--from", "bob"});
  ASSERT_TRUE(Eventually(
      [&] { return Balance(0, atom_, alice_.address) == 1'000'000u; }));
  EXPECT_EQ(Supply(1, voucher), 0u);
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), 0u);
  ASSERT_TRUE(Eventually([&] { return Status().value("pending", 1) == 0; }));
  ExpectAuditHolds();
}

class ThreeChainRelayerTest : public RelayerTest {
 protected:
  int Chains() const override { return 3; }
};

// A -> B -> C and back, through one relayer carrying two paths: the
// denomination records its path (C's voucher names both hops), and each
// hop home burns the voucher and releases the escrow it came from.
TEST_F(ThreeChainRelayerTest, AToBToCAndBackUnwindsTheDenomination) {
  Link();
  // Named copies, not a structured binding: the lambdas below capture
  // c_to_b, which clang 14 (the sanitizer preset) does not allow.
  const auto pair = LinkPair(1, 2);
  const std::string b_to_c = pair.first, c_to_b = pair.second;
  ASSERT_FALSE(b_to_c.empty());
  more_paths_.push_back({1, b_to_c, 2});
  StartRelayer({});
  const cli::StoredKey carol = Key('c', "carol");
  const std::string atom_denom = "0x" + ToHex(atom_);
  Send(0, alice_, atom_, 100, bob_.address);
  ASSERT_TRUE(Eventually([&] {
    const std::string v = Voucher();
    return !v.empty() && Balance(1, v, bob_.address) == 100;
  }));
  const std::string on_b = Voucher();
  SendOn(1, b_to_c, bob_, on_b, 60, carol.address);
  // On C, the voucher's denomination names both hops.
  const std::string b_denom =
      StrCat(bridge::PortOf(side_[1].app), "/", channel_[1], "/", atom_denom);
  ASSERT_TRUE(Eventually([&] {
    const std::string v = VoucherOf(2, c_to_b, b_denom);
    return !v.empty() && Balance(2, v, carol.address) == 60;
  }));
  const std::string on_c = VoucherOf(2, c_to_b, b_denom);
  EXPECT_EQ(Escrowed(1, b_to_c, on_b), 60u);
  EXPECT_EQ(Balance(1, on_b, bob_.address), 40u);
  ASSERT_TRUE(Eventually([&] { return Status().value("pending", 1) == 0; }));
  ExpectAuditHolds(0, 1);
  ExpectAuditHolds(1, 2);

  // Home again: C -> B burns C's voucher and releases B's escrow; B -> A
  // burns B's voucher and releases the ATOM.
  SendOn(2, c_to_b, carol, on_c, 60, bob_.address);
  ASSERT_TRUE(
      Eventually([&] { return Balance(1, on_b, bob_.address) == 100; }));
  EXPECT_EQ(Supply(2, on_c), 0u);
  EXPECT_EQ(Escrowed(1, b_to_c, on_b), 0u);
  SendOn(1, channel_[1], bob_, on_b, 100, alice_.address);
  ASSERT_TRUE(Eventually(
      [&] { return Balance(0, atom_, alice_.address) == 1'000'000u; }));
  EXPECT_EQ(Supply(1, on_b), 0u);
  EXPECT_EQ(Escrowed(0, channel_[0], atom_), 0u);
  ASSERT_TRUE(Eventually([&] { return Status().value("pending", 1) == 0; }));
  ExpectAuditHolds(0, 1);
  ExpectAuditHolds(1, 2);
}

// The bridge benchmark (ballast_load --workload bridge) at smoke size and
// under chaos: its own two chains, every transfer acknowledged, and the
// vouchers on B and the escrow on A exactly what was sent (the documented
// long run is 10,000 transfers, BENCHMARKS.md).
TEST(RelayerBenchTest, RunsEndToEnd) {
  TempDir tmp("bridge-bench");
  relayer::BenchOptions o;
  o.transfers = 8;
  o.senders = 2;
  o.block_time_ms = 100;
  o.ballastd = BallastdBinary();
  o.contracts_dir = BALLAST_CONTRACTS_DIR;
  o.out_dir = tmp.path();
  o.chaos = *relayer::ParseChaos("drop=0.2,dup=0.2,delay=0.2,reorder=0.5");
  auto r = relayer::BenchBridge(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->transfers, 8u);
  EXPECT_GE(r->relayer.acknowledged, 8u);
  EXPECT_EQ(r->relayer.received, 8u);
  EXPECT_GT(r->per_second, 0);
  EXPECT_GT(r->baseline_per_second, 0);
  EXPECT_GT(r->latency_mean_ms, 0);
  EXPECT_GT(r->send_gas, 0u);
  EXPECT_GT(r->recv_gas, 0u);
  EXPECT_GT(r->light_latency_mean_ms, 0);
  // 1..8, and the two warm-up transfers and ten one at a time, each of 1.
  EXPECT_EQ(r->voucher_supply, 36u + 12u);
  EXPECT_EQ(r->escrowed, 36u + 12u);
  o.transfers = 7;
  EXPECT_THAT(std::string(relayer::BenchBridge(o).status().message()),
              HasSubstr("transfers must be 8..20000"));
}

TEST_F(RelayerTest, BadArgumentsAreRefusedWithWhatIsWrong) {
  RunResult r = Relayer({"start", "--path", "chain-a:channel-9:chain-b"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("has no channel 'channel-9'"));
  r = Relayer({"start", "--path", "chain-a:channel-0"});
  EXPECT_THAT(r.err, HasSubstr("CHAIN:CHANNEL:CHAIN is expected"));
  r = Relayer({"start", "--path", "chain-a:channel-0:chain-z"});
  EXPECT_THAT(r.err, HasSubstr("chain 'chain-z' is not in"));
  r = Relayer(
      {"start", "--path", "chain-a:channel-0:chain-b", "--chaos", "drop=2"});
  EXPECT_THAT(r.err, HasSubstr("a probability in [0, 1]"));
  r = Relayer(
      {"start", "--path", "chain-a:channel-0:chain-b", "--chaos", "lose=0.1"});
  EXPECT_THAT(r.err, HasSubstr("unknown 'lose'"));
}

}  // namespace
}  // namespace ballast::test
