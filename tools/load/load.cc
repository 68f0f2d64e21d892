#include "tools/load/load.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "node/api/json.h"
#include "node/api/proto_json.h"

namespace ballast::load {
namespace {

using api::BlockJson;
using api::ContractInterface;
using api::DumpJson;
using api::EventJson;
using api::HexBytes;
using api::InterfaceLookup;
using api::ParseHexBytes;
using api::ParseJson;
using api::ParseSubmitBody;
using api::ReceiptJson;
using api::SubmitBody;
using api::TransactionJson;

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return absl::NotFoundError(StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<httplib::Client> Connect(const LoadOptions& o) {
  auto c = std::make_unique<httplib::Client>(o.host, o.port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(5);
  c->set_read_timeout(60);
  return c;
}

// The JSON body of a 2xx answer; the node's error otherwise.
absl::StatusOr<json> Answer(const httplib::Result& r, std::string_view what) {
  if (!r) {
    return absl::UnavailableError(
        StrCat(what, ": no answer (", httplib::to_string(r.error()), ")"));
  }
  json body = json::parse(r->body, nullptr, false);
  if (r->status != 200) {
    return absl::FailedPreconditionError(
        StrCat(what, ": HTTP ", r->status, ": ", r->body));
  }
  return body;
}

absl::StatusOr<json> Get(httplib::Client& c, const std::string& path) {
  return Answer(c.Get(path), StrCat("GET ", path));
}
absl::StatusOr<json> Post(httplib::Client& c, const std::string& path,
                          const std::string& body) {
  return Answer(c.Post(path, body, "application/json"), StrCat("POST ", path));
}

uint64_t U64(const json& j) { return std::stoull(j.get<std::string>()); }

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

json StatsDelta(const json& before, const json& after) {
  json out = json::object();
  for (const auto& [key, value] : after.items()) {
    if (!before.contains(key)) continue;
    if (value.is_number_float()) {
      out[key] = value.get<double>() - before[key].get<double>();
    } else if (value.is_number_unsigned()) {
      out[key] = value.get<uint64_t>() - before[key].get<uint64_t>();
    } else if (value.is_string()) {
      out[key] = std::to_string(U64(value) - U64(before[key]));
    }
  }
  return out;
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
  ASSIGN_OR_RETURN(std::string wasm, ReadFile(o.token_wasm));
  ASSIGN_OR_RETURN(std::string desc, ReadFile(o.token_desc));
  ASSIGN_OR_RETURN(ContractInterface token,
                   ContractInterface::FromDescriptorSet(desc));
  auto client = Connect(o);
  ASSIGN_OR_RETURN(json info, Get(*client, "/v1/info"));
  const std::string chain_id = info["chain_id"];

  std::vector<Sender> senders(o.senders);
  for (size_t i = 0; i < senders.size(); ++i) {
    Sender& s = senders[i];
    ASSIGN_OR_RETURN(s.key,
                     KeyPairFromSeed(Sha256(StrCat(o.key_seed, "/", i))));
    s.address = AddressFromPublicKey(s.key.public_key);
    ASSIGN_OR_RETURN(json account,
                     Get(*client, "/v1/account/" + HexBytes(s.address)));
    if (account["nonce"] != account["pending_nonce"]) {
      return absl::FailedPreconditionError(
          StrCat("sender ", HexBytes(s.address),
                 " has pending transactions; wait or use another --key-seed"));
    }
    s.nonce = U64(account["nonce"]);
  }

  // A fresh token, all of it held by sender 0, which funds the others.
  Sender& bank = senders[0];
  ASSIGN_OR_RETURN(
      std::string init,
      InitInput(token, "Load", "LOAD", bank.address, uint64_t{1} << 60));
  ledger::Transaction deploy;
  deploy.set_chain_id(chain_id);
  deploy.set_sender_pubkey(bank.key.public_key);
  deploy.set_nonce(bank.nonce++);
  deploy.set_gas_limit(500'000'000);
  deploy.mutable_deploy()->set_code(wasm);
  deploy.mutable_deploy()->set_interface(desc);
  deploy.mutable_deploy()->set_init_input(init);
  ledger::SignedTransaction deploy_stx;
  deploy_stx.set_tx(ledger::SerializeDeterministic(deploy));
  deploy_stx.set_signature(Sign(bank.key, deploy_stx.tx()));
  ASSIGN_OR_RETURN(json deployed, Post(*client, "/v1/tx?wait=true",
                                       DumpJson(SubmitBody(deploy_stx))));
  if (deployed["receipt"]["status"] != "RECEIPT_STATUS_SUCCESS") {
    return absl::FailedPreconditionError(
        StrCat("deploy failed: ", DumpJson(deployed["receipt"])));
  }
  ASSIGN_OR_RETURN(
      std::string token_address,
      ParseHexBytes(deployed["receipt"]["contract_address"].get<std::string>(),
                    "contract_address"));
  for (size_t i = 1; i < senders.size(); ++i) {
    ASSIGN_OR_RETURN(std::string input, TransferInput(token, senders[i].address,
                                                      uint64_t{1} << 40));
    ledger::SignedTransaction stx =
        SignCall(bank, chain_id, token_address, "transfer", input, o.gas_limit);
    bool last = i + 1 == senders.size();
    ASSIGN_OR_RETURN(json r, Post(*client, last ? "/v1/tx?wait=true" : "/v1/tx",
                                  DumpJson(SubmitBody(stx))));
    if (last && r["status"] != "committed") {
      return absl::DeadlineExceededError("funding transfers did not commit");
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
          DumpJson(SubmitBody(SignCall(senders[i], chain_id, token_address,
                                       "transfer", input, o.gas_limit))));
    }
    final_nonce[i] = senders[i].nonce;
  }

  LoadReport report;
  report.verify_per_s = MeasureVerifyRate();
  ASSIGN_OR_RETURN(json stats_before, Get(*client, "/v1/stats"));
  ASSIGN_OR_RETURN(json health, Get(*client, "/v1/health"));
  report.first_block = U64(health["height"]) + 1;

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
      std::vector<Sender*> mine;
      for (size_t i = t; i < senders.size(); i += o.connections) {
        mine.push_back(&senders[i]);
      }
      std::vector<size_t> next(mine.size(), 0);
      for (bool more = true; more && !failed;) {
        more = false;
        for (size_t m = 0; m < mine.size() && !failed; ++m) {
          if (next[m] >= mine[m]->bodies.size()) continue;
          more = true;
          auto r =
              c->Post("/v1/tx", mine[m]->bodies[next[m]], "application/json");
          if (r && r->status == 200) {
            ++next[m];
          } else if (r && r->status == 503 && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          } else {
            ++refused;
            std::lock_guard<std::mutex> lock(failure_mu);
            failure = r ? StrCat("HTTP ", r->status, ": ", r->body)
                        : StrCat("no answer: ", httplib::to_string(r.error()));
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
    ASSIGN_OR_RETURN(
        json account,
        Get(*client, "/v1/account/" + HexBytes(senders[i].address)));
    if (U64(account["nonce"]) >= final_nonce[i]) {
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
  ASSIGN_OR_RETURN(json stats_after, Get(*client, "/v1/stats"));
  ASSIGN_OR_RETURN(health, Get(*client, "/v1/health"));
  report.last_block = U64(health["height"]);
  report.node_stats = StatsDelta(stats_before, stats_after);
  return report;
}

absl::StatusOr<std::string> TokenDeployBody(const LoadOptions& o) {
  ASSIGN_OR_RETURN(std::string wasm, ReadFile(o.token_wasm));
  ASSIGN_OR_RETURN(std::string desc, ReadFile(o.token_desc));
  auto client = Connect(o);
  ASSIGN_OR_RETURN(json info, Get(*client, "/v1/info"));
  ASSIGN_OR_RETURN(KeyPair key,
                   KeyPairFromSeed(Sha256(StrCat(o.key_seed, "/", 0))));
  std::string address = AddressFromPublicKey(key.public_key);
  ASSIGN_OR_RETURN(json account,
                   Get(*client, "/v1/account/" + HexBytes(address)));
  ASSIGN_OR_RETURN(ContractInterface token,
                   ContractInterface::FromDescriptorSet(desc));
  ASSIGN_OR_RETURN(std::string init,
                   InitInput(token, "Example", "EX", address, 1'000'000));
  ledger::Transaction tx;
  tx.set_chain_id(info["chain_id"].get<std::string>());
  tx.set_sender_pubkey(key.public_key);
  tx.set_nonce(U64(account["pending_nonce"]));
  tx.set_gas_limit(500'000'000);
  tx.mutable_deploy()->set_code(wasm);
  tx.mutable_deploy()->set_interface(desc);
  tx.mutable_deploy()->set_init_input(init);
  ledger::SignedTransaction stx;
  stx.set_tx(ledger::SerializeDeterministic(tx));
  stx.set_signature(Sign(key, stx.tx()));
  return DumpJson(SubmitBody(stx));
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
