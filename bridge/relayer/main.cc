// ballast-relayer: carries packets between local chains (bridge/README.md,
// "The relayer"). Chains come from the registry `ballast chains up` writes
// ($BALLAST_HOME/chains.json); the relayer's key from the CLI's keystore
// (created if missing: a relayer needs no funds, only a key to sign with).
//
//   ballast-relayer link --a CHAIN --b CHAIN --port-a PORT --port-b PORT
//                        --version V        open a channel (clients too)
//   ballast-relayer start --path CHAIN:CHANNEL:CHAIN [--path ...]
//                        [--chaos drop=P,dup=P,delay=P,reorder=P] [--seed N]
//                        [--interval-ms 200] [--rounds N] [--max-batch N]
//   ballast-relayer status                  what the last run relayed
//
// Progress is kept in $BALLAST_HOME/relayer/progress.json (--state DIR);
// `start` resumes from it. SIGINT or SIGTERM ends `start` after its round.

#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bridge/relayer/chain.h"
#include "bridge/relayer/path.h"
#include "bridge/relayer/relayer.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "tools/cli/chains_commands.h"
#include "tools/cli/keystore.h"
#include "tools/cli/system_file.h"

namespace ballast::relayer {
namespace {

using nlohmann::json;

volatile std::sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

struct Args {
  std::string key = "relayer";
  std::string state_dir;  // default $BALLAST_HOME/relayer
  bool json = false;
  // link
  std::string chain_a, chain_b, port_a, port_b, version, client_a, client_b;
  // start
  std::vector<std::string> paths;
  std::string chaos;
  uint64_t seed = 1;
  int64_t interval_ms = 200;
  uint64_t rounds = 0;  // 0: until stopped
  size_t max_batch = 200;
};

std::string StateDir(const Args& a) {
  return a.state_dir.empty() ? cli::BallastHome() + "/relayer" : a.state_dir;
}

absl::StatusOr<cli::StoredKey> RelayerKey(const Args& a) {
  cli::Keystore keys(cli::Keystore::DefaultDir(),
                     cli::PassphraseFromEnvOrTerminal);
  absl::StatusOr<cli::StoredKey> key = keys.Load(a.key);
  if (absl::IsNotFound(key.status())) return keys.Create(a.key);
  return key;
}

// The chains of the registry, connected, by id.
struct Chains {
  cli::StoredKey key;
  std::map<std::string, std::unique_ptr<Chain>> by_id;

