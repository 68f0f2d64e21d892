// NodeService without a socket: every API operation as a C++ call on a real
// node (LevelDB, the runtime, the producer thread), typed results, and the
// errors the HTTP edge maps (node/api/errors.h).

#include "node/service.h"

#include "bridge/core/bridge.pb.h"
#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_tree.h"
#include "node/api/errors.h"
#include "node/api/proof.h"
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

// Proofs: a document the service makes verifies offline against the
// producer's key alone, for present and absent entries, at the head and at
// an older height after new blocks.
class ProofServiceTest : public ServiceTest {
 protected:
  std::string Transfer(const std::string& token, const std::string& to,
                       int amount) {
    auto iface =
        api::ContractInterface::FromDescriptorSet(ContractDescriptor("token"));
    ledger::Transaction tx;
    tx.mutable_call()->set_contract(token);
    tx.mutable_call()->set_method("transfer");
    tx.mutable_call()->set_input(*iface->EncodeRequest(
        "transfer", StrCat(R"({"to":")", api::HexBytes(to), R"(","amount":")",
                           amount, R"("})")));
    auto view = service_->SubmitAndWait(Tx(tx), absl::Seconds(30));
    EXPECT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->receipt().status(), ledger::RECEIPT_STATUS_SUCCESS);
    return view->hash();
  }

  api::ProofTrust Trust() {
    api::ProofTrust trust;
    trust.producers = {node_->producer().public_key};
    trust.chain_id = "svc";
    return trust;
  }

  static std::string U64Le(uint64_t v) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
    return out;
  }

  const std::string bob_ = AddressOf(DevKey('b'));
  const std::string carol_ = AddressOf(DevKey('c'));
};

// A relayer proves records of the bridge's table (bridge/core/keys.h) to
// the other chain; `ballast proof verify` checks them like any other.
// The bridge module's events decode through its own interface (bridge.proto's
// Bridge service), as a contract's do through the interface it deployed.
TEST_F(ProofServiceTest, BridgeEventsDecodeThroughTheBridgesInterface) {
  DeployToken();
  auto head = node_->store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  auto block = node_->store().GetBlockByHeight((*head)->height);
  ASSERT_TRUE(block.ok() && block->has_value());
  bridge::Msg create;
  create.mutable_create_client()->set_chain_id("svc");
  create.mutable_create_client()->add_trusted_keys(
      node_->producer().public_key);
  create.mutable_create_client()->set_threshold(1);
  *create.mutable_create_client()->mutable_header()->mutable_header() =
      (*block)->header();
  *create.mutable_create_client()->mutable_header()->mutable_signatures() =
      (*block)->signatures();
  bridge::Msg init;
  init.mutable_conn_open_init()->set_client("client-0");
  init.mutable_conn_open_init()->set_counterparty_client("client-7");
  for (const bridge::Msg& m : {create, init}) {
    ledger::Transaction tx;
    tx.set_bridge(ledger::SerializeDeterministic(m));
    auto view = service_->SubmitAndWait(Tx(tx), absl::Seconds(30));
    ASSERT_TRUE(view.ok()) << view.status();
    ASSERT_EQ(view->receipt().status(), ledger::RECEIPT_STATUS_SUCCESS)
        << view->receipt().error();
  }
  api::EventsRequest req;
  req.set_contract(std::string(bridge::kBridgeAddress));
  auto events = service_->Events(req);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 1);
  const api::EventView& e = events->events(0);
  EXPECT_EQ(e.name(), "HandshakeEvent");
  ASSERT_TRUE(e.has_args()) << e.decode_error();
  const std::string args = api::JsonText(e.args());
  EXPECT_THAT(args, HasSubstr("\"connection\":\"connection-0\""));
  EXPECT_THAT(args, HasSubstr("STATE_INIT"));
}

