// Issue 7: one deploy whose function nests blocks 170,000 deep (510 KB,
// within the code size limit) killed ballastd with a stack overflow during
// deploy-time preparation, and came back after every restart. Against a
// real node: the deploy is committed with a REJECTED receipt naming the
// limit, the node keeps answering, what was committed before is intact, and
// a restart finds the same chain.

#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/api/proto_json.h"
#include "tests/node/chain_fixture.h"
#include "tests/testing/ballastd_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/wasm/nested_module.h"
#include "wasm/limits.h"

namespace ballast::node {
namespace {

using ::ballast::api::HexBytes;
using ::ballast::test::BallastdProcess;
using ::ballast::test::HttpResult;
using ::ballast::test::TempDir;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kDeployChain[] = "testnet";
constexpr uint64_t kDeploySupply = 1'000'000;

ledger::SignedTransaction Signed(const KeyPair& key, uint64_t nonce,
                                 ledger::Transaction tx) {
  tx.set_chain_id(kDeployChain);
  tx.set_nonce(nonce);
  tx.set_gas_limit(100'000'000);
  return SignTx(key, tx);
}

TEST(DeepDeployTest, RefusedWithAReceiptAndTheNodeStaysUp) {
  TempDir dir;
  BallastdProcess node(dir.path() + "/chain", {"--chain-id", kDeployChain});
  ASSERT_TRUE(node.Start()) << node.log();
  const KeyPair alice = DevKey('a');

  // Committed before the attack: a token holding alice's supply.
  token::InitRequest init;
  init.set_name("Test Token");
  init.set_symbol("TT");
  init.set_initial_holder(AddressOf(alice));
  init.set_initial_supply(kDeploySupply);
  ledger::Transaction deploy;
  deploy.mutable_deploy()->set_code(ContractWasm("token"));
  deploy.mutable_deploy()->set_interface(ContractDescriptor("token"));
  deploy.mutable_deploy()->set_init_input(init.SerializeAsString());
  HttpResult token = node.SubmitAndWait(Signed(alice, 0, deploy));
  ASSERT_EQ(token.body["receipt"]["status"], "RECEIPT_STATUS_SUCCESS")
      << token.text;
  const std::string token_address =
      token.body["receipt"]["contract_address"].get<std::string>();
  auto balance = [&](BallastdProcess& n) {
    HttpResult r = n.Post(
        "/v1/query", json{{"contract", token_address},
                          {"method", "balance_of"},
                          {"args", {{"owner", HexBytes(AddressOf(alice))}}}});
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body["result"]["balance"];
  };
  EXPECT_EQ(balance(node), std::to_string(kDeploySupply));

  // The attack: the deep module, with enough gas.
  ledger::Transaction deep;
  deep.mutable_deploy()->set_code(wasm::NestedModule(170'000));
  ASSERT_LE(deep.deploy().code().size(), wasm::Limits().max_code_bytes);
  deep.mutable_deploy()->set_interface(ContractDescriptor("token"));
  HttpResult refused = node.SubmitAndWait(Signed(alice, 1, deep));
  ASSERT_EQ(refused.status, 200) << refused.text << "\n" << node.log();
  EXPECT_EQ(refused.body["status"], "committed");
  EXPECT_EQ(refused.body["receipt"]["status"], "RECEIPT_STATUS_REJECTED");
  EXPECT_THAT(refused.body["receipt"]["error"].get<std::string>(),
              HasSubstr("deploy: function 1: control instructions nest "
                        "deeper than the limit of 1024"));
  const std::string hash = refused.body["hash"].get<std::string>();

  // Still up, rendering the deploy again, and the token is intact.
  HttpResult health = node.Get("/v1/health");
  ASSERT_EQ(health.status, 200) << node.log();
  EXPECT_EQ(health.body["height"], "2");
  EXPECT_EQ(node.Get("/v1/tx/" + hash).body["receipt"]["status"],
            "RECEIPT_STATUS_REJECTED");
  EXPECT_EQ(balance(node), std::to_string(kDeploySupply));
  EXPECT_EQ(node.Get("/v1/account/" + HexBytes(AddressOf(alice))).body["nonce"],
            "2");

  // A restart continues the same chain.
  EXPECT_EQ(node.Terminate(), 0) << node.log();
  ASSERT_TRUE(node.Start()) << node.log();
  EXPECT_EQ(node.Get("/v1/health").body["height"], "2");
  EXPECT_EQ(balance(node), std::to_string(kDeploySupply));
  EXPECT_EQ(node.Terminate(), 0) << node.log();
}

}  // namespace
}  // namespace ballast::node
