// NodeService without a socket: every API operation as a C++ call on a real
// node (LevelDB, the runtime, the producer thread), typed results, and the
// errors the HTTP edge maps (node/api/errors.h).

#include "node/service.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"
#include "node/api/views.h"
#include "tests/node/chain_fixture.h"
#include "tests/testing/temp_dir.h"
#include "wasm/gas.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() {
    NodeOptions options;
    options.data_dir = dir_;
    options.chain_id = "svc";
    options.sync = false;
    auto node = Node::Open(options);
    EXPECT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    node_->Start();
    service_ = std::make_unique<NodeService>(node_.get());
  }
  ~ServiceTest() override {
    service_.reset();
    node_.reset();
  }

  ledger::SignedTransaction Tx(ledger::Transaction tx) {
    tx.set_chain_id("svc");
    tx.set_nonce(nonce_++);
    if (tx.gas_limit() == 0) tx.set_gas_limit(kDefaultBlockGasLimit);
    return SignTx(alice_, tx);
  }

  // Deploys the token (initial supply to alice) and returns its address.
  std::string DeployToken() {
    auto iface =
        api::ContractInterface::FromDescriptorSet(ContractDescriptor("token"));
    ledger::Transaction tx;
    tx.mutable_deploy()->set_code(ContractWasm("token"));
    tx.mutable_deploy()->set_interface(ContractDescriptor("token"));
    tx.mutable_deploy()->set_init_input(*iface->EncodeRequest(
        "init", StrCat(R"({"name":"T","symbol":"T","initial_holder":")",
                       api::HexBytes(AddressOf(alice_)),
                       R"(","initial_supply":"1000"})")));
    auto view = service_->SubmitAndWait(Tx(tx), absl::Seconds(30));
    EXPECT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->status(), "committed");
    EXPECT_EQ(view->receipt().status(), ledger::RECEIPT_STATUS_SUCCESS)
        << view->receipt().error();
    return view->receipt().contract_address();
  }

  test::TempDir tmp_;
  std::string dir_ = tmp_.path();
  std::unique_ptr<Node> node_;
  std::unique_ptr<NodeService> service_;
  KeyPair alice_ = DevKey('a');
  uint64_t nonce_ = 0;
};

TEST_F(ServiceTest, InfoHealthAndStatsDescribeTheNode) {
  auto info = service_->Info();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->chain_id(), "svc");
  EXPECT_EQ(info->height(), 0u);
  EXPECT_EQ(info->producer_pubkey(), node_->producer().public_key);
  EXPECT_EQ(info->limits().query_gas_limit(), kMaxQueryGas);
  EXPECT_TRUE(service_->Health()->ok());
  DeployToken();
  EXPECT_EQ(service_->Health()->height(), 1u);
  EXPECT_EQ(service_->Stats().txs(), 1u);
}

TEST_F(ServiceTest, ATransactionGoesFromSubmitToCommittedWithDecodedViews) {
  std::string token = DeployToken();
  auto iface =
      api::ContractInterface::FromDescriptorSet(ContractDescriptor("token"));
  ledger::Transaction tx;
  tx.mutable_call()->set_contract(token);
  tx.mutable_call()->set_method("transfer");
  tx.mutable_call()->set_input(*iface->EncodeRequest(
      "transfer", StrCat(R"({"to":")", api::HexBytes(AddressOf(DevKey('b'))),
                         R"(","amount":"250"})")));
  auto view = service_->SubmitAndWait(Tx(tx), absl::Seconds(30));
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->status(), "committed");
  EXPECT_EQ(view->block_height(), 2u);
  // (A google.protobuf.Value prints its keys in sorted order.)
  EXPECT_EQ(api::JsonText(view->tx().call().args()),
            StrCat(R"({"amount":"250","to":")",
                   api::HexBytes(AddressOf(DevKey('b'))), R"("})"));
  ASSERT_EQ(view->receipt().events_size(), 1);
  EXPECT_EQ(view->receipt().events(0).name(), "TransferEvent");
  EXPECT_TRUE(view->receipt().events(0).has_args());

  // The same transaction, looked up, and its block.
  auto again = service_->Transaction(view->hash());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(api::DumpJson(*api::ProtoToJson(*again)),
            api::DumpJson(*api::ProtoToJson(*view)));
  auto block = service_->BlockAt(2);
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(block->txs(0), view->hash());
  EXPECT_EQ(service_->LatestBlock()->hash(), block->hash());
  EXPECT_EQ(service_->BlockByHash(block->hash())->header().height(), 2u);

  // Query: the balance moved; events by name.
  api::QueryRequest q;
  q.set_contract(token);
  q.set_method("balance_of");
  *q.mutable_args() = *api::JsonValue(
      StrCat(R"({"owner":")", api::HexBytes(AddressOf(DevKey('b'))), "\"}"));
  auto balance = service_->Query(q);
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_EQ(api::JsonText(balance->result()), R"({"balance":"250"})");
  api::EventsRequest events;
  events.set_name("TransferEvent");
  auto found = service_->Events(events);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->events_size(), 1);
  EXPECT_EQ(found->events(0).block_height(), 2u);

  auto account = service_->Account(AddressOf(alice_));
  EXPECT_EQ(account->nonce(), 2u);
  EXPECT_EQ(account->pending_nonce(), 2u);
  auto contract = service_->Contract(token);
  ASSERT_TRUE(contract.ok());
  EXPECT_THAT(contract->methods(), ::testing::Contains("transfer"));
  // Both hashes: the wasm as deployed, and what runs (docs/formats.md 3).
  EXPECT_EQ(contract->code_hash(), Sha256(ContractWasm("token")));
  EXPECT_EQ(contract->instrumenter_version(), wasm::kInstrumenterVersion);
  auto code = node_->store().GetCode(contract->executable_hash());
  ASSERT_TRUE(code.ok() && code->has_value());
  EXPECT_EQ(
      contract->executable_hash(),
      ledger::ExecutableHash(wasm::kInstrumenterVersion, (*code)->wasm()));
  EXPECT_NE(contract->executable_hash(), contract->code_hash());
}

