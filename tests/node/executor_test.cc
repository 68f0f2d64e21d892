// The executor on a real LevelDB store: transactions become blocks whose
// receipts say exactly what happened, invalid transactions never enter a
// block, failed ones consume their nonce and nothing else, and the same
// transactions give byte-identical chains.

#include "node/executor.h"

#include "contracts/testing/probe/probe.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "tests/node/chain_fixture.h"
#include "wasm/gas.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;
namespace probe = ::ballast::probe;

class ExecutorTest : public ::testing::Test {
 protected:
  // Deploys a probe and returns its address.
  std::string DeployProbe(const std::string& data = "hello") {
    ledger::Receipt r =
        chain_.Submit(chain_.Deploy(alice_, "probe", InitProbe(data)));
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    return r.contract_address();
  }

  std::string Storage(const std::string& contract, const std::string& key) {
    auto v = chain_.store().GetStorage(contract, key);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() && v->has_value() ? **v : "<absent>";
  }

  uint64_t Nonce(const KeyPair& key) {
    auto account = chain_.store().GetAccount(AddressOf(key));
    EXPECT_TRUE(account.ok());
    return account->nonce();
  }

  TestChain chain_;
  KeyPair alice_ = DevKey('a');
  KeyPair bob_ = DevKey('b');
};

TEST_F(ExecutorTest, DeployRunsInitAndCallsChangeState) {
  std::string probe_addr = DeployProbe("from init");
  EXPECT_EQ(probe_addr, ContractAddress(AddressOf(alice_), 0));
  EXPECT_EQ(Storage(probe_addr, "init"), "from init");

  auto info = chain_.store().GetContract(probe_addr);
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->code_hash(), Sha256(ContractWasm("probe")));
  EXPECT_EQ((*info)->creator(), AddressOf(alice_));
  // The code is stored under the hash of what runs: the instrumented module
  // and the instrumenter's version.
  auto code = chain_.store().GetCode((*info)->executable_hash());
  ASSERT_TRUE(code.ok() && code->has_value());
  EXPECT_EQ((*code)->instrumenter_version(), wasm::kInstrumenterVersion);
  EXPECT_EQ(
      (*info)->executable_hash(),
      ledger::ExecutableHash(wasm::kInstrumenterVersion, (*code)->wasm()));
  EXPECT_NE((*code)->wasm(), ContractWasm("probe"));

  ledger::Receipt r = chain_.Submit(
      chain_.CallTx(bob_, probe_addr, "store", StoreInput("k", "v")));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  EXPECT_GT(r.gas_used(), kGasTxBase);
  EXPECT_EQ(Storage(probe_addr, "k"), "v");
  EXPECT_EQ(Nonce(alice_), 1u);
  EXPECT_EQ(Nonce(bob_), 1u);
}

// The code record is shared by every deploy of the same wasm; the interface
// is not: each contract keeps the one its own deploy carried.
TEST_F(ExecutorTest, EachContractKeepsTheInterfaceOfItsOwnDeploy) {
  auto deploy = [&](const std::string& interface) {
    ledger::Transaction tx;
    tx.set_chain_id("test-chain");
    tx.set_nonce(chain_.nonce(alice_)++);
    tx.set_gas_limit(100'000'000);
    tx.mutable_deploy()->set_code(ContractWasm("probe"));
    tx.mutable_deploy()->set_interface(interface);
    tx.mutable_deploy()->set_init_input(InitProbe("x"));
    ledger::Receipt r = chain_.Submit(SignTx(alice_, tx));
    EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    return r.contract_address();
  };
  std::string first = deploy(ContractDescriptor("probe"));
  std::string second = deploy(ContractDescriptor("token"));
  std::string third = deploy("");
  auto info = [&](const std::string& address) {
    auto i = chain_.store().GetContract(address);
    EXPECT_TRUE(i.ok() && i->has_value()) << ToHex(address);
    return i.ok() && i->has_value() ? **i : ledger::ContractInfo();
  };
  EXPECT_EQ(info(first).code_hash(), info(second).code_hash());
  EXPECT_EQ(info(first).interface(), ContractDescriptor("probe"));
  EXPECT_EQ(info(second).interface(), ContractDescriptor("token"));
  EXPECT_EQ(info(third).interface(), "");
  EXPECT_EQ(info(first).executable_hash(), info(second).executable_hash());
  auto code = chain_.store().GetCode(info(first).executable_hash());
  ASSERT_TRUE(code.ok() && code->has_value());
  EXPECT_EQ((*code)->original_hash(), Sha256(ContractWasm("probe")));
}

