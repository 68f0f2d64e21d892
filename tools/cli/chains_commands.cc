#include "tools/cli/chains_commands.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/client.h"
#include "node/api/proto_json.h"
#include "tools/cli/local_node.h"
#include "tools/cli/output.h"
#include "tools/cli/system_file.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

constexpr size_t kMaxRegistryBytes = 1 << 20;
constexpr int kMaxChains = 8;

std::atomic<bool> g_stop{false};
extern "C" void OnChainsSignal(int) { g_stop = true; }

struct UpArgs {
  int count = 2;
  std::string dir;  // default $BALLAST_HOME/chains
  std::string prefix = "chain";
  int signing_keys = 1;
  int threshold = 0;  // 0: all of the signing keys
  int block_time_ms = 200;
  bool dev = false;
  std::string ballastd;
};

json EntryJson(const ChainEntry& e) {
  json keys = json::array();
  for (const std::string& k : e.trusted_keys) keys.push_back(Hex0x(k));
  return {{"chain_id", e.chain_id},
          {"url", e.url},
          {"trusted_keys", keys},
          {"threshold", e.threshold},
          {"data_dir", e.data_dir}};
}

absl::Status Up(Session& s, const UpArgs& a) {
  if (a.threshold > a.signing_keys) {
    return absl::InvalidArgumentError(StrCat("--threshold ", a.threshold,
                                             " is more than --signing-keys ",
                                             a.signing_keys));
  }
  const std::string dir = a.dir.empty() ? BallastHome() + "/chains" : a.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        StrCat("cannot create ", dir, ": ", ec.message()));
  }
  const std::string binary =
      a.ballastd.empty() ? DefaultBallastd() : a.ballastd;
  std::vector<std::unique_ptr<LocalNode>> nodes;
  std::vector<ChainEntry> entries;
  for (int i = 0; i < a.count; ++i) {
    ChainEntry e;
    e.chain_id =
        StrCat(a.prefix, "-", std::string(1, static_cast<char>('a' + i)));
    e.data_dir = dir + "/" + e.chain_id;
    std::vector<std::string> args = {"--chain-id",     e.chain_id,
                                     "--block-time",   StrCat(a.block_time_ms),
                                     "--signing-keys", StrCat(a.signing_keys),
                                     "--log-level",    "warn"};
    if (a.dev) args.push_back("--dev");
    ASSIGN_OR_RETURN(std::unique_ptr<LocalNode> node,
                     LocalNode::Start(binary, e.data_dir, args,
                                      dir + "/" + e.chain_id + ".log"));
    e.url = node->url();
    ASSIGN_OR_RETURN(std::unique_ptr<api::Client> client,
                     api::Client::Create(e.url));
    ASSIGN_OR_RETURN(api::InfoResponse info, client->Info());
    if (info.chain_id() != e.chain_id) {
      return absl::FailedPreconditionError(StrCat(e.data_dir, " holds chain '",
                                                  info.chain_id(), "', not '",
                                                  e.chain_id, "'"));
    }
    e.trusted_keys.assign(info.signing_pubkeys().begin(),
                          info.signing_pubkeys().end());
    e.threshold = static_cast<uint32_t>(
        a.threshold > 0 ? a.threshold : e.trusted_keys.size());
    if (e.threshold > e.trusted_keys.size()) {
      return absl::FailedPreconditionError(
          StrCat(e.chain_id, " is signed by ", e.trusted_keys.size(),
                 " keys (its data dir fixed that), fewer than --threshold ",
                 e.threshold));
    }
    nodes.push_back(std::move(node));
    entries.push_back(std::move(e));
  }
  json doc = {{"chains", json::array()}};
  for (const ChainEntry& e : entries) doc["chains"].push_back(EntryJson(e));
  const std::string registry = ChainRegistryPath();
  std::filesystem::create_directories(BallastHome(), ec);
  RETURN_IF_ERROR(WriteFileDurably(registry, doc.dump(2) + "\n"));
  std::string text;
  for (const ChainEntry& e : entries) {
    absl::StrAppend(&text, e.chain_id, "  ", e.url, "  ", e.threshold, " of ",
                    e.trusted_keys.size(), " keys\n");
  }
  absl::StrAppend(&text, "registry ", registry, "; Ctrl-C stops them\n");
  s.Emit(doc, text);
  std::signal(SIGINT, OnChainsSignal);
  std::signal(SIGTERM, OnChainsSignal);
  while (!g_stop) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i]->Running()) {
        std::filesystem::remove(registry, ec);
        return absl::UnavailableError(StrCat(entries[i].chain_id,
                                             " stopped; see ", dir, "/",
                                             entries[i].chain_id, ".log"));
      }
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::filesystem::remove(registry, ec);
  for (auto& node : nodes) node->Stop();
  return absl::OkStatus();
}