TEST_F(ProofServiceTest, BridgeRecordsProveAndVerifyOffline) {
  DeployToken();  // some state: an empty chain's root is all zero
  auto head = node_->store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  auto block = node_->store().GetBlockByHeight((*head)->height);
  ASSERT_TRUE(block.ok() && block->has_value());
  // A light client of this very chain, created by a bridge transaction.
  bridge::Msg msg;
  bridge::CreateClient* create = msg.mutable_create_client();
  create->set_chain_id("svc");
  create->add_trusted_keys(node_->producer().public_key);
  create->set_threshold(1);
  *create->mutable_header()->mutable_header() = (*block)->header();
  *create->mutable_header()->mutable_signatures() = (*block)->signatures();
  ledger::Transaction tx;
  tx.set_bridge(ledger::SerializeDeterministic(msg));
  auto view = service_->SubmitAndWait(Tx(tx), absl::Seconds(30));
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->receipt().status(), ledger::RECEIPT_STATUS_SUCCESS)
      << view->receipt().error();

  api::ProofRequest r;
  r.add_bridge_keys(bridge::ClientKey("client-0"));
  r.add_bridge_keys(bridge::ClientKey("client-1"));  // absent
  auto doc = service_->Proof(r);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->entries(0).tree_key(),
            bridge::TreeKey(bridge::ClientKey("client-0")));
  EXPECT_EQ(api::BridgeTreeKey("x"),
            ledger::StateTreeKey(ledger::keys::Table::kBridge, "x"));
  auto proved = api::VerifyProofDocument(*doc, Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  bridge::ClientState client;
  ASSERT_TRUE(client.ParseFromString(proved->entries[0].value.value()));
  EXPECT_EQ(client.chain_id(), "svc");
  EXPECT_FALSE(proved->entries[1].value.has_value());
  // Through JSON and back; a tampered record fails.
  auto j = api::ProofDocumentJson(*doc);
  ASSERT_TRUE(j.ok());
  EXPECT_FALSE((*j)["entries"][0].contains("contract"));
  EXPECT_FALSE((*j)["entries"][0].contains("account"));
  auto parsed = api::ParseProofDocument(api::DumpJson(*j));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(api::VerifyProofDocument(*parsed, Trust()).ok());
  client.set_threshold(0);
  parsed->mutable_entries(0)->set_value(client.SerializeAsString());
  EXPECT_FALSE(api::VerifyProofDocument(*parsed, Trust()).ok());
  // One kind per request.
  r.set_account(AddressOf(alice_));
  EXPECT_THAT(service_->Proof(r).status().message(), HasSubstr("give one of"));
}

TEST_F(ProofServiceTest, TreeKeysAreTheLedgersTreeKeys) {
  const std::string addr = AddressOf(alice_);
  EXPECT_EQ(api::AccountTreeKey(addr),
            ledger::StateTreeKey(ledger::keys::Table::kAccount, addr));
  EXPECT_EQ(api::AccountTreeKey(addr), Sha256(ledger::keys::AccountKey(addr)));
  EXPECT_EQ(api::StorageTreeKey(addr, "supply"),
            ledger::StateTreeKey(ledger::keys::Table::kStorage,
                                 StrCat(addr, "supply")));
  EXPECT_EQ(api::StorageTreeKey(addr, "supply"),
            Sha256(ledger::keys::StorageKey(addr, "supply")));
}