TEST_F(ExecutorTest, FailedCallConsumesNonceAndNothingElse) {
  std::string p = DeployProbe();
  probe::RunRequest run;
  auto* op = run.add_ops();
  op->set_kind(probe::OP_KIND_STORE);
  op->set_key("k");
  op->set_value("lost");
  op = run.add_ops();
  op->set_kind(probe::OP_KIND_ABORT);
  op->set_value("insufficient collateral");
  ledger::Receipt r =
      chain_.Submit(chain_.CallTx(bob_, p, "run", run.SerializeAsString()));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_EQ(r.error(), "contract " + ToHex(p) +
                           " method run: aborted: insufficient collateral");
  EXPECT_EQ(Storage(p, "k"), "<absent>");
  EXPECT_EQ(Nonce(bob_), 1u);
  EXPECT_TRUE(r.events().empty());
}

TEST_F(ExecutorTest, NonUtf8AbortMessageIsStoredEscaped) {
  std::string p = DeployProbe();
  ledger::Receipt r =
      chain_.Submit(chain_.CallTx(bob_, p, "abort_with", "\xff"));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  auto record = chain_.store().GetTransaction(r.tx_hash());
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_TRUE(record->has_value());
  EXPECT_THAT((*record)->receipt().error(), HasSubstr("aborted: \\xff"));
}

TEST_F(ExecutorTest, ReceiptStatusesForEachFailureKind) {
  std::string p = DeployProbe();
  probe::DivideRequest div;
  div.set_dividend(1);
  EXPECT_EQ(
      chain_.Submit(chain_.CallTx(bob_, p, "divide", div.SerializeAsString()))
          .status(),
      ledger::RECEIPT_STATUS_TRAPPED);

  ledger::Receipt oog =
      chain_.Submit(chain_.CallTx(bob_, p, "spin", "", 3'000'000));
  EXPECT_EQ(oog.status(), ledger::RECEIPT_STATUS_OUT_OF_GAS);
  EXPECT_EQ(oog.gas_used(), 3'000'000u);

  probe::RecurseRequest rec;
  rec.set_depth(1'000'000);
  EXPECT_EQ(
      chain_.Submit(chain_.CallTx(bob_, p, "recurse", rec.SerializeAsString()))
          .status(),
      ledger::RECEIPT_STATUS_LIMIT_EXCEEDED);

  ledger::Receipt missing =
      chain_.Submit(chain_.CallTx(bob_, p, "no_such", ""));
  EXPECT_EQ(missing.status(), ledger::RECEIPT_STATUS_REJECTED);
  EXPECT_THAT(missing.error(), HasSubstr("no such method"));

  ledger::Receipt tiny = chain_.Submit(chain_.CallTx(bob_, p, "noop", "", 100));
  EXPECT_EQ(tiny.status(), ledger::RECEIPT_STATUS_OUT_OF_GAS);
  EXPECT_THAT(tiny.error(), HasSubstr("before it runs"));
  EXPECT_EQ(Nonce(bob_), 5u);
}

