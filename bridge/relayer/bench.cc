#include "bridge/relayer/bench.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/time/clock.h"
#include "bridge/core/host.h"
#include "bridge/core/keys.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "tools/cli/commands.h"
#include "tools/cli/local_node.h"
#include "tools/cli/output.h"
#include "tools/cli/vault_commands.h"

namespace ballast::relayer {
namespace {

using nlohmann::json;

constexpr char kVersion[] = "ballast-transfer-1";
// Transfers sent one at a time to measure latency without load.
constexpr uint64_t kLightTransfers = 10;

cli::StoredKey KeyOf(std::string_view name) {
  cli::StoredKey k;
  k.name = std::string(name);
  k.key = *KeyPairFromSeed(Sha256(StrCat("ballast-bridge-bench/", name)));
  k.address = AddressFromPublicKey(k.key.public_key);
  return k;
}

// One chain of the benchmark: its node process, a CLI session on it (for
// deploys and calls through interfaces) and the relayer's view of it.
struct BenchChain {
  std::unique_ptr<cli::LocalNode> process;
  std::ostringstream sink;
  std::unique_ptr<cli::Session> session;
  std::unique_ptr<Chain> chain;
  std::string app;
};

absl::Status Start(const BenchOptions& o, const std::string& id,
                   const cli::StoredKey* relayer, BenchChain* c) {
  const std::string dir = StrCat(o.out_dir, "/bridge-bench-", id);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  ASSIGN_OR_RETURN(c->process,
                   cli::LocalNode::Start(o.ballastd, dir,
                                         {"--chain-id", id, "--block-time",
                                          StrCat(o.block_time_ms), "--engine",
                                          o.engine, "--log-level", "warn"},
                                         dir + ".log"));
  cli::GlobalOptions g;
  g.node_url = c->process->url();
  c->session = std::make_unique<cli::Session>(g, c->sink);
  ASSIGN_OR_RETURN(std::unique_ptr<api::Client> client,
                   api::Client::Create(c->process->url()));
  ASSIGN_OR_RETURN(api::InfoResponse info, client->Info());
  std::vector<std::string> keys(info.signing_pubkeys().begin(),
                                info.signing_pubkeys().end());
  const uint32_t k = static_cast<uint32_t>(keys.size());
  ASSIGN_OR_RETURN(c->chain, Chain::Connect(id, c->process->url(), relayer,
                                            std::move(keys), k));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Deploy(BenchChain& c, const BenchOptions& o,
                                   const cli::StoredKey& who,
                                   const std::string& name, const json& init) {
  ASSIGN_OR_RETURN(std::string code,
                   ReadFile(StrCat(o.contracts_dir, "/", name, ".wasm")));
  ASSIGN_OR_RETURN(std::string desc,
                   ReadFile(StrCat(o.contracts_dir, "/", name, ".desc")));
  cli::TxOptions tx;
  tx.gas = 50'000'000;
  return cli::DeployCode(*c.session, who, std::move(code), std::move(desc),
                         init, tx, StrCat("deploy ", name));
}

// Submits signed bodies in order, then waits until every one is committed;
// returns the gas the last one used.
absl::StatusOr<uint64_t> SubmitAndAwait(
    api::Client& node, const std::vector<std::string>& bodies) {
  std::vector<std::string> hashes;
  for (const std::string& body : bodies) {
    absl::StatusOr<std::string> hash = node.SubmitRendered(body);
    // A full mempool (its gas bound) takes more once blocks drain it.
    for (int tries = 0; absl::IsResourceExhausted(hash.status()) && tries < 600;
         ++tries) {
      absl::SleepFor(absl::Milliseconds(100));
      hash = node.SubmitRendered(body);
    }
    if (!hash.ok()) return hash.status();
    hashes.push_back(*std::move(hash));
  }
  uint64_t gas = 0;
  for (const std::string& hash : hashes) {
    ASSIGN_OR_RETURN(api::TransactionView v,
                     node.WaitCommitted(hash, absl::Seconds(300)));
    if (v.receipt().status() != ledger::RECEIPT_STATUS_SUCCESS) {
      return absl::InternalError(
          StrCat("a benchmark transaction failed: ", v.receipt().error()));
    }
    gas = v.receipt().gas_used();
  }
  return gas;
}

// `count` calls of `method` on `contract` with `args(i)`, spread over the
// senders, signed ahead with consecutive nonces.
absl::StatusOr<std::vector<std::string>> SignCalls(
    BenchChain& c, const std::vector<cli::StoredKey>& senders,
    const std::string& contract, const std::string& method, uint32_t count,
    uint64_t gas, const std::function<json(uint32_t)>& args) {
  ASSIGN_OR_RETURN(api::Client * node, c.session->Node());
  ASSIGN_OR_RETURN(api::ContractInterface iface,
                   cli::FetchInterface(*node, contract));
  std::vector<uint64_t> nonces;
  for (const cli::StoredKey& s : senders) {
    ASSIGN_OR_RETURN(uint64_t n, node->NextNonce(s.address));
    nonces.push_back(n);
  }
  std::vector<std::string> bodies;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t k = i % senders.size();
    ASSIGN_OR_RETURN(ledger::Transaction tx,
                     cli::CallTx(iface, contract, method, args(i), method));
    bodies.push_back(api::Client::SubmitBody(cli::SignTx(
        senders[k], std::move(tx), c.chain->id(), nonces[k]++, gas)));
  }
  return bodies;
}

}  // namespace

absl::StatusOr<BenchReport> BenchBridge(const BenchOptions& o) {
  if (o.transfers < 8 || o.transfers > 20'000 || o.senders == 0 ||
      o.senders > 64) {
    return absl::InvalidArgumentError(
        "transfers must be 8..20000 and senders 1..64");
  }
  const cli::StoredKey admin = KeyOf("admin");
  const cli::StoredKey relayer_key = KeyOf("relayer");
  std::vector<cli::StoredKey> senders;
  for (uint32_t i = 0; i < o.senders; ++i) {
    senders.push_back(KeyOf(StrCat("sender-", i)));
  }
  const std::string receiver = KeyOf("receiver").address;
  BenchChain a, b;
  RETURN_IF_ERROR(Start(o, "bench-a", &relayer_key, &a));
  RETURN_IF_ERROR(Start(o, "bench-b", &relayer_key, &b));

  // Set-up (not timed): templates, applications, the token, a channel.
  std::string atom;
  for (BenchChain* c : {&a, &b}) {
    ASSIGN_OR_RETURN(
        std::string tmpl,
        Deploy(*c, o, admin, "token",
               {{"name", "Template"}, {"symbol", "TPL"}, {"decimals", 6}}));
    ASSIGN_OR_RETURN(c->app, Deploy(*c, o, admin, "transfer",
                                    {{"admin", cli::Hex0x(admin.address)},
                                     {"voucher_template", cli::Hex0x(tmpl)}}));
  }
  const uint64_t supply = uint64_t{1} << 40;
  ASSIGN_OR_RETURN(atom, Deploy(a, o, admin, "token",
                                {{"name", "Atom"},
                                 {"symbol", "ATOM"},
                                 {"decimals", 6},
                                 {"initial_holder", cli::Hex0x(admin.address)},
                                 {"initial_supply", StrCat(supply)}}));
  ASSIGN_OR_RETURN(Path path, Link(*a.chain, *b.chain, bridge::PortOf(a.app),
                                   bridge::PortOf(b.app), kVersion));
  cli::TxOptions tx;
  tx.gas = 5'000'000;
  for (const cli::StoredKey& s : senders) {
    RETURN_IF_ERROR(cli::Transact(*a.session, admin, atom, "transfer",
                                  {{"to", cli::Hex0x(s.address)},
                                   {"amount", StrCat(supply / 128)}},
                                  tx, "fund a sender")
                        .status());
    RETURN_IF_ERROR(cli::Transact(*a.session, s, atom, "approve",
                                  {{"spender", cli::Hex0x(a.app)},
                                   {"amount", StrCat(supply / 128)}},
                                  tx, "approve the application")
                        .status());
  }
  auto transfer_args = [&](uint32_t i) {
    return json{{"channel", path.end[0].channel},
                {"token", cli::Hex0x(atom)},
                {"amount", StrCat(1 + i % 100)},
                {"receiver", cli::Hex0x(receiver)},
                {"timeout_height", "1000000000"}};
  };
  std::map<std::string, Chain*> chains = {{a.chain->id(), a.chain.get()},
                                          {b.chain->id(), b.chain.get()}};
  auto relay_until = [&](Relayer& r, uint64_t acks) -> absl::Status {
    const absl::Time deadline = absl::Now() + absl::Minutes(10);
    while (r.progress().acknowledged < acks) {
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(
            StrCat("the relayer acknowledged ", r.progress().acknowledged,
                   " of ", acks, " transfers in 10 minutes"));
      }
      RETURN_IF_ERROR(r.Step());
    }
    return absl::OkStatus();
  };
  // Warm-up (not timed): two transfers all the way, one after the other.
  // The first creates the voucher on B; the relayer learns from the second
  // what a plain receive costs, and the senders what a transfer costs.
  Options options;
  options.max_batch = 5000;
  Progress learnt;  // the gas limits the warm-up learnt
  uint64_t transfer_gas = 0;
  {
    Relayer warm_relayer(chains, {path}, options, Progress());
    for (uint64_t i = 1; i <= 2; ++i) {
      ASSIGN_OR_RETURN(std::vector<std::string> warm,
                       SignCalls(a, {senders[0]}, a.app, "transfer", 1,
                                 5'000'000, transfer_args));
      ASSIGN_OR_RETURN(transfer_gas, SubmitAndAwait(a.chain->node(), warm));
      RETURN_IF_ERROR(relay_until(warm_relayer, i));
    }
    std::copy(std::begin(warm_relayer.progress().gas_limits),
              std::end(warm_relayer.progress().gas_limits),
              std::begin(learnt.gas_limits));
  }
  const uint64_t gas = transfer_gas + transfer_gas / 2;