  absl::StatusOr<Chain*> Get(const std::string& id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      return absl::NotFoundError(
          StrCat("chain '", id, "' is not in ", cli::ChainRegistryPath()));
    }
    return it->second.get();
  }
};

absl::StatusOr<std::unique_ptr<Chains>> Connect(const Args& a) {
  auto chains = std::make_unique<Chains>();
  ASSIGN_OR_RETURN(chains->key, RelayerKey(a));
  ASSIGN_OR_RETURN(std::vector<cli::ChainEntry> entries,
                   cli::LoadChainRegistry(cli::ChainRegistryPath()));
  for (const cli::ChainEntry& e : entries) {
    ASSIGN_OR_RETURN(std::unique_ptr<Chain> c,
                     Chain::Connect(e.chain_id, e.url, &chains->key,
                                    e.trusted_keys, e.threshold));
    chains->by_id[e.chain_id] = std::move(c);
  }
  return chains;
}

absl::Status LinkCommand(const Args& a) {
  ASSIGN_OR_RETURN(std::unique_ptr<Chains> chains, Connect(a));
  ASSIGN_OR_RETURN(Chain * ca, chains->Get(a.chain_a));
  ASSIGN_OR_RETURN(Chain * cb, chains->Get(a.chain_b));
  ASSIGN_OR_RETURN(Path path, Link(*ca, *cb, a.port_a, a.port_b, a.version,
                                   a.client_a, a.client_b));
  json ends = json::array();
  for (const PathEnd& e : path.end) {
    ends.push_back({{"chain_id", e.chain_id},
                    {"client", e.client},
                    {"connection", e.connection},
                    {"port", e.port},
                    {"channel", e.channel}});
  }
  if (a.json) {
    std::cout << json{{"path", ends}}.dump(2) << "\n";
  } else {
    std::cout << "linked " << path.end[0].chain_id << ":" << path.end[0].channel
              << " <-> " << path.end[1].chain_id << ":" << path.end[1].channel
              << " (relay it with --path " << path.end[0].chain_id << ":"
              << path.end[0].channel << ":" << path.end[1].chain_id << ")\n";
  }
  return absl::OkStatus();
}

// The paths of --path, resolved on `chains`; `used` gets the chains they
// touch.
absl::Status ResolvePaths(const Args& a, Chains& chains,
                          std::vector<Path>* paths,
                          std::map<std::string, Chain*>* used) {
  for (const std::string& text : a.paths) {
    std::vector<std::string> parts = absl::StrSplit(text, ':');
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          StrCat("--path '", text, "': CHAIN:CHANNEL:CHAIN is expected"));
    }
    ASSIGN_OR_RETURN(Chain * ca, chains.Get(parts[0]));
    ASSIGN_OR_RETURN(Chain * cb, chains.Get(parts[2]));
    ASSIGN_OR_RETURN(Path p, Resolve(*ca, parts[1], *cb));
    (*used)[ca->id()] = ca;
    (*used)[cb->id()] = cb;
    paths->push_back(std::move(p));
  }
  return absl::OkStatus();
}

absl::Status StartCommand(const Args& a) {
  ASSIGN_OR_RETURN(Chaos chaos, ParseChaos(a.chaos));
  if (a.paths.empty()) {
    return absl::InvalidArgumentError("give at least one --path");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Chains> chains, Connect(a));
  std::vector<Path> paths;
  std::map<std::string, Chain*> used;
  RETURN_IF_ERROR(ResolvePaths(a, *chains, &paths, &used));
  std::error_code ec;
  std::filesystem::create_directories(StateDir(a), ec);
  Options options;
  options.chaos = chaos;
  options.seed = a.seed;
  options.max_batch = a.max_batch;
  options.progress_file = StateDir(a) + "/progress.json";
  ASSIGN_OR_RETURN(Progress progress, Progress::Load(options.progress_file));
  auto relayer = std::make_unique<Relayer>(used, std::move(paths), options,
                                           std::move(progress));
  std::signal(SIGINT, OnStop);
  std::signal(SIGTERM, OnStop);
  std::cout << json{{"action", "started"},
                    {"address", "0x" + ToHex(chains->key.address)},
                    {"paths", a.paths},
                    {"chaos", a.chaos}}
                   .dump()
            << std::endl;
  for (uint64_t round = 0; !g_stop && (a.rounds == 0 || round < a.rounds);
       ++round) {
    const absl::Time start = absl::Now();
    absl::Status s = relayer->Step();
    json line = relayer->progress().ToJson();
    line["action"] = s.ok() ? "round" : "round_error";
    std::cout << line.dump() << std::endl;
    if (absl::IsUnavailable(s)) {
      // A node went away: it may be back on another port (`ballast chains
      // up` again), so the registry is read again; the progress carries
      // over, and the chains' records tell what is already done.
      absl::StatusOr<std::unique_ptr<Chains>> again = Connect(a);
      std::vector<Path> again_paths;
      std::map<std::string, Chain*> again_used;
      if (again.ok() &&
          ResolvePaths(a, **again, &again_paths, &again_used).ok()) {
        Progress kept = relayer->progress();
        relayer = std::make_unique<Relayer>(again_used, std::move(again_paths),
                                            options, std::move(kept));
        chains = *std::move(again);
        std::cout << json{{"action", "reconnected"}}.dump() << std::endl;
      }
    }
    const absl::Duration left =
        absl::Milliseconds(a.interval_ms) - (absl::Now() - start);
    if (left > absl::ZeroDuration()) absl::SleepFor(left);
  }
  return absl::OkStatus();
}