TEST_F(ProofServiceTest, AccountAndStorageKeysProveAndVerifyOffline) {
  const std::string token = DeployToken();
  Transfer(token, bob_, 250);  // height 2

  api::ProofRequest account;
  account.set_account(AddressOf(alice_));
  auto doc = service_->Proof(account);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->chain_id(), "svc");
  EXPECT_EQ(doc->height(), 2u);
  EXPECT_EQ(doc->header().height(), 2u);
  EXPECT_EQ(doc->block_hash(), ledger::BlockHash(doc->header()));
  ASSERT_EQ(doc->signatures_size(), 1);
  ASSERT_EQ(doc->entries_size(), 1);
  EXPECT_EQ(doc->entries(0).nonce(), 2u);
  auto proved = api::VerifyProofDocument(*doc, Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  ledger::Account record;
  ASSERT_TRUE(record.ParseFromString(proved->entries[0].value.value()));
  EXPECT_EQ(record.nonce(), 2u);

  // An account that never sent anything is absent, and proved so.
  account.set_account(carol_);
  doc = service_->Proof(account);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_FALSE(doc->entries(0).has_value());
  EXPECT_EQ(doc->entries(0).nonce(), 0u);
  proved = api::VerifyProofDocument(*doc, Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_FALSE(proved->entries[0].value.has_value());

  // Several storage keys against one header: the supply and balances
  // (present), a balance never written and an odd key (absent).
  api::ProofRequest storage;
  storage.set_contract(token);
  for (const std::string& k :
       {std::string("supply"), StrCat("b", AddressOf(alice_)),
        StrCat("b", bob_), StrCat("b", carol_), std::string("zz")}) {
    storage.add_keys(k);
  }
  doc = service_->Proof(storage);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->entries_size(), 5);
  proved = api::VerifyProofDocument(*doc, Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_EQ(proved->entries[0].value, U64Le(1000));
  EXPECT_EQ(proved->entries[1].value, U64Le(750));
  EXPECT_EQ(proved->entries[2].value, U64Le(250));
  EXPECT_EQ(proved->entries[3].value, std::nullopt);
  EXPECT_EQ(proved->entries[4].value, std::nullopt);
  EXPECT_EQ(proved->entries[1].key, StrCat("b", AddressOf(alice_)));

  // The JSON document round-trips through the parser (null values too).
  auto j = api::ProofDocumentJson(*doc);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE((*j)["entries"][3]["value"].is_null());
  EXPECT_FALSE((*j)["entries"][3].contains("account"));
  auto parsed = api::ParseProofDocument(api::DumpJson(*j));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(api::VerifyProofDocument(*parsed, Trust()).ok());
  EXPECT_FALSE(parsed->entries(3).has_value());
}

TEST_F(ProofServiceTest, OldHeightsStayProvableAfterNewBlocks) {
  const std::string token = DeployToken();  // height 1
  api::ProofRequest storage;
  storage.set_contract(token);
  storage.add_keys(StrCat("b", bob_));
  Transfer(token, bob_, 250);  // 2
  Transfer(token, bob_, 5);    // 3
  storage.set_height(1);
  auto old = service_->Proof(storage);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->height(), 1u);
  auto proved = api::VerifyProofDocument(*old, Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_EQ(proved->entries[0].value, std::nullopt);
  storage.set_height(2);
  proved = api::VerifyProofDocument(*service_->Proof(storage), Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_EQ(proved->entries[0].value, U64Le(250));
  storage.clear_height();
  proved = api::VerifyProofDocument(*service_->Proof(storage), Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_EQ(proved->height, 3u);
  EXPECT_EQ(proved->entries[0].value, U64Le(255));
}

// Past retention a height gets a clear error naming what is kept; what is
// kept still proves.
TEST_F(ProofServiceTest, APrunedHeightNamesTheRetainedRange) {
  service_.reset();
  node_.reset();
  test::TempDir tmp;
  NodeOptions options;
  options.data_dir = tmp.path();
  options.chain_id = "svc";
  options.sync = false;
  options.state_retain_heights = 2;
  options.state_retain_ms = 0;
  auto node = Node::Open(options);
  ASSERT_TRUE(node.ok()) << node.status();
  node_ = *std::move(node);
  node_->Start();
  service_ = std::make_unique<NodeService>(node_.get());
  const std::string token = DeployToken();               // 1
  for (int i = 0; i < 4; ++i) Transfer(token, bob_, 1);  // 2..5
  auto oldest = node_->store().state_tree().OldestVersion();
  ASSERT_TRUE(oldest.ok());
  ASSERT_EQ(*oldest, 4u);
  api::ProofRequest r;
  r.set_account(AddressOf(alice_));
  r.set_height(3);
  absl::Status s = service_->Proof(r).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_EQ(api::HttpStatusOf(s), 400);
  EXPECT_THAT(s.message(),
              HasSubstr("height 3 cannot be proved: the node keeps the state "
                        "of heights 4..5 (older heights are pruned)"));
  r.set_height(4);
  auto doc = service_->Proof(r);
  ASSERT_TRUE(doc.ok()) << doc.status();
  auto proved = api::VerifyProofDocument(*doc, Trust());
  ASSERT_TRUE(proved.ok()) << proved.status();
  EXPECT_EQ(doc->entries(0).nonce(), 4u);
}

// Queries pinned to a height: the state, the contracts and the block time
// of that height, echoed in the answer; heights outside what the tree keeps
// are refused as proofs at them are.
TEST_F(ProofServiceTest, QueriesRunAtAPinnedHeight) {
  const std::string token = DeployToken();                 // 1
  for (int i = 0; i < 3; ++i) Transfer(token, carol_, 1);  // 2..4
  Transfer(token, bob_, 250);                              // 5
  const std::string other = DeployToken();                 // 6
  Transfer(token, bob_, 5);                                // 7
  auto balance = [&](std::optional<uint64_t> height) {
    api::QueryRequest q;
    q.set_contract(token);
    q.set_method("balance_of");
    *q.mutable_args() =
        *api::JsonValue(StrCat(R"({"owner":")", api::HexBytes(bob_), "\"}"));
    if (height.has_value()) q.set_height(*height);
    return service_->Query(q);
  };
  auto time_of = [&](uint64_t height) {
    return node_->store().GetBlockByHeight(height)->value().header().time_ms();
  };
  for (auto [height, want] : std::vector<std::pair<uint64_t, std::string>>{
           {4, "0"}, {5, "250"}, {6, "250"}, {7, "255"}}) {
    auto r = balance(height);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(api::JsonText(r->result()),
              StrCat(R"({"balance":")", want, "\"}"))
        << "height " << height;
    EXPECT_EQ(r->height(), height);
    EXPECT_EQ(r->time_ms(), time_of(height));
  }
  auto head = balance(std::nullopt);  // the head
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->height(), 7u);
  EXPECT_EQ(head->time_ms(), time_of(7));

  // The contract is looked up at the height too.
  api::QueryRequest q;
  q.set_contract(other);
  q.set_method("total_supply");
  q.set_height(5);
  absl::Status s = service_->Query(q).status();
  EXPECT_EQ(api::KindOf(s), api::ErrorKind::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr("no contract at 0x"));
  EXPECT_THAT(s.message(), HasSubstr("at height 5"));
  q.set_height(6);
  EXPECT_TRUE(service_->Query(q).ok());

  // Past the head and height 0: the wording of proofs.
  for (uint64_t h : {8u, 0u}) {
    s = balance(h).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
    EXPECT_EQ(api::HttpStatusOf(s), 400);
  }
  EXPECT_THAT(balance(8).status().message(),
              HasSubstr("height 8 cannot be queried: the node keeps the state "
                        "of heights 1..7 (the head is the newest)"));
}

