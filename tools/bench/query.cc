// Query latency: one token balance_of through the executor, which reads
// the state after a block through the state tree (ledger/state_at.h), at
// the head and at an older retained height; the baseline is the same call
// reading the store's latest records directly (one LevelDB lookup a read,
// what queries did before they were pinned to a height).
//
//   TokenQuery/StoreRecords   the runtime over the store's latest records
//   TokenQuery/TreeAtHead     Executor::Query at the head
//   TokenQuery/TreeAtOlder    Executor::Query 50 heights below the head
//
// The store holds the token and 5,000 holders written over 50 blocks, so
// the tree is ~13 levels deep where the balances live.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "contracts/token/token.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "node/executor.h"
#include "wasm/wabt_engine.h"

namespace ballast {
namespace {

constexpr int kBlocks = 50;
constexpr int kPerBlock = 100;

// The runtime's view of the store's latest records.
class StoreState final : public wasm::ChainState {
 public:
  explicit StoreState(ledger::Store* store) : store_(store) {}
  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) override {
    return store_->GetStorage(contract, key);
  }
  absl::StatusOr<std::optional<wasm::ContractCode>> GetCode(
      std::string_view contract) override {
    ASSIGN_OR_RETURN(std::optional<ledger::ContractInfo> info,
                     store_->GetContract(contract));
    if (!info.has_value()) return std::nullopt;
    ASSIGN_OR_RETURN(std::optional<ledger::CodeRecord> code,
                     store_->GetCode(info->executable_hash()));
    if (!code.has_value()) return absl::DataLossError("no code");
    return wasm::ContractCode{info->executable_hash(), code->wasm()};
  }

 private:
  ledger::Store* store_;
};

struct Chain {
  std::string dir;
  std::unique_ptr<ledger::Store> store;
  std::unique_ptr<wasm::Runtime> runtime;
  std::unique_ptr<node::Executor> executor;
  std::string token;
  std::string holder;  // an address with a balance since block 2
  ~Chain() {
    executor.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

// Built once for all three benchmarks.
Chain* TheChain() {
  static Chain* chain = [] {
    auto* c = new Chain;
    c->dir = std::filesystem::temp_directory_path() /
             ("ballast-bench-query-" + std::to_string(::getpid()));
    std::filesystem::remove_all(c->dir);
    ledger::StoreOptions options;
    options.sync = false;
    c->store = *ledger::Store::Open(c->dir, options);
    c->runtime =
        std::make_unique<wasm::Runtime>(wasm::NewWabtInterpreterEngine());
    c->executor = std::make_unique<node::Executor>(c->store.get(),
                                                   c->runtime.get(), "bench");
    KeyPair producer = *KeyPairFromSeed(std::string(32, 'p'));
    KeyPair alice = *KeyPairFromSeed(std::string(32, 'a'));
    uint64_t nonce = 0;
    int64_t time_ms = 1'700'000'000'000;
    auto sign = [&](ledger::Transaction tx, uint64_t gas = 900'000) {
      tx.set_chain_id("bench");
      tx.set_sender_pubkey(alice.public_key);
      tx.set_nonce(nonce++);
      tx.set_gas_limit(gas);
      ledger::SignedTransaction stx;
      stx.set_tx(ledger::SerializeDeterministic(tx));
      stx.set_signature(Sign(alice, stx.tx()));
      return stx;
    };
    auto commit = [&](const std::vector<ledger::SignedTransaction>& txs) {
      auto b = c->executor->BuildBlock(txs, time_ms += 1000, producer);
      if (!b.ok() || !c->store->CommitBlock(*b).ok()) {
        std::fprintf(stderr, "bench: query chain: block failed\n");
        std::exit(1);
      }
      return *b;
    };
    token::InitRequest init;
    init.set_name("Bench");
    init.set_symbol("B");
    init.set_initial_holder(AddressFromPublicKey(alice.public_key));
    init.set_initial_supply(1'000'000'000'000);
    ledger::Transaction deploy;
    deploy.mutable_deploy()->set_code(
        *ReadFile(std::string(BALLAST_CONTRACTS_DIR) + "/token.wasm"));
    deploy.mutable_deploy()->set_init_input(init.SerializeAsString());
    c->token =
        commit({sign(deploy, 100'000'000)}).receipts[0].contract_address();
    uint32_t n = 0;
    for (int b = 0; b < kBlocks; ++b) {
      std::vector<ledger::SignedTransaction> txs;
      for (int i = 0; i < kPerBlock; ++i) {
        token::TransferRequest t;
        std::string to = Sha256(std::to_string(n++)).substr(0, kAddressSize);
        if (c->holder.empty()) c->holder = to;
        t.set_to(to);
        t.set_amount(1);
        ledger::Transaction tx;
        tx.mutable_call()->set_contract(c->token);
        tx.mutable_call()->set_method("transfer");
        tx.mutable_call()->set_input(t.SerializeAsString());
        txs.push_back(sign(tx));
      }
      commit(txs);
    }
    return c;
  }();
  return chain;
}

std::string BalanceOf(const std::string& owner) {
  token::BalanceOfRequest q;
  q.set_owner(owner);
  return q.SerializeAsString();
}

void Check(const absl::StatusOr<wasm::CallOutcome>& out,
           benchmark::State& state) {
  if (!out.ok()) {
    state.SkipWithError(std::string(out.status().message()).c_str());
  } else if (!out->status.ok()) {
    state.SkipWithError(std::string(out->status.message()).c_str());
  }
}

void BM_TokenQuery_StoreRecords(benchmark::State& state) {
  Chain* c = TheChain();
  StoreState records(c->store.get());
  wasm::CallRequest req;
  req.contract = c->token;
  req.method = "balance_of";
  req.input = BalanceOf(c->holder);
  req.sender = std::string(kAddressSize, '\0');
  req.gas_limit = 100'000'000;
  for (auto _ : state) {
    Check(c->runtime->Call(req, records), state);
  }
}
BENCHMARK(BM_TokenQuery_StoreRecords)
    ->Name("TokenQuery/StoreRecords")
    ->Unit(benchmark::kMicrosecond);

void BM_TokenQuery_Tree(benchmark::State& state) {
  Chain* c = TheChain();
  const uint64_t head = (*c->store->GetHead())->height;
  const uint64_t height = head - static_cast<uint64_t>(state.range(0));
  const int64_t time_ms =
      (*c->store->GetBlockByHeight(height))->header().time_ms();
  const std::string input = BalanceOf(c->holder);
  for (auto _ : state) {
    Check(c->executor->Query({height, time_ms}, c->token, "balance_of", input,
                             100'000'000),
          state);
  }
}
BENCHMARK(BM_TokenQuery_Tree)
    ->Name("TokenQuery/TreeAtHead")
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TokenQuery_Tree)
    ->Name("TokenQuery/TreeAtOlder")
    ->Arg(kBlocks - 1)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ballast