TEST_F(ExecutorTest, BadDeploysAreRejectedWithReasons) {
  ledger::Transaction tx;
  tx.set_chain_id("test-chain");
  tx.set_nonce(chain_.nonce(alice_)++);
  tx.set_gas_limit(10'000'000);
  tx.mutable_deploy()->set_code("\0asm garbage");
  ledger::Receipt r = chain_.Submit(SignTx(alice_, tx));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REJECTED);
  EXPECT_THAT(r.error(), HasSubstr("deploy: malformed module"));
  EXPECT_TRUE(r.contract_address().empty());

  tx.set_nonce(chain_.nonce(alice_)++);
  tx.mutable_deploy()->set_code(ContractWasm("float"));
  r = chain_.Submit(SignTx(alice_, tx));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_REJECTED);
  EXPECT_THAT(r.error(), HasSubstr("floating point is not allowed"));

  // init aborts: no contract is created.
  r = chain_.Submit(
      chain_.Deploy(alice_, "probe", InitProbe("x", /*fail=*/true)));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_THAT(r.error(), HasSubstr("init: asked to fail"));
  auto info = chain_.store().GetContract(ContractAddress(AddressOf(alice_), 2));
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->has_value());
  EXPECT_EQ(Nonce(alice_), 3u);
}

TEST_F(ExecutorTest, InvalidTransactionsNeverEnterABlock) {
  std::string p = DeployProbe();
  auto head_before = chain_.store().GetHead();

  ledger::Transaction tx;
  tx.set_chain_id("other-chain");
  tx.set_nonce(0);
  tx.set_gas_limit(1'000'000);
  tx.mutable_call()->set_contract(p);
  tx.mutable_call()->set_method("noop");
  auto wrong_chain = chain_.Commit({SignTx(bob_, tx)});
  EXPECT_EQ(wrong_chain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong_chain.status().message()),
              HasSubstr("transaction 0: wrong chain id 'other-chain' (this "
                        "chain is 'test-chain')"));

  tx.set_chain_id("test-chain");
  ledger::SignedTransaction forged = SignTx(bob_, tx);
  forged.mutable_signature()->at(0) ^= 1;
  EXPECT_THAT(std::string(chain_.Commit({forged}).status().message()),
              HasSubstr("bad signature"));

  tx.set_nonce(5);
  EXPECT_THAT(std::string(chain_.Commit({SignTx(bob_, tx)}).status().message()),
              HasSubstr("nonce 5 but the sender's next nonce is 0"));

  ledger::SignedTransaction garbage;
  garbage.set_tx("\xff\xff");
  EXPECT_THAT(std::string(chain_.Commit({garbage}).status().message()),
              HasSubstr("do not parse"));

  // Replaying alice's deploy (nonce 0) fails: it is no longer her nonce.
  auto replay = chain_.store().GetBlockByHeight(1);
  ASSERT_TRUE(replay.ok() && replay->has_value());
  EXPECT_THAT(
      std::string(chain_.Commit({(*replay)->txs(0)}).status().message()),
      HasSubstr("nonce 0 but the sender's next nonce is 1"));

  EXPECT_EQ(*chain_.store().GetHead(), *head_before);
}

// A producer asks for the invalid ones to be left out: only they are, the
// rest make a valid block, and positions close up.
TEST_F(ExecutorTest, ABlockBuildDropsOnlyTheOffendingTransactions) {
  std::string p = DeployProbe();
  ledger::SignedTransaction good1 =
      chain_.CallTx(bob_, p, "store", StoreInput("a", "1"));
  ledger::Transaction tx;
  tx.set_chain_id("test-chain");
  tx.set_nonce(7);  // bob's next is 1 after good1
  tx.set_gas_limit(1'000'000);
  tx.mutable_call()->set_contract(p);
  tx.mutable_call()->set_method("noop");
  ledger::SignedTransaction gapped = SignTx(bob_, tx);
  ledger::SignedTransaction garbage;
  garbage.set_tx("\xff\xff");
  ledger::SignedTransaction good2 =
      chain_.CallTx(bob_, p, "store", StoreInput("b", "2"));

  std::vector<RejectedTx> rejected;
  auto commit = chain_.executor().BuildBlock({good1, gapped, garbage, good2},
                                             1'800'000'000'000, DevKey('p'),
                                             nullptr, nullptr, &rejected);
  ASSERT_TRUE(commit.ok()) << commit.status();
  ASSERT_EQ(commit->block.txs_size(), 2);
  EXPECT_EQ(ledger::TxHash(commit->block.txs(0)), ledger::TxHash(good1));
  EXPECT_EQ(ledger::TxHash(commit->block.txs(1)), ledger::TxHash(good2));
  EXPECT_EQ(commit->receipts[1].tx_index(), 1u);
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].hash, ledger::TxHash(gapped));
  EXPECT_THAT(std::string(rejected[0].status.message()),
              HasSubstr("transaction 1: nonce 7 but the sender's next nonce "
                        "is 1"));
  EXPECT_EQ(rejected[1].hash, ledger::TxHash(garbage));
  EXPECT_THAT(std::string(rejected[1].status.message()),
              HasSubstr("transaction 2: transaction bytes do not parse"));
  // The block is valid as built.
  ASSERT_TRUE(chain_.store().CommitBlock(*commit).ok());
  EXPECT_EQ(Storage(p, "a"), "1");
  EXPECT_EQ(Storage(p, "b"), "2");

  // Without `rejected`, the same batch fails whole and nothing is built.
  EXPECT_FALSE(chain_.executor()
                   .BuildBlock({gapped}, 1'800'000'001'000, DevKey('p'))
                   .ok());
}