absl::Status StatusCommand(const Args& a) {
  const std::string file = StateDir(a) + "/progress.json";
  if (!std::filesystem::exists(file)) {
    return absl::NotFoundError(
        StrCat("no relayer progress at ", file, " (has `start` run?)"));
  }
  ASSIGN_OR_RETURN(Progress p, Progress::Load(file));
  if (a.json) {
    std::cout << p.ToJson().dump(2) << "\n";
    return absl::OkStatus();
  }
  std::cout << "rounds " << p.rounds << ": received " << p.received
            << ", acknowledged " << p.acknowledged << ", timed out "
            << p.timed_out << ", client updates " << p.updates << ", refused "
            << p.refused << ", dropped (chaos) " << p.dropped << "\npending "
            << p.pending << " (of which awaiting their ack " << p.awaiting_ack
            << ")\n";
  if (p.latency_count > 0) {
    std::cout << "send-to-receive latency: mean "
              << p.latency_sum_ms / p.latency_count << " ms, max "
              << p.latency_max_ms << " ms over " << p.latency_count
              << " packets\n";
  }
  if (!p.last_error.empty()) {
    std::cout << "last round failed: " << p.last_error << "\n";
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace ballast::relayer

int main(int argc, char** argv) {
  using namespace ballast::relayer;
  Args a;
  CLI::App app{
      "ballast-relayer: relays packets between Ballast chains "
      "(chains from $BALLAST_HOME/chains.json)"};
  app.require_subcommand(1);
  app.add_option("--key", a.key, "the relayer's key (created if missing)");
  app.add_option("--state", a.state_dir,
                 "where progress is kept (default $BALLAST_HOME/relayer)");
  app.add_flag("--json", a.json, "JSON output");

  CLI::App* link = app.add_subcommand("link", "open a channel between ports");
  link->add_option("--a", a.chain_a, "chain id of the first end")->required();
  link->add_option("--b", a.chain_b, "chain id of the second end")->required();
  link->add_option("--port-a", a.port_a, "port on the first chain")->required();
  link->add_option("--port-b", a.port_b, "port on the second chain")
      ->required();
  link->add_option("--version", a.version, "the application's version")
      ->required();
  link->add_option("--client-a", a.client_a,
                   "an existing client of b on a (default: create one)");
  link->add_option("--client-b", a.client_b,
                   "an existing client of a on b (default: create one)");

  CLI::App* start = app.add_subcommand("start", "relay until stopped");
  start->add_option("--path", a.paths, "CHAIN:CHANNEL:CHAIN, repeatable")
      ->required();
  start->add_option("--chaos", a.chaos,
                    "drop=P,dup=P,delay=P,reorder=P (probabilities)");
  start->add_option("--seed", a.seed, "seed of the chaos");
  start->add_option("--interval-ms", a.interval_ms, "time between rounds")
      ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}));
  start->add_option("--rounds", a.rounds, "stop after N rounds (0: never)");
  start->add_option("--max-batch", a.max_batch, "messages per chain per round")
      ->check(CLI::Range(size_t{1}, size_t{5000}));

  CLI::App* status = app.add_subcommand("status", "what was relayed");
  CLI11_PARSE(app, argc, argv);
  absl::Status s;
  std::string what;
  if (link->parsed()) {
    what = "link";
    s = LinkCommand(a);
  } else if (start->parsed()) {
    what = "start";
    s = StartCommand(a);
  } else if (status->parsed()) {
    what = "status";
    s = StatusCommand(a);
  }
  if (!s.ok()) {
    std::cerr << "ballast-relayer: " << what << ": " << s.message() << "\n";
    return 1;
  }
  return 0;
}
