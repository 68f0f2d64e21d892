// ballast-demo: an in-process walk-through of the ledger and the executor,
// without a node (the main job is the devnet: tools/run -> tools/devnet).
// Opens (or creates) a LevelDB ledger in --data-dir, deploys token.wasm
// through the executor, runs a few transfers as signed transactions in
// blocks, and prints the balances and the gas each transaction used. Running
// it again continues the same chain (a new token is deployed at the
// deployer's next nonce).

#include <cstdio>
#include <iostream>
#include <string>

#include "contracts/token/token.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "node/executor.h"
#include "wasm/gas.h"
#include "wasm/wabt_engine.h"

namespace ballast {
namespace {

constexpr char kChainId[] = "ballast-demo";

template <typename T>
T Unwrap(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::cerr << "ballast-demo: " << what << ": " << v.status() << "\n";
    std::exit(1);
  }
  return *std::move(v);
}

struct Account {
  std::string name;
  KeyPair key;
  std::string address;
};

Account DevAccount(const std::string& name, char seed) {
  KeyPair key = *KeyPairFromSeed(std::string(32, seed));
  return Account{name, key, AddressFromPublicKey(key.public_key)};
}

int Main(int argc, char** argv) {
  std::string data_dir = ".ballast/demo";
  std::string contracts_dir = "build/default/contracts";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data-dir") {
      data_dir = argv[i + 1];
    } else if (flag == "--contracts") {
      contracts_dir = argv[i + 1];
    } else {
      std::cerr << "usage: ballast-demo [--data-dir DIR] [--contracts DIR]\n";
      return 2;
    }
  }

  ledger::StoreOptions store_options;
  store_options.instrumenter_version = wasm::kInstrumenterVersion;
  auto store =
      Unwrap(ledger::Store::Open(data_dir, store_options), "open ledger");
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());
  node::Executor executor(store.get(), &runtime, kChainId);
  Account alice = DevAccount("alice", 'a');
  Account bob = DevAccount("bob", 'b');
  Account carol = DevAccount("carol", 'c');
  KeyPair producer = *KeyPairFromSeed(std::string(32, 'p'));

  auto head = Unwrap(store->GetHead(), "read head");
  std::cout << "ledger   " << data_dir << " (LevelDB), chain '" << kChainId
            << "', head height " << (head ? head->height : 0) << "\n";

  int64_t time_ms = 1'700'000'000'000;
  auto commit = [&](const std::vector<ledger::SignedTransaction>& txs) {
    auto block = Unwrap(executor.BuildBlock(txs, time_ms += 1000, producer),
                        "build block");
    absl::Status s = store->CommitBlock(block);
    if (!s.ok()) {
      std::cerr << "ballast-demo: commit: " << s << "\n";
      std::exit(1);
    }
    return block;
  };
  auto sign = [&](const Account& from, ledger::Transaction tx) {
    auto account = Unwrap(store->GetAccount(from.address), "read account");
    tx.set_chain_id(kChainId);
    tx.set_sender_pubkey(from.key.public_key);
    tx.set_nonce(account.nonce());
    tx.set_gas_limit(50'000'000);
    ledger::SignedTransaction stx;
    stx.set_tx(ledger::SerializeDeterministic(tx));
    stx.set_signature(Sign(from.key, stx.tx()));
    return stx;
  };

  // Deploy: alice is the only minter and starts with 1,000,000.00 DEMO.
  token::InitRequest init;
  init.set_name("Demo Dollar");
  init.set_symbol("DEMO");
  init.set_decimals(2);
  init.add_minters(alice.address);
  init.set_initial_holder(alice.address);
  init.set_initial_supply(100'000'000);
  ledger::Transaction deploy;
  deploy.mutable_deploy()->set_code(
      Unwrap(ReadFile(contracts_dir + "/token.wasm"), "read the contract"));
  deploy.mutable_deploy()->set_interface(
      Unwrap(ReadFile(contracts_dir + "/token.desc"), "read its interface"));
  deploy.mutable_deploy()->set_init_input(init.SerializeAsString());
  auto block = commit({sign(alice, deploy)});
  const ledger::Receipt& deployed = block.receipts[0];
  if (deployed.status() != ledger::RECEIPT_STATUS_SUCCESS) {
    std::cerr << "ballast-demo: deploy failed: " << deployed.error() << "\n";
    return 1;
  }
  std::string token_addr = deployed.contract_address();
  std::cout << "deployed token.wasm at " << ToHex(token_addr) << " in block "
            << block.block.header().height() << ", gas " << deployed.gas_used()
            << "\n\n";

  struct Transfer {
    const Account* from;
    const Account* to;
    uint64_t amount;
  } transfers[] = {{&alice, &bob, 250'000},
                   {&alice, &carol, 100'000},
                   {&bob, &carol, 50'000},
                   {&carol, &alice, 10'000'000}};  // more than carol has
  std::vector<ledger::SignedTransaction> txs;
  for (const Transfer& t : transfers) {
    token::TransferRequest req;
    req.set_to(t.to->address);
    req.set_amount(t.amount);
    ledger::Transaction tx;
    tx.mutable_call()->set_contract(token_addr);
    tx.mutable_call()->set_method("transfer");
    tx.mutable_call()->set_input(req.SerializeAsString());
    txs.push_back(sign(*t.from, tx));
    // Nonces: a sender with two transactions in one block needs +1.
    ledger::Transaction parsed;
    parsed.ParseFromString(txs.back().tx());
    for (size_t i = 0; i + 1 < txs.size(); ++i) {
      ledger::Transaction earlier;
      earlier.ParseFromString(txs[i].tx());
      if (earlier.sender_pubkey() == parsed.sender_pubkey()) {
        parsed.set_nonce(parsed.nonce() + 1);
      }
    }
    txs.back().set_tx(ledger::SerializeDeterministic(parsed));
    txs.back().set_signature(Sign(t.from->key, txs.back().tx()));
  }
  block = commit(txs);
  std::cout << "block " << block.block.header().height() << ": "
            << block.receipts.size() << " transfers\n";
  for (size_t i = 0; i < block.receipts.size(); ++i) {
    const ledger::Receipt& r = block.receipts[i];
    const Transfer& t = transfers[i];
    std::printf("  %-5s -> %-5s %12.2f DEMO  gas %7llu  %s\n",
                t.from->name.c_str(), t.to->name.c_str(), t.amount / 100.0,
                static_cast<unsigned long long>(r.gas_used()),
                r.status() == ledger::RECEIPT_STATUS_SUCCESS
                    ? "ok"
                    : ("FAILED: " + r.error()).c_str());
  }

  std::cout << "\nbalances (token " << ToHex(token_addr).substr(0, 12)
            << "...):\n";
  uint64_t total = 0;
  for (const Account* a : {&alice, &bob, &carol}) {
    token::BalanceOfRequest q;
    q.set_owner(a->address);
    absl::StatusOr<wasm::CallOutcome> queried = executor.Query(
        token_addr, "balance_of", q.SerializeAsString(), 100'000'000);
    if (!queried.ok()) {
      std::cerr << "ballast-demo: balance_of: " << queried.status() << "\n";
      return 1;
    }
    const wasm::CallOutcome& out = *queried;
    token::BalanceOfResponse resp;
    if (!out.status.ok() || !resp.ParseFromString(out.output)) {
      std::cerr << "ballast-demo: balance_of: " << out.status << "\n";
      return 1;
    }
    total += resp.balance();
    std::printf("  %-5s %s  %14.2f DEMO  (query gas %llu)\n", a->name.c_str(),
                ToHex(a->address).c_str(), resp.balance() / 100.0,
                static_cast<unsigned long long>(out.gas_used));
  }
  std::printf("  total %51.2f DEMO\n", total / 100.0);
  head = Unwrap(store->GetHead(), "read head");
  std::cout << "\nhead height " << head->height << ", hash "
            << ToHex(head->hash) << "\n";
  return 0;
}

}  // namespace
}  // namespace ballast

int main(int argc, char** argv) { return ballast::Main(argc, argv); }