TEST_F(ServiceTest, BadInputIsRefusedWithTheRightKind) {
  std::string token = DeployToken();
  ledger::SignedTransaction no_sig;
  no_sig.set_tx("x");
  EXPECT_THAT(service_->Submit(no_sig).status().message(),
              HasSubstr("field 'signature' must be 64 bytes"));
  EXPECT_THAT(service_->Submit({}).status().message(),
              HasSubstr("field 'tx' is required"));
  EXPECT_EQ(api::KindOf(service_->Transaction("short").status()),
            api::ErrorKind::kBadRequest);
  EXPECT_EQ(api::KindOf(service_->Transaction(std::string(32, 'z')).status()),
            api::ErrorKind::kNotFound);
  EXPECT_EQ(api::KindOf(service_->BlockAt(99).status()),
            api::ErrorKind::kNotFound);

  api::QueryRequest q;
  q.set_contract(token);
  q.set_method("steal");
  EXPECT_THAT(service_->Query(q).status().message(), HasSubstr("no method"));
  EXPECT_EQ(api::KindOf(service_->Query(q).status()),
            api::ErrorKind::kBadRequest);
  q.set_method("balance_of");
  q.set_gas_limit(kMaxQueryGas + 1);
  EXPECT_THAT(service_->Query(q).status().message(),
              HasSubstr("exceeds the query gas limit"));
  q.set_gas_limit(0);
  q.set_input("x");
  *q.mutable_args() = *api::JsonValue("{}");
  EXPECT_THAT(service_->Query(q).status().message(), HasSubstr("not both"));

  // A contract that aborts in a query: 422, with its failure and gas.
  q.clear_input();
  *q.mutable_args() = *api::JsonValue(R"({"owner":"0x01"})");
  absl::Status failed = service_->Query(q).status();
  EXPECT_EQ(api::KindOf(failed), api::ErrorKind::kContractFailed);
  EXPECT_EQ(api::HttpStatusOf(failed), 422);
  EXPECT_EQ(api::FailureOf(failed), "aborted");
  EXPECT_GT(api::GasUsedOf(failed).value_or(0), 0u);
  EXPECT_THAT(failed.message(), HasSubstr("address must be 20 bytes"));

  api::EventsRequest events;
  events.set_from_block(5);
  events.set_to_block(4);
  EXPECT_THAT(service_->Events(events).status().message(),
              HasSubstr("is after to_block"));
  events.clear_to_block();
  events.set_limit(kMaxEventLimit + 1);
  EXPECT_THAT(service_->Events(events).status().message(),
              HasSubstr("limit must be"));
}

// A query that would loop for a very long time within its gas stops at the
// service's query timeout, as a distinct failure, and the node goes on.
TEST_F(ServiceTest, AnEndlessQueryStopsAtTheQueryTimeout) {
  ServiceOptions options;
  options.query_timeout = absl::Milliseconds(200);
  service_ = std::make_unique<NodeService>(node_.get(), options);
  ledger::Transaction deploy;
  deploy.mutable_deploy()->set_code(ContractWasm("probe"));
  auto view = service_->SubmitAndWait(Tx(deploy), absl::Seconds(30));
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->receipt().status(), ledger::RECEIPT_STATUS_SUCCESS)
      << view->receipt().error();
  const std::string probe = view->receipt().contract_address();

  api::QueryRequest q;
  q.set_contract(probe);
  q.set_method("spin");  // only gas or the deadline stops it
  q.set_gas_limit(kMaxQueryGas);
  const absl::Time start = absl::Now();
  absl::Status failed = service_->Query(q).status();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(api::FailureOf(failed), "deadline exceeded") << failed;
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(failed.message(), HasSubstr("wall-time deadline exceeded"));
  EXPECT_EQ(api::GasUsedOf(failed), kMaxQueryGas);
  EXPECT_GE(took, options.query_timeout);

  // The node keeps working: a query that gas stops first (a new service
  // with the default 2 s timeout: a loaded machine must not turn this into
  // a deadline), and a transaction.
  service_ = std::make_unique<NodeService>(node_.get());
  q.set_gas_limit(100'000);
  EXPECT_EQ(api::FailureOf(service_->Query(q).status()), "out of gas");
  EXPECT_TRUE(service_->Health().ok());
  const std::string token = DeployToken();
  EXPECT_EQ(token.size(), kAddressSize);
}

TEST_F(ServiceTest, APendingTransactionIsShownAsPending) {
  // Nonce 5 waits for 0..4: pending, and SubmitAndWait comes back with it.
  nonce_ = 5;
  ledger::Transaction tx;
  tx.mutable_call()->set_contract(std::string(20, 'c'));
  tx.mutable_call()->set_method("noop");
  auto view = service_->SubmitAndWait(Tx(tx), absl::Milliseconds(50));
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->status(), "pending");
  EXPECT_FALSE(view->has_block_height());
  EXPECT_FALSE(view->has_receipt());
  EXPECT_EQ(service_->Account(AddressOf(alice_))->pending_nonce(), 0u);
}

}  // namespace
}  // namespace ballast::node
