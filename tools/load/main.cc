// ballast_load: sends signed token transfers to a running ballastd and
// reports end-to-end transfers per second, the node's time breakdown and the
// raw ed25519 verification rate of this machine (see node/load.h).
//
//   ballast_load --node http://127.0.0.1:8545 --txs 20000 [--json]
//   ballast_load --node URL --print-deploy   # a signed token deploy body
//   ballast_load --workload vault --ops 300  # the collateral system, on a
//                                            # node it starts (simulate.h)
//   ballast_load --workload bridge --ops 500 # transfers between two chains
//                                            # it starts (relayer/bench.h)

#include <cstdio>
#include <iostream>

#include "CLI/CLI.hpp"
#include "bridge/relayer/bench.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "tools/load/load.h"
#include "tools/simulate/simulate.h"

namespace ballast::load {
namespace {

int Vault(uint32_t ops, const std::string& ballastd, bool as_json) {
  simulate::BenchOptions options;
  options.operations = ops;
  options.ballastd = ballastd;
  options.contracts_dir = BALLAST_CONTRACTS_DIR;
  options.out_dir = "/tmp";
  auto phases = simulate::BenchVault(options);
  if (!phases.ok()) {
    std::cerr << "ballast_load: " << phases.status().message() << "\n";
    return 1;
  }
  nlohmann::json doc = nlohmann::json::array();
  for (const simulate::BenchPhase& p : *phases) {
    doc.push_back({{"phase", p.name},
                   {"ops", p.ops},
                   {"seconds", p.seconds},
                   {"per_second", p.per_second},
                   {"gas_per_op", p.gas_per_op},
                   {"blocks", p.blocks}});
    if (!as_json) {
      std::printf(
          "%-14s %6u ops in %7.2f s: %8.1f/s, %9llu gas each, %llu blocks\n",
          p.name.c_str(), p.ops, p.seconds, p.per_second,
          static_cast<unsigned long long>(p.gas_per_op),
          static_cast<unsigned long long>(p.blocks));
    }
  }
  if (as_json) std::cout << doc.dump(2) << "\n";
  return 0;
}

int Bridge(uint32_t ops, int block_time_ms, const std::string& ballastd,
           const std::string& engine, const std::string& chaos, bool as_json) {
  relayer::BenchOptions options;
  auto parsed = relayer::ParseChaos(chaos);
  if (!parsed.ok()) {
    std::cerr << "ballast_load: " << parsed.status().message() << "\n";
    return 1;
  }
  options.chaos = *parsed;
  options.transfers = ops;
  options.block_time_ms = block_time_ms;
  options.ballastd = ballastd;
  options.engine = engine;
  options.contracts_dir = BALLAST_CONTRACTS_DIR;
  auto r = relayer::BenchBridge(options);
  if (!r.ok()) {
    std::cerr << "ballast_load: " << r.status().message() << "\n";
    return 1;
  }
  const relayer::Progress& p = r->relayer;
  nlohmann::json doc = {
      {"transfers", r->transfers},
      {"block_time_ms", r->block_time_ms},
      {"seconds", r->seconds},
      {"transfers_per_second", r->per_second},
      {"baseline_token_transfers_per_second", r->baseline_per_second},
      {"latency_mean_ms", r->latency_mean_ms},
      {"latency_max_ms", r->latency_max_ms},
      {"latency_mean_blocks", r->latency_mean_ms / r->block_time_ms},
      {"unloaded_latency_mean_ms", r->light_latency_mean_ms},
      {"unloaded_latency_max_ms", r->light_latency_max_ms},
      {"send_gas", r->send_gas},
      {"recv_gas", r->recv_gas},
      {"voucher_supply", r->voucher_supply},
      {"escrowed", r->escrowed},
      {"relayer", p.ToJson()}};
  if (as_json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::printf(
      "%u transfers A->B completed (acknowledged on A) in %.2f s: %.1f/s; "
      "plain token transfers on A: %.1f/s (%.2fx)\n"
      "lock-to-mint latency: mean %.0f ms (%.1f blocks of %d ms), max %llu "
      "ms; one at a time: mean %.0f ms (%.1f blocks), max %llu ms\n"
      "relayer: %llu rounds, %llu client updates, %llu refused; time in "
      "reading events %llu ms, reading records with proofs %llu ms, "
      "submitting and awaiting %llu ms\n"
      "gas: a transfer (escrow and send) on A %llu, a receive (mint) on B "
      "%llu\n"
      "exactly once: %llu vouchers on B, %llu escrowed on A (everything "
      "sent)\n",
      r->transfers, r->seconds, r->per_second, r->baseline_per_second,
      r->per_second / r->baseline_per_second, r->latency_mean_ms,
      r->latency_mean_ms / r->block_time_ms, r->block_time_ms,
      static_cast<unsigned long long>(r->latency_max_ms),
      r->light_latency_mean_ms, r->light_latency_mean_ms / r->block_time_ms,
      static_cast<unsigned long long>(r->light_latency_max_ms),
      static_cast<unsigned long long>(p.rounds),
      static_cast<unsigned long long>(p.updates),
      static_cast<unsigned long long>(p.refused),
      static_cast<unsigned long long>(p.scan_ms),
      static_cast<unsigned long long>(p.decide_ms),
      static_cast<unsigned long long>(p.submit_ms),
      static_cast<unsigned long long>(r->send_gas),
      static_cast<unsigned long long>(r->recv_gas),
      static_cast<unsigned long long>(r->voucher_supply),
      static_cast<unsigned long long>(r->escrowed));
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"ballast_load: end-to-end signed token transfers per second"};
  LoadOptions o;
  bool as_json = false;
  o.token_wasm = std::string(BALLAST_CONTRACTS_DIR) + "/token.wasm";
  o.token_desc = std::string(BALLAST_CONTRACTS_DIR) + "/token.desc";
  app.add_option("--node", o.node, "URL of the node's API")
      ->capture_default_str();
  app.add_option("--txs", o.txs, "Transfers to send")->capture_default_str();
  app.add_option("--senders", o.senders, "Sending accounts")
      ->capture_default_str();
  app.add_option("--connections", o.connections, "HTTP connections")
      ->capture_default_str();
  app.add_option("--batch", o.batch,
                 "Transfers per request: 1 = POST /v1/tx each, more = "
                 "POST /v1/txs batches")
      ->check(CLI::Range(size_t{1}, size_t{1000}))
      ->capture_default_str();
  app.add_option("--gas", o.gas_limit, "Gas limit per transfer")
      ->capture_default_str();
  app.add_option("--key-seed", o.key_seed, "Seed of the senders' keys")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "Seconds for the whole run")
      ->capture_default_str();
  app.add_option("--token-wasm", o.token_wasm)->capture_default_str();
  app.add_option("--token-desc", o.token_desc)->capture_default_str();
  app.add_flag("--json", as_json, "Print one JSON document");
  std::string workload = "transfer";
  app.add_option("--workload", workload,
                 "transfer (to --node), or vault: open_and_mint, transfer, "
                 "liquidate and take on a ballastd --dev it starts, or "
                 "bridge: transfers between two chains it starts, relayed")
      ->check(CLI::IsMember({"transfer", "vault", "bridge"}))
      ->capture_default_str();
  uint32_t ops = 300;
  app.add_option("--ops", ops, "vault: operations per phase; bridge: transfers")
      ->capture_default_str()
      ->check(CLI::Range(8, 20000));
  int block_time_ms = 200;
  std::string chaos;
  app.add_option("--chaos", chaos,
                 "bridge: relay with chaos (drop=P,dup=P,delay=P,reorder=P) "
                 "and prove nothing was lost or minted twice");
  app.add_option("--block-time", block_time_ms, "bridge: block time (ms)")
      ->capture_default_str()
      ->check(CLI::Range(10, 10000));
  std::string ballastd = BALLASTD_BINARY;
  app.add_option("--ballastd", ballastd, "vault: the ballastd binary")
      ->capture_default_str();
  std::string engine = "auto";
  app.add_option("--engine", engine,
                 "bridge: the nodes' ballastd --engine (interp, compiled: "
                 "compiled at deploy, or auto)")
      ->check(CLI::IsMember({"interp", "compiled", "auto"}))
      ->capture_default_str();
  bool print_deploy = false;
  app.add_flag("--print-deploy", print_deploy,
               "Only print the POST /v1/tx body of a signed token deploy");
  CLI11_PARSE(app, argc, argv);
  if (print_deploy) {
    auto body = TokenDeployBody(o);
    if (!body.ok()) {
      std::cerr << "ballast_load: " << body.status().message() << "\n";
      return 1;
    }
    std::cout << *body << "\n";
    return 0;
  }
  if (workload == "vault")
    return Vault(std::min<uint32_t>(ops, 5000), ballastd, as_json);
  if (workload == "bridge") {
    return Bridge(ops, block_time_ms, ballastd, engine, chaos, as_json);
  }
  auto report = RunTransferLoad(o);
  if (!report.ok()) {
    std::cerr << "ballast_load: " << report.status().message() << "\n";
    return 1;
  }
  if (as_json) {
    std::cout << LoadReportJson(*report).dump(2) << "\n";
  } else {
    std::cout << LoadReportText(*report);
  }
  return 0;
}

}  // namespace
}  // namespace ballast::load

int main(int argc, char** argv) { return ballast::load::Main(argc, argv); }
