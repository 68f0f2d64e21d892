#include "tests/node/chain_fixture.h"

#include "contracts/testing/probe/probe.pb.h"
#include "gtest/gtest.h"
#include "ledger/hashing.h"
#include "wasm/wabt_engine.h"

namespace ballast::node {

std::string ContractWasm(const std::string& name) {
  return ReadFileOrDie(std::string(BALLAST_CONTRACTS_DIR) + "/" + name +
                       ".wasm");
}

std::string ContractDescriptor(const std::string& name) {
  return ReadFileOrDie(std::string(BALLAST_CONTRACTS_DIR) + "/" + name +
                       ".desc");
}

std::string InitProbe(const std::string& data, bool fail) {
  probe::InitRequest init;
  init.set_data(data);
  init.set_fail(fail);
  return init.SerializeAsString();
}

std::string StoreInput(const std::string& key, const std::string& value) {
  probe::StoreRequest s;
  s.set_key(key);
  s.set_value(value);
  return s.SerializeAsString();
}

KeyPair DevKey(char c) { return *KeyPairFromSeed(std::string(32, c)); }

std::string AddressOf(const KeyPair& key) {
  return AddressFromPublicKey(key.public_key);
}

ledger::SignedTransaction SignTx(const KeyPair& key, ledger::Transaction tx) {
  tx.set_sender_pubkey(key.public_key);
  ledger::SignedTransaction stx;
  stx.set_tx(ledger::SerializeDeterministic(tx));
  stx.set_signature(Sign(key, stx.tx()));
  return stx;
}

TestChain::TestChain(std::string chain_id, int signers,
                     std::unique_ptr<wasm::Engine> engine)
    : chain_id_(std::move(chain_id)),
      runtime_(engine != nullptr ? std::move(engine)
                                 : wasm::NewWabtInterpreterEngine()) {
  signers_.push_back(DevKey('p'));
  for (int i = 1; i < signers; ++i) {
    signers_.push_back(DevKey(static_cast<char>('0' + i)));
  }
  Reopen();
}

TestChain::~TestChain() {
  executor_.reset();
  store_.reset();  // before tmp_ removes the directory
}

void TestChain::Reopen(const std::function<void()>& while_closed) {
  executor_.reset();
  store_.reset();
  if (while_closed) while_closed();
  auto store = ledger::Store::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  executor_ = std::make_unique<Executor>(store_.get(), &runtime_, chain_id_);
}

absl::StatusOr<ledger::BlockCommit> TestChain::Commit(
    const std::vector<ledger::SignedTransaction>& txs) {
  time_ms_ += 1000;
  auto commit = executor_->BuildBlock(txs, time_ms_, signers_[0]);
  if (!commit.ok()) return commit.status();
  const std::string hash = ledger::BlockHash(commit->block.header());
  for (size_t i = 1; i < signers_.size(); ++i) {
    ledger::BlockSignature* sig = commit->block.add_signatures();
    sig->set_pubkey(signers_[i].public_key);
    sig->set_signature(Sign(signers_[i], hash));
  }
  if (absl::Status s = store_->CommitBlock(*commit); !s.ok()) return s;
  return commit;
}

ledger::SignedTransaction TestChain::Deploy(const KeyPair& key,
                                            const std::string& name,
                                            const std::string& init_input,
                                            uint64_t gas) {
  ledger::Transaction tx;
  tx.set_chain_id(chain_id_);
  tx.set_nonce(nonce(key)++);
  tx.set_gas_limit(gas);
  tx.mutable_deploy()->set_code(ContractWasm(name));
  tx.mutable_deploy()->set_interface(ContractDescriptor(name));
  tx.mutable_deploy()->set_init_input(init_input);
  return SignTx(key, tx);
}

ledger::SignedTransaction TestChain::CallTx(const KeyPair& key,
                                            const std::string& contract,
                                            const std::string& method,
                                            const std::string& input,
                                            uint64_t gas) {
  ledger::Transaction tx;
  tx.set_chain_id(chain_id_);
  tx.set_nonce(nonce(key)++);
  tx.set_gas_limit(gas);
  tx.mutable_call()->set_contract(contract);
  tx.mutable_call()->set_method(method);
  tx.mutable_call()->set_input(input);
  return SignTx(key, tx);
}

ledger::SignedTransaction TestChain::BridgeTx(const KeyPair& key,
                                              const std::string& msg,
                                              uint64_t gas) {
  ledger::Transaction tx;
  tx.set_chain_id(chain_id_);
  tx.set_nonce(nonce(key)++);
  tx.set_gas_limit(gas);
  tx.set_bridge(msg);
  return SignTx(key, tx);
}

ledger::Receipt TestChain::Submit(const ledger::SignedTransaction& stx) {
  auto commit = Commit({stx});
  EXPECT_TRUE(commit.ok()) << commit.status();
  if (!commit.ok()) return ledger::Receipt();
  return commit->receipts.at(0);
}

}  // namespace ballast::node