  BenchReport report;
  // Latency without load: transfers one at a time, each relayed home
  // before the next is sent.
  {
    Progress light = learnt;
    for (auto& [id, chain] : chains) {
      ASSIGN_OR_RETURN(Head h, chain->ReadHead());
      light.scan_from[id] = h.height + 1;
    }
    Relayer r(chains, {path}, options, std::move(light));
    for (uint64_t i = 1; i <= kLightTransfers; ++i) {
      ASSIGN_OR_RETURN(std::vector<std::string> one,
                       SignCalls(a, {senders[1 % senders.size()]}, a.app,
                                 "transfer", 1, 5'000'000, transfer_args));
      RETURN_IF_ERROR(SubmitAndAwait(a.chain->node(), one).status());
      RETURN_IF_ERROR(relay_until(r, i));
    }
    const Progress& p = r.progress();
    if (p.latency_count > 0) {
      report.light_latency_mean_ms =
          static_cast<double>(p.latency_sum_ms) / p.latency_count;
    }
    report.light_latency_max_ms = p.latency_max_ms;
  }
  report.transfers = o.transfers;
  report.send_gas = transfer_gas;
  report.block_time_ms = o.block_time_ms;
  // Baseline: plain token transfers on A, signed ahead, timed the same way.
  {
    ASSIGN_OR_RETURN(
        std::vector<std::string> bodies,
        SignCalls(a, senders, atom, "transfer", 1, 5'000'000, [&](uint32_t) {
          return json{{"to", cli::Hex0x(receiver)}, {"amount", "1"}};
        }));
    ASSIGN_OR_RETURN(uint64_t token_gas,
                     SubmitAndAwait(a.chain->node(), bodies));
    ASSIGN_OR_RETURN(
        bodies,
        SignCalls(a, senders, atom, "transfer", o.transfers,
                  token_gas + token_gas / 2, [&](uint32_t) {
                    return json{{"to", cli::Hex0x(receiver)}, {"amount", "1"}};
                  }));
    const absl::Time start = absl::Now();
    RETURN_IF_ERROR(SubmitAndAwait(a.chain->node(), bodies).status());
    report.baseline_per_second =
        o.transfers / absl::ToDoubleSeconds(absl::Now() - start);
  }
  // The bridge: N transfers locked on A, minted on B, acknowledged on A.
  ASSIGN_OR_RETURN(std::vector<std::string> bodies,
                   SignCalls(a, senders, a.app, "transfer", o.transfers, gas,
                             transfer_args));
  Progress fresh = learnt;
  for (auto& [id, chain] : chains) {
    ASSIGN_OR_RETURN(Head h, chain->ReadHead());
    fresh.scan_from[id] = h.height + 1;
  }
  const uint64_t b_start = fresh.scan_from[b.chain->id()];
  Options timed_options = options;
  timed_options.chaos = o.chaos;
  timed_options.seed = o.seed;
  Relayer relayer(chains, {path}, timed_options, std::move(fresh));
  const absl::Time start = absl::Now();
  for (const std::string& body : bodies) {
    absl::Status s = a.chain->node().SubmitRendered(body).status();
    // A full mempool (its gas bound) takes more once blocks drain it; the
    // relayer works meanwhile.
    for (int tries = 0; absl::IsResourceExhausted(s) && tries < 600; ++tries) {
      RETURN_IF_ERROR(relayer.Step());
      s = a.chain->node().SubmitRendered(body).status();
    }
    RETURN_IF_ERROR(s);
  }
  RETURN_IF_ERROR(relay_until(relayer, o.transfers));
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  report.per_second = o.transfers / report.seconds;
  const Progress& p = relayer.progress();
  report.relayer = p;
  if (p.latency_count > 0) {
    report.latency_mean_ms =
        static_cast<double>(p.latency_sum_ms) / p.latency_count;
  }
  report.latency_max_ms = p.latency_max_ms;
  // The gas of one receive on B (a mint), the first of the timed run.
  api::EventsRequest req;
  req.set_contract(std::string(bridge::kBridgeAddress));
  req.set_name("WriteAckEvent");
  req.set_from_block(b_start);
  req.set_limit(1);
  ASSIGN_OR_RETURN(api::EventsResponse acks, b.chain->node().Events(req));
  if (acks.events_size() == 1) {
    ASSIGN_OR_RETURN(api::BlockView block,
                     b.chain->node().BlockAt(acks.events(0).block_height()));
    const uint32_t i = acks.events(0).tx_index();
    if (static_cast<int>(i) < block.txs_size()) {
      ASSIGN_OR_RETURN(api::TransactionView v,
                       b.chain->node().Transaction(block.txs(i)));
      report.recv_gas = v.receipt().gas_used();
    }
  }
  // Exactly once: every unit sent is a voucher on B and escrowed on A.
  uint64_t total = 0;
  for (uint32_t i = 0; i < o.transfers; ++i) total += 1 + i % 100;
  total += 2 + kLightTransfers;  // the warm-up and the unloaded latency
  ASSIGN_OR_RETURN(api::QueryResponse vq,
                   cli::QueryMethod(*b.session, b.app, "voucher",
                                    {{"denom", StrCat(path.end[1].port, "/",
                                                      path.end[1].channel, "/",
                                                      cli::Hex0x(atom))}},
                                    std::nullopt));
  ASSIGN_OR_RETURN(json voucher, cli::QueryResult(vq));
  ASSIGN_OR_RETURN(std::string voucher_token,
                   cli::ParseAddress(voucher.value("token", "")));
  ASSIGN_OR_RETURN(api::QueryResponse sq,
                   cli::QueryMethod(*b.session, voucher_token, "total_supply",
                                    json::object(), std::nullopt));
  ASSIGN_OR_RETURN(json supply_doc, cli::QueryResult(sq));
  ASSIGN_OR_RETURN(report.voucher_supply,
                   cli::AnswerU64(supply_doc, "total_supply"));
  ASSIGN_OR_RETURN(api::QueryResponse eq,
                   cli::QueryMethod(*a.session, a.app, "escrowed",
                                    {{"channel", path.end[0].channel},
                                     {"token", cli::Hex0x(atom)}},
                                    std::nullopt));
  ASSIGN_OR_RETURN(json escrow_doc, cli::QueryResult(eq));
  ASSIGN_OR_RETURN(report.escrowed, cli::AnswerU64(escrow_doc, "amount"));
  a.process->Stop();
  b.process->Stop();
  if (report.voucher_supply != total || report.escrowed != total) {
    return absl::DataLossError(
        StrCat("sent ", total, " in all, but B holds ", report.voucher_supply,
               " vouchers and A escrows ", report.escrowed));
  }
  return report;
}

}  // namespace ballast::relayer