TEST_F(ExecutorTest, EventsAreIndexedByContractAndBlock) {
  std::string p = DeployProbe();
  probe::EmitRequest emit;
  emit.set_data("e");
  emit.set_count(2);
  ledger::Receipt r =
      chain_.Submit(chain_.CallTx(bob_, p, "emit", emit.SerializeAsString()));
  ASSERT_EQ(r.events_size(), 2);
  ledger::EventFilter filter;
  filter.contract = p;
  filter.from_height = r.block_height();
  filter.to_height = r.block_height();
  auto events = chain_.store().QueryEvents(filter);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].name(), "ProbeEvent");
  EXPECT_EQ((*events)[1].event_index(), 1u);
  EXPECT_EQ((*events)[1].block_height(), r.block_height());
}

// A query runs at the head block's height and time (it ran at time 0), so
// a contract that checks how old a price is sees the chain's time.
TEST_F(ExecutorTest, QueriesSeeTheHeadBlocksHeightAndTime) {
  std::string p = DeployProbe();
  auto head = chain_.store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  auto block = chain_.store().GetBlockByHeight((*head)->height);
  ASSERT_TRUE(block.ok() && block->has_value());
  ASSERT_GT((*block)->header().time_ms(), 0);
  wasm::CallOutcome out = *chain_.executor().Query(
      p, "info", probe::InfoRequest().SerializeAsString(), 100'000'000);
  ASSERT_TRUE(out.status.ok()) << out.status;
  probe::InfoResponse info;
  ASSERT_TRUE(info.ParseFromString(out.output));
  EXPECT_EQ(info.block_height(), static_cast<int64_t>((*head)->height));
  EXPECT_EQ(info.block_time(), (*block)->header().time_ms());
}

