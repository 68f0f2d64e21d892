#include "tools/load/load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "node/api/client.h"
#include "node/api/contract_interface.h"
#include "node/api/proto_json.h"

namespace ballast::load {
namespace {

using api::Client;
using api::ContractInterface;
using api::HexBytes;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

absl::StatusOr<std::unique_ptr<Client>> Connect(const LoadOptions& o) {
  return Client::Create(o.node);
}

struct Sender {
  KeyPair key;
  std::string address;
  uint64_t nonce = 0;
  std::vector<std::string> bodies;  // signed transfers, in nonce order
};

ledger::SignedTransaction SignCall(Sender& s, const std::string& chain_id,
                                   const std::string& contract,
                                   const std::string& method,
                                   const std::string& input, uint64_t gas) {
  ledger::Transaction tx;
  tx.set_chain_id(chain_id);
  tx.set_sender_pubkey(s.key.public_key);
  tx.set_nonce(s.nonce++);
  tx.set_gas_limit(gas);
  tx.mutable_call()->set_contract(contract);
  tx.mutable_call()->set_method(method);
  tx.mutable_call()->set_input(input);
  ledger::SignedTransaction stx;
  stx.set_tx(ledger::SerializeDeterministic(tx));
  stx.set_signature(Sign(s.key, stx.tx()));
  return stx;
}

absl::StatusOr<std::string> TransferInput(const ContractInterface& token,
                                          const std::string& to,
                                          uint64_t amount) {
  return token.EncodeRequest(
      "transfer",
      StrCat(R"({"to":")", HexBytes(to), R"(","amount":")", amount, R"("})"));
}

// A token's init request: `supply` minted to `holder`.
absl::StatusOr<std::string> InitInput(const ContractInterface& token,
                                      std::string_view name,
                                      std::string_view symbol,
                                      const std::string& holder,
                                      uint64_t supply) {
  return token.EncodeRequest(
      "init", StrCat(R"({"name":")", name, R"(","symbol":")", symbol,
                     R"(","initial_holder":")", HexBytes(holder),
                     R"(","initial_supply":")", supply, R"("})"));
}

// What the node did during the run: `after` minus `before`, as JSON.
json StatsDelta(const api::StatsResponse& before,
                const api::StatsResponse& after) {
  json out;
  out["admitted"] = after.admitted() - before.admitted();
  out["refused"] = after.refused() - before.refused();
  out["admit_ms"] = after.admit_ms() - before.admit_ms();
  out["blocks"] = after.blocks() - before.blocks();
  out["txs"] = after.txs() - before.txs();
  out["gas_used"] = std::to_string(after.gas_used() - before.gas_used());
  out["select_ms"] = after.select_ms() - before.select_ms();
  out["check_ms"] = after.check_ms() - before.check_ms();
  out["run_ms"] = after.run_ms() - before.run_ms();
  out["finish_ms"] = after.finish_ms() - before.finish_ms();
  out["commit_ms"] = after.commit_ms() - before.commit_ms();
  return out;
}

// A token deploy by `key` with its next nonce: all of `supply` to it.
absl::StatusOr<ledger::SignedTransaction> TokenDeploy(
    Client& client, const LoadOptions& o, const KeyPair& key,
    std::string_view name, std::string_view symbol, uint64_t supply) {
  ASSIGN_OR_RETURN(std::string wasm, ReadFile(o.token_wasm));
  ASSIGN_OR_RETURN(std::string desc, ReadFile(o.token_desc));
  ASSIGN_OR_RETURN(ContractInterface token,
                   ContractInterface::FromDescriptorSet(desc));
  const std::string address = AddressFromPublicKey(key.public_key);
  ASSIGN_OR_RETURN(std::string init,
                   InitInput(token, name, symbol, address, supply));
  ASSIGN_OR_RETURN(api::InfoResponse info, client.Info());
  ASSIGN_OR_RETURN(uint64_t nonce, client.NextNonce(address));
  ledger::Transaction tx;
  tx.set_chain_id(info.chain_id());
  tx.set_sender_pubkey(key.public_key);
  tx.set_nonce(nonce);
  tx.set_gas_limit(info.limits().block_gas_limit());  // all a block allows
  tx.mutable_deploy()->set_code(wasm);
  tx.mutable_deploy()->set_interface(desc);
  tx.mutable_deploy()->set_init_input(init);
  ledger::SignedTransaction stx;
  stx.set_tx(ledger::SerializeDeterministic(tx));
  stx.set_signature(Sign(key, stx.tx()));
  return stx;
}

// Sends the senders' bodies (from next[i] on) in batches of up to `batch`
// (POST /v1/txs), each sender's in nonce order, until all are accepted. A
// sender's transfers after its first refusal in a batch are sent again in
// the next one; "already known" then means accepted earlier. A full mempool
// waits for a block; any other refusal fails the run.
void SubmitBatches(Client& client, const std::vector<Sender*>& mine,
                   size_t batch, Clock::time_point deadline,
                   std::vector<size_t>& next, std::atomic<size_t>& refused,
                   std::atomic<bool>& failed, std::string& failure,
                   std::mutex& failure_mu) {
  auto fail = [&](const absl::Status& s) {
    std::lock_guard<std::mutex> lock(failure_mu);
    failure = std::string(s.message());
    failed = true;
  };
  if (mine.empty()) return;
  const size_t per_sender = std::max<size_t>(1, batch / mine.size());
  while (!failed) {
    std::vector<const std::string*> bodies;
    std::vector<size_t> owner;
    for (size_t m = 0; m < mine.size(); ++m) {
      for (size_t k = next[m];
           k < mine[m]->bodies.size() && k < next[m] + per_sender; ++k) {
        bodies.push_back(&mine[m]->bodies[k]);
        owner.push_back(m);
      }
    }
    if (bodies.empty()) return;
    auto results = client.SubmitBatchRendered(bodies);
    if (!results.ok()) return fail(results.status());
    std::vector<bool> stopped(mine.size(), false);
    bool busy = false;
    for (size_t i = 0; i < results->size(); ++i) {
      const size_t m = owner[i];
      if (stopped[m]) continue;
      const absl::Status& s = (*results)[i].status();
      if (s.ok() || absl::IsAlreadyExists(s)) {
        ++next[m];
      } else if (absl::IsResourceExhausted(s) && Clock::now() < deadline) {
        stopped[m] = busy = true;  // the mempool is full
      } else {
        ++refused;
        return fail(s);
      }
    }
    if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

double MeasureVerifyRate(int n) {
  KeyPair key = GenerateKeyPair();
  ledger::Transaction tx;
  tx.set_chain_id("bench");
  tx.set_sender_pubkey(key.public_key);
  tx.set_nonce(12345);
  tx.set_gas_limit(200'000);
  tx.mutable_call()->set_contract(std::string(20, 'c'));
  tx.mutable_call()->set_method("transfer");
  // A transfer's input is 26 bytes (a 20-byte address and a small amount).
  tx.mutable_call()->set_input(std::string(26, 't'));
  std::string msg = ledger::SerializeDeterministic(tx);
  std::string sig = Sign(key, msg);
  int ok = 0;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) ok += Verify(key.public_key, msg, sig) ? 1 : 0;
  double s = Seconds(start, Clock::now());
  return ok == n && s > 0 ? n / s : 0;
}

absl::StatusOr<LoadReport> RunTransferLoad(const LoadOptions& o) {
  if (o.senders == 0 || o.connections == 0 || o.txs < o.senders) {
    return absl::InvalidArgumentError(
        "need senders >= 1, connections >= 1 and txs >= senders");
  }
  ASSIGN_OR_RETURN(std::string desc, ReadFile(o.token_desc));
  ASSIGN_OR_RETURN(ContractInterface token,
                   ContractInterface::FromDescriptorSet(desc));
  ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Connect(o));
  ASSIGN_OR_RETURN(api::InfoResponse info, client->Info());
  const std::string chain_id = info.chain_id();

  std::vector<Sender> senders(o.senders);
  for (size_t i = 0; i < senders.size(); ++i) {
    Sender& s = senders[i];
    ASSIGN_OR_RETURN(s.key,
                     KeyPairFromSeed(Sha256(StrCat(o.key_seed, "/", i))));
    s.address = AddressFromPublicKey(s.key.public_key);
    ASSIGN_OR_RETURN(api::AccountView account, client->Account(s.address));
    if (account.nonce() != account.pending_nonce()) {
      return absl::FailedPreconditionError(
          StrCat("sender ", HexBytes(s.address),
                 " has pending transactions; wait or use another --key-seed"));
    }
    s.nonce = account.nonce();
  }

  // A fresh token, all of it held by sender 0, which funds the others.
  Sender& bank = senders[0];
  ASSIGN_OR_RETURN(
      ledger::SignedTransaction deploy_stx,
      TokenDeploy(*client, o, bank.key, "Load", "LOAD", uint64_t{1} << 60));
  ++bank.nonce;
  const absl::Duration wait = absl::Seconds(o.timeout_s);
  ASSIGN_OR_RETURN(api::TransactionView deployed,
                   client->SubmitAndWait(deploy_stx, wait));
  if (deployed.receipt().status() != ledger::RECEIPT_STATUS_SUCCESS) {
    return absl::FailedPreconditionError(
        StrCat("deploy failed: ", deployed.receipt().error()));
  }
  const std::string token_address = deployed.receipt().contract_address();
  for (size_t i = 1; i < senders.size(); ++i) {
    ASSIGN_OR_RETURN(std::string input, TransferInput(token, senders[i].address,
                                                      uint64_t{1} << 40));
    ledger::SignedTransaction stx =
        SignCall(bank, chain_id, token_address, "transfer", input, o.gas_limit);
    if (i + 1 < senders.size()) {
      RETURN_IF_ERROR(client->Submit(stx).status());
    } else {
      RETURN_IF_ERROR(client->SubmitAndWait(stx, wait).status());
    }
  }

  // Sign everything before the clock starts.
  std::vector<uint64_t> final_nonce(senders.size());
  for (size_t i = 0; i < senders.size(); ++i) {
    size_t count = o.txs / senders.size() + (i < o.txs % senders.size());
    const std::string& to = senders[(i + 1) % senders.size()].address;
    ASSIGN_OR_RETURN(std::string input, TransferInput(token, to, 1));
    for (size_t k = 0; k < count; ++k) {
      senders[i].bodies.push_back(
          Client::SubmitBody(SignCall(senders[i], chain_id, token_address,
                                      "transfer", input, o.gas_limit)));
    }
    final_nonce[i] = senders[i].nonce;
  }

  LoadReport report;
  report.verify_per_s = MeasureVerifyRate();
  ASSIGN_OR_RETURN(api::StatsResponse stats_before, client->Stats());
  ASSIGN_OR_RETURN(api::HealthResponse health, client->Health());
  report.first_block = health.height() + 1;

  std::atomic<size_t> refused{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      auto c = Connect(o);
      if (!c.ok()) {
        std::lock_guard<std::mutex> lock(failure_mu);
        failure = std::string(c.status().message());
        failed = true;
        return;
      }
      std::vector<Sender*> mine;
      for (size_t i = t; i < senders.size(); i += o.connections) {
        mine.push_back(&senders[i]);
      }
      std::vector<size_t> next(mine.size(), 0);
      if (o.batch > 1) {
        SubmitBatches(**c, mine, o.batch, deadline, next, refused, failed,
                      failure, failure_mu);
        return;
      }
      for (bool more = true; more && !failed;) {
        more = false;
        for (size_t m = 0; m < mine.size() && !failed; ++m) {
          if (next[m] >= mine[m]->bodies.size()) continue;
          more = true;
          auto r = (*c)->SubmitRendered(mine[m]->bodies[next[m]]);
          if (r.ok()) {
            ++next[m];
          } else if (absl::IsResourceExhausted(r.status()) &&
                     Clock::now() < deadline) {
            // The mempool is full: wait for a block.
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          } else {
            ++refused;
            std::lock_guard<std::mutex> lock(failure_mu);
            failure = std::string(r.status().message());
            failed = true;
          }
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  report.submit_s = Seconds(start, Clock::now());
  report.refused = refused;
  if (failed) return absl::AbortedError(StrCat("submit: ", failure));

  // Done when every sender's last transfer is committed.
  for (size_t i = 0; i < senders.size();) {
    ASSIGN_OR_RETURN(api::AccountView account,
                     client->Account(senders[i].address));
    if (account.nonce() >= final_nonce[i]) {
      ++i;
      continue;
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(
          StrCat("transfers not committed after ", o.timeout_s, " s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  report.total_s = Seconds(start, Clock::now());
  report.txs = o.txs;
  report.tx_per_s = report.total_s > 0 ? o.txs / report.total_s : 0;
  ASSIGN_OR_RETURN(api::StatsResponse stats_after, client->Stats());
  ASSIGN_OR_RETURN(health, client->Health());
  report.last_block = health.height();
  report.node_stats = StatsDelta(stats_before, stats_after);
  return report;
}

absl::StatusOr<std::string> TokenDeployBody(const LoadOptions& o) {
  ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Connect(o));
  ASSIGN_OR_RETURN(KeyPair key,
                   KeyPairFromSeed(Sha256(StrCat(o.key_seed, "/", 0))));
  ASSIGN_OR_RETURN(ledger::SignedTransaction stx,
                   TokenDeploy(*client, o, key, "Example", "EX", 1'000'000));
  return Client::SubmitBody(stx);
}

json LoadReportJson(const LoadReport& r) {
  return json{{"txs", r.txs},
              {"refused", r.refused},
              {"submit_s", r.submit_s},
              {"total_s", r.total_s},
              {"tx_per_s", r.tx_per_s},
              {"first_block", r.first_block},
              {"last_block", r.last_block},
              {"verify_per_s", r.verify_per_s},
              {"ratio_to_verify_ceiling",
               r.verify_per_s > 0 ? r.tx_per_s / r.verify_per_s : 0},
              {"node", r.node_stats}};
}

std::string LoadReportText(const LoadReport& r) {
  char buf[1024];
  const json& n = r.node_stats;
  auto f = [&](const char* k) {
    return n.contains(k) && n[k].is_number() ? n[k].get<double>() : 0.0;
  };
  double txs = std::max(1.0, f("txs"));
  std::snprintf(
      buf, sizeof buf,
      "%zu transfers committed in %.2f s: %.0f tx/s (submitting took %.2f s)\n"
      "blocks %llu..%llu\n"
      "raw ed25519 verify on one core: %.0f/s; end-to-end is %.0f%% of it\n"
      "node, per tx: admit %.1f us (API threads, parallel); producer: select "
      "%.1f us, check %.1f us, run %.1f us, roots+sign %.1f us, commit %.1f "
      "us\n",
      r.txs, r.total_s, r.tx_per_s, r.submit_s,
      static_cast<unsigned long long>(r.first_block),
      static_cast<unsigned long long>(r.last_block), r.verify_per_s,
      r.verify_per_s > 0 ? 100 * r.tx_per_s / r.verify_per_s : 0,
      1000 * f("admit_ms") / std::max(1.0, f("admitted")),
      1000 * f("select_ms") / txs, 1000 * f("check_ms") / txs,
      1000 * f("run_ms") / txs, 1000 * f("finish_ms") / txs,
      1000 * f("commit_ms") / txs);
  return buf;
}

}  // namespace ballast::load