TEST_F(ProofServiceTest, AQueryAtAPrunedHeightNamesTheRetainedRange) {
  service_.reset();
  node_.reset();
  test::TempDir tmp;
  NodeOptions options;
  options.data_dir = tmp.path();
  options.chain_id = "svc";
  options.sync = false;
  options.state_retain_heights = 2;
  options.state_retain_ms = 0;
  auto node = Node::Open(options);
  ASSERT_TRUE(node.ok()) << node.status();
  node_ = *std::move(node);
  node_->Start();
  service_ = std::make_unique<NodeService>(node_.get());
  const std::string token = DeployToken();               // 1
  for (int i = 0; i < 4; ++i) Transfer(token, bob_, 1);  // 2..5
  api::QueryRequest q;
  q.set_contract(token);
  q.set_method("total_supply");
  q.set_height(3);
  absl::Status s = service_->Query(q).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_THAT(s.message(),
              HasSubstr("height 3 cannot be queried: the node keeps the state "
                        "of heights 4..5 (older heights are pruned)"));
  q.set_height(4);
  auto r = service_->Query(q);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->height(), 4u);
}

TEST_F(ProofServiceTest, BadProofRequestsNameWhatIsWrong) {
  api::ProofRequest r;
  r.set_account(AddressOf(alice_));
  // No blocks yet.
  EXPECT_EQ(api::KindOf(service_->Proof(r).status()),
            api::ErrorKind::kNotFound);
  const std::string token = DeployToken();

  r.set_height(2);
  absl::Status s = service_->Proof(r).status();
  EXPECT_EQ(api::HttpStatusOf(s), 400) << s;
  EXPECT_THAT(s.message(), HasSubstr("keeps the state of heights 1..1"));
  r.set_height(0);
  EXPECT_THAT(service_->Proof(r).status().message(), HasSubstr("1..1"));

  r.clear_height();
  r.set_contract(token);
  EXPECT_THAT(service_->Proof(r).status().message(), HasSubstr("give one of"));
  r.clear_account();
  EXPECT_THAT(service_->Proof(r).status().message(),
              HasSubstr("at least one 'key'"));
  for (size_t i = 0; i <= api::kMaxProofKeys; ++i) r.add_keys("k");
  s = service_->Proof(r).status();
  EXPECT_EQ(api::KindOf(s), api::ErrorKind::kBadRequest);
  EXPECT_THAT(s.message(), HasSubstr("at most 64"));
  r.clear_keys();
  r.add_keys(std::string(257, 'k'));
  EXPECT_THAT(service_->Proof(r).status().message(),
              HasSubstr("storage keys are at most 256 bytes"));
  r.clear_keys();
  r.add_keys(std::string(256, 'k'));
  EXPECT_TRUE(service_->Proof(r).ok());
  r.set_contract("short");
  EXPECT_THAT(service_->Proof(r).status().message(),
              HasSubstr("contract must be 20 bytes"));
  EXPECT_THAT(service_->Proof({}).status().message(),
              HasSubstr("give 'account', or 'contract'"));
}

}  // namespace
}  // namespace ballast::node
