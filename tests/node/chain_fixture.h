// Test support: a chain on a real LevelDB store in a fresh temp directory,
// with dev keys, that builds and commits blocks through the Executor.

#ifndef BALLAST_TESTS_NODE_CHAIN_FIXTURE_H_
#define BALLAST_TESTS_NODE_CHAIN_FIXTURE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/store.h"
#include "node/executor.h"
#include "tests/testing/files.h"
#include "tests/testing/temp_dir.h"
#include "wasm/runtime.h"

namespace ballast::node {

using ::ballast::test::ReadFileOrDie;
// contracts/<name>.wasm and contracts/<name>.desc from the build tree.
std::string ContractWasm(const std::string& name);
std::string ContractDescriptor(const std::string& name);

// The probe contract's inputs: init (fails on purpose with `fail`), and
// store key=value.
std::string InitProbe(const std::string& data, bool fail = false);
std::string StoreInput(const std::string& key, const std::string& value);

// A deterministic key: seed = 32 copies of `c`.
KeyPair DevKey(char c);
std::string AddressOf(const KeyPair& key);

// Serializes and signs `tx` (sender_pubkey is set from `key`).
ledger::SignedTransaction SignTx(const KeyPair& key, ledger::Transaction tx);

// A chain whose blocks `signers` keys sign: the producer (DevKey('p')) and
// signers - 1 co-signers (DevKey('1'), DevKey('2'), ...), as ballastd signs
// with --signing-keys.
class TestChain {
 public:
  // `engine` runs the contracts; null: wabt's interpreter.
  explicit TestChain(std::string chain_id = "test-chain", int signers = 1,
                     std::unique_ptr<wasm::Engine> engine = nullptr);
  ~TestChain();

  // Builds a block of `txs` at the next time step and commits it.
  absl::StatusOr<ledger::BlockCommit> Commit(
      const std::vector<ledger::SignedTransaction>& txs);

  // Transactions from `key` with its next nonce (tracked here).
  ledger::SignedTransaction Deploy(const KeyPair& key, const std::string& name,
                                   const std::string& init_input,
                                   uint64_t gas = 10'000'000);
  ledger::SignedTransaction CallTx(const KeyPair& key,
                                   const std::string& contract,
                                   const std::string& method,
                                   const std::string& input,
                                   uint64_t gas = 10'000'000);
  // A bridge message (bridge/core/bridge.proto Msg, serialized).
  ledger::SignedTransaction BridgeTx(const KeyPair& key, const std::string& msg,
                                     uint64_t gas = 10'000'000);
  // Commits one transaction and returns its receipt.
  ledger::Receipt Submit(const ledger::SignedTransaction& stx);

  // Closes the store, runs `while_closed` (if any), and reopens the store
  // on the same directory.
  void Reopen(const std::function<void()>& while_closed = nullptr);

  ledger::Store& store() { return *store_; }
  Executor& executor() { return *executor_; }
  const std::string& dir() const { return dir_; }
  uint64_t& nonce(const KeyPair& key) { return nonces_[key.public_key]; }
  const std::string& chain_id() const { return chain_id_; }
  // The keys that sign each block, the producer first.
  const std::vector<KeyPair>& signers() const { return signers_; }

 private:
  std::string chain_id_;
  test::TempDir tmp_{"ballast-chain"};
  std::string dir_ = tmp_.path();
  wasm::Runtime runtime_;
  std::unique_ptr<ledger::Store> store_;
  std::unique_ptr<Executor> executor_;
  std::vector<KeyPair> signers_;
  int64_t time_ms_ = 1'700'000'000'000;
  std::map<std::string, uint64_t> nonces_;
};

}  // namespace ballast::node

#endif  // BALLAST_TESTS_NODE_CHAIN_FIXTURE_H_