// A query pinned to a height reads the state after that block (storage,
// and which contracts exist) and sees that block's height and time.
TEST_F(ExecutorTest, AQueryAtAHeightSeesThatBlocksStateHeightAndTime) {
  constexpr uint64_t kGas = 100'000'000;
  const std::string p = DeployProbe();                              // 1
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(chain_.Commit({}).ok());  // 2..4
  chain_.Submit(chain_.CallTx(bob_, p, "store", StoreInput("k", "v5")));  // 5
  ASSERT_TRUE(chain_.Commit({}).ok());                                    // 6
  ledger::Receipt r = chain_.Submit(chain_.Deploy(alice_, "probe", ""));
  ASSERT_EQ(r.block_height(), 7u);
  const std::string later = r.contract_address();
  chain_.Submit(chain_.CallTx(bob_, p, "store", StoreInput("k", "v8")));  // 8
  auto at = [&](uint64_t height) {
    auto block = chain_.store().GetBlockByHeight(height);
    EXPECT_TRUE(block.ok() && block->has_value());
    return wasm::BlockInfo{height, (*block)->header().time_ms()};
  };
  auto load = [&](uint64_t height) -> std::string {
    probe::LoadRequest req;
    req.set_key("k");
    auto out = chain_.executor().Query(at(height), p, "load",
                                       req.SerializeAsString(), kGas);
    EXPECT_TRUE(out.ok() && out->status.ok());
    probe::LoadResponse resp;
    EXPECT_TRUE(resp.ParseFromString(out->output));
    return resp.found() ? resp.value() : "<absent>";
  };
  EXPECT_EQ(load(4), "<absent>");
  EXPECT_EQ(load(5), "v5");
  EXPECT_EQ(load(7), "v5");  // the old value until the block that changed it
  EXPECT_EQ(load(8), "v8");

  // Each block's height and time, distinct here (1 s apart).
  for (uint64_t h : {5u, 6u, 8u}) {
    auto out = chain_.executor().Query(
        at(h), p, "info", probe::InfoRequest().SerializeAsString(), kGas);
    ASSERT_TRUE(out.ok() && out->status.ok());
    probe::InfoResponse info;
    ASSERT_TRUE(info.ParseFromString(out->output));
    EXPECT_EQ(info.block_height(), static_cast<int64_t>(h));
    EXPECT_EQ(info.block_time(), at(h).time_ms);
  }
  EXPECT_EQ(at(6).time_ms + 1000, at(7).time_ms);

  // The contract deployed at 7 does not exist at 6.
  auto out = chain_.executor().Query(
      at(6), later, "info", probe::InfoRequest().SerializeAsString(), kGas);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->failure, wasm::FailureKind::kInvalid);
  EXPECT_THAT(out->status.message(), HasSubstr("no contract at this address"));
  out = chain_.executor().Query(at(7), later, "info",
                                probe::InfoRequest().SerializeAsString(), kGas);
  ASSERT_TRUE(out.ok() && out->status.ok()) << out->status;
}

TEST_F(ExecutorTest, QueryNeverWrites) {
  constexpr uint64_t kGas = 100'000'000;
  std::string p = DeployProbe();
  auto digest_before = chain_.store().StateDigest();
  ASSERT_TRUE(digest_before.ok()) << digest_before.status();
  auto head_before = chain_.store().GetHead();
  wasm::CallOutcome out =
      *chain_.executor().Query(p, "store", StoreInput("q", "v"), kGas);
  EXPECT_TRUE(out.status.ok()) << out.status;
  EXPECT_TRUE(out.writes.empty());
  EXPECT_EQ(Storage(p, "q"), "<absent>");
  auto digest_after = chain_.store().StateDigest();
  ASSERT_TRUE(digest_after.ok()) << digest_after.status();
  EXPECT_EQ(ToHex(*digest_after), ToHex(*digest_before));
  EXPECT_EQ(*chain_.store().GetHead(), *head_before);

  // A second query does not see the first one's write.
  probe::LoadRequest load;
  load.set_key("q");
  out = *chain_.executor().Query(p, "load", load.SerializeAsString(), kGas);
  ASSERT_TRUE(out.status.ok()) << out.status;
  probe::LoadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(out.output));
  EXPECT_FALSE(resp.found());
  EXPECT_EQ(resp.value(), "");

  load.set_key("init");
  out = *chain_.executor().Query(p, "load", load.SerializeAsString(), kGas);
  ASSERT_TRUE(resp.ParseFromString(out.output));
  EXPECT_TRUE(resp.found());
  EXPECT_EQ(resp.value(), "hello");
  EXPECT_EQ(ToHex(*chain_.store().StateDigest()), ToHex(*digest_before));
}

TEST_F(ExecutorTest, ReopenedStoreContinuesTheChain) {
  std::string p = DeployProbe();
  chain_.Submit(chain_.CallTx(bob_, p, "store", StoreInput("k", "v")));
  auto head = chain_.store().GetHead();
  chain_.Reopen();
  EXPECT_EQ(*chain_.store().GetHead(), *head);
  EXPECT_EQ(Storage(p, "k"), "v");
  ledger::Receipt r =
      chain_.Submit(chain_.CallTx(bob_, p, "store", StoreInput("k", "w")));
  EXPECT_EQ(r.block_height(), (*head)->height + 1);
  EXPECT_EQ(Storage(p, "k"), "w");
}