absl::StatusOr<std::string> Field(const json& doc, const char* name, size_t i) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string() ||
      it->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError(
        StrCat("chains[", i, "].", name, ": missing or not a string"));
  }
  return it->get<std::string>();
}

}  // namespace

std::string ChainRegistryPath() { return BallastHome() + "/chains.json"; }

absl::StatusOr<std::vector<ChainEntry>> LoadChainRegistry(
    const std::string& path) {
  ReadFileOptions bounded;
  bounded.max_bytes = kMaxRegistryBytes;
  auto text = ReadFile(path, bounded);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(
        StrCat("no chain registry at ", path,
               " (start chains with: ballast chains up)"));
  }
  if (!text.ok()) return text.status();
  auto parsed = api::ParseJson(*text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        StrCat(path, ": ", parsed.status().message()));
  }
  const json& doc = *parsed;
  if (!doc.is_object() || !doc.contains("chains") ||
      !doc["chains"].is_array() || doc["chains"].size() > kMaxChains) {
    return absl::InvalidArgumentError(
        StrCat(path, ": expected {\"chains\": [...]} with at most ", kMaxChains,
               " chains"));
  }
  std::vector<ChainEntry> out;
  for (size_t i = 0; i < doc["chains"].size(); ++i) {
    const json& c = doc["chains"][i];
    if (!c.is_object()) {
      return absl::InvalidArgumentError(
          StrCat("chains[", i, "]: not an object"));
    }
    ChainEntry e;
    ASSIGN_OR_RETURN(e.chain_id, Field(c, "chain_id", i));
    ASSIGN_OR_RETURN(e.url, Field(c, "url", i));
    ASSIGN_OR_RETURN(e.data_dir, Field(c, "data_dir", i));
    const json keys = c.value("trusted_keys", json());
    if (!keys.is_array() || keys.empty() || keys.size() > 32) {
      return absl::InvalidArgumentError(
          StrCat("chains[", i, "].trusted_keys: 1 to 32 keys"));
    }
    for (const json& k : keys) {
      absl::StatusOr<std::string> raw = absl::InvalidArgumentError("");
      if (k.is_string() && k.get<std::string>().starts_with("0x")) {
        raw = FromHex(k.get<std::string>().substr(2));
      }
      if (!raw.ok() || raw->size() != 32) {
        return absl::InvalidArgumentError(
            StrCat("chains[", i, "].trusted_keys: not a 0x 32-byte key"));
      }
      e.trusted_keys.push_back(*raw);
    }
    const json t = c.value("threshold", json());
    if (!t.is_number_unsigned() || t.get<uint64_t>() < 1 ||
        t.get<uint64_t>() > e.trusted_keys.size()) {
      return absl::InvalidArgumentError(
          StrCat("chains[", i, "].threshold: 1..", e.trusted_keys.size()));
    }
    e.threshold = static_cast<uint32_t>(t.get<uint64_t>());
    out.push_back(std::move(e));
  }
  return out;
}

void RegisterChainsCommands(CLI::App& app, const CommandHook& on) {
  CLI::App* chains =
      app.add_subcommand("chains",
                         "Local chains for cross-chain work (a registry in "
                         "$BALLAST_HOME/chains.json)");
  chains->require_subcommand(1);
  auto args = std::make_shared<UpArgs>();
  CLI::App* up = chains->add_subcommand(
      "up", "Start N ballastd chains on loopback ports until Ctrl-C");
  up->add_option("--count", args->count, "How many chains")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxChains));
  up->add_option("--dir", args->dir,
                 "Where their data dirs and logs go (default "
                 "$BALLAST_HOME/chains)");
  up->add_option("--prefix", args->prefix,
                 "Chain ids are PREFIX-a, PREFIX-b, ...")
      ->capture_default_str();
  up->add_option("--signing-keys", args->signing_keys,
                 "Keys that sign each block (on new data dirs)")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  up->add_option("--threshold", args->threshold,
                 "k a light client should require (default: all the keys)")
      ->check(CLI::Range(1, 16));
  up->add_option("--block-time", args->block_time_ms, "Block time (ms)")
      ->capture_default_str()
      ->check(CLI::Range(1, 60'000));
  up->add_flag("--dev", args->dev, "Run them with ballastd --dev");
  up->add_option("--ballastd", args->ballastd,
                 "ballastd binary (default $BALLASTD, else the build's)");
  on(up, "chains up", [args](Session& s) { return Up(s, *args); });
}

}  // namespace ballast::cli