// The same transactions on two fresh stores give byte-identical chains.
TEST(DeterminismTest, SameTransactionsSameChain) {
  auto run = [](TestChain& chain) {
    KeyPair a = DevKey('a'), b = DevKey('b');
    auto deploy = chain.Commit({chain.Deploy(a, "probe", InitProbe("x")),
                                chain.Deploy(b, "probe", InitProbe("y"))});
    EXPECT_TRUE(deploy.ok()) << deploy.status();
    std::string p1 = deploy->receipts[0].contract_address();
    std::string p2 = deploy->receipts[1].contract_address();
    probe::CallRequest call;
    call.set_address(p2);
    call.set_method("store");
    call.set_input(StoreInput("nested", "1"));
    std::vector<ledger::SignedTransaction> txs;
    for (int i = 0; i < 5; ++i) {
      txs.push_back(chain.CallTx(
          a, p1, "store", StoreInput("k" + std::to_string(i), "v"), 5'000'000));
      txs.push_back(
          chain.CallTx(b, p1, "call", call.SerializeAsString(), 5'000'000));
      txs.push_back(chain.CallTx(b, p2, "spin", "", 1'000'000));
    }
    auto block = chain.Commit(txs);
    ASSERT_TRUE(block.ok()) << block.status();
  };
  TestChain one, two;
  run(one);
  run(two);
  EXPECT_NE(one.dir(), two.dir());
  auto digest1 = one.store().StateDigest();
  auto digest2 = two.store().StateDigest();
  ASSERT_TRUE(digest1.ok() && digest2.ok());
  EXPECT_EQ(ToHex(*digest1), ToHex(*digest2));
  EXPECT_EQ(ToHex((*one.store().GetHead())->hash),
            ToHex((*two.store().GetHead())->hash));
  // And a different transaction gives a different state.
  KeyPair a = DevKey('a');
  ASSERT_TRUE(
      two.Commit({two.CallTx(a, ContractAddress(AddressOf(a), 0), "noop", "")})
          .ok());
  EXPECT_NE(ToHex(*one.store().StateDigest()),
            ToHex(*two.store().StateDigest()));
}

}  // namespace
}  // namespace ballast::node

namespace ballast::node {
namespace {

// The mempool's check results may stand in for the executor's own: the
// block is byte-identical, and the time spent is reported by phase.
TEST(ExecutorPrecheckedTest, ReusedChecksBuildTheSameBlock) {
  TestChain chain;
  KeyPair a = DevKey('a');
  ASSERT_TRUE(chain.Commit({chain.Deploy(a, "probe", InitProbe("x"))}).ok());
  std::string p = ContractAddress(AddressOf(a), 0);
  std::vector<ledger::SignedTransaction> txs;
  std::vector<CheckedTx> checked;
  for (int i = 0; i < 3; ++i) {
    txs.push_back(chain.CallTx(a, p, "store", StoreInput("k", "v")));
    checked.push_back(*chain.executor().CheckTransaction(txs.back()));
  }
  KeyPair producer = DevKey('p');
  BuildStats stats;
  auto fresh = chain.executor().BuildBlock(txs, 1, producer);
  auto reused = chain.executor().BuildBlock(txs, 1, producer, &stats, &checked);
  ASSERT_TRUE(fresh.ok() && reused.ok());
  EXPECT_EQ(fresh->block.SerializeAsString(),
            reused->block.SerializeAsString());
  EXPECT_GT(stats.run_ms, 0);
  EXPECT_GE(stats.check_ms, 0);

  checked.pop_back();
  EXPECT_EQ(chain.executor()
                .BuildBlock(txs, 1, producer, nullptr, &checked)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ballast::node
