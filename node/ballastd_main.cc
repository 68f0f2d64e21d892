// ballastd: a local Ballast chain node.
//
//   ballastd --data-dir DIR --chain-id ID [--listen 127.0.0.1:8545]
//            [--block-time MS|manual] [--dev] [--engine interp|compiled|auto]
//            [--http-* limits, ...]
//
// Serves the HTTP JSON API of docs/api.md, produces blocks (automine with
// --block-time 0, else one every MS milliseconds; with --dev --block-time
// manual only on POST /v1/dev/mine) and shuts down cleanly on
// SIGINT/SIGTERM. Logs go to stderr; the start banner to stdout. The bound
// address is also written to DIR/api.addr (useful with port 0).

#include <signal.h>
#include <stdlib.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <thread>

#include "CLI/CLI.hpp"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/strings.h"
#include "ledger/base/version.h"
#include "node/api_server.h"
#include "node/chain_verify.h"
#include "node/data_dir.h"
#include "node/node.h"
#include "node/thread_stacks.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace ballast::node {
namespace {

bool ParseListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 ||
      p.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *port = std::stoi(p);
  return *port <= 65535;
}

// ballastd verify --data-dir DIR (node/chain_verify.h).
int RunVerify(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << "ballastd verify: no data directory " << dir << "\n";
    return 1;
  }
  auto data_dir = DataDir::Open(dir, "");
  if (!data_dir.ok()) {
    std::cerr << "ballastd verify: " << data_dir.status().message() << "\n";
    return 1;
  }
  auto store = (*data_dir)->OpenStore(ledger::StoreOptions());
  if (!store.ok()) {
    std::cerr << "ballastd verify: " << store.status().message() << "\n";
    return 1;
  }
  std::string scratch =
      (std::filesystem::temp_directory_path() / "ballastd-verify-XXXXXX")
          .string();
  if (mkdtemp(scratch.data()) == nullptr) {
    std::cerr << "ballastd verify: cannot make a scratch directory in "
              << std::filesystem::temp_directory_path() << "\n";
    return 1;
  }
  VerifyOptions options;
  options.replica_dir = scratch + "/replica";
  options.on_block = [](uint64_t height) {
    if (height % 1000 == 0) std::cerr << "verified " << height << " blocks\n";
  };
  absl::StatusOr<VerifyReport> report = VerifyChain(**store, options);
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  if (!report.ok()) {
    std::cerr << "ballastd verify: " << report.status().message() << "\n";
    return 1;
  }
  if (report->divergence.has_value()) {
    const Divergence& d = *report->divergence;
    std::cout << "divergence at height " << d.height << " (" << d.what
              << "), after " << report->blocks_verified
              << " blocks that matched: " << d.detail << "\n";
    return 4;
  }
  std::cout << "verified " << report->blocks_verified
            << " blocks: every tx, receipts and state root, and the state "
               "after the head, match a re-execution from genesis\n";
  return 0;
}

int Main(int argc, char** argv) {
  // Signals are taken by sigwait below; block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"ballastd: a local Ballast chain node (API: docs/api.md)"};
  app.set_version_flag("--version", StrCat("ballastd ", kVersion));
  NodeOptions options;
  std::string listen = StrCat(kDefaultListenHost, ":", kDefaultListenPort);
  bool no_sync = false;
  std::string log_level = "info";
  ApiOptions api_options;
  int64_t read_timeout_ms = absl::ToInt64Milliseconds(api_options.read_timeout);
  int64_t write_timeout_ms =
      absl::ToInt64Milliseconds(api_options.write_timeout);
  // Required unless the verify subcommand runs (checked after parsing).
  app.add_option("--data-dir", options.data_dir,
                 "Directory of the chain (created if missing); required");
  app.add_option("--chain-id", options.chain_id,
                 "Chain id; required on first start, must match after");
  app.add_option("--listen", listen, "HOST:PORT of the HTTP API (port 0: any)")
      ->capture_default_str();
  std::string block_time = "0";
  app.add_option("--block-time", block_time,
                 "Milliseconds between blocks; 0 = a block as soon as "
                 "transactions wait (automine); manual = only on POST "
                 "/v1/dev/mine (needs --dev)")
      ->capture_default_str()
      ->check([](const std::string& v) -> std::string {
        if (v == "manual") return "";
        int64_t ms = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size() ||
            ms < 0) {
          return "must be a number of milliseconds >= 0, or manual";
        }
        return "";
      });
  app.add_flag("--dev", options.dev,
               "A development chain: POST /v1/dev/mine mines blocks now and "
               "moves the block clock forward (docs/api.md)");
  app.add_option("--engine", options.engine,
                 "Contract engine: interp (wabt's interpreter), compiled "
                 "(native code before the first call) or auto (the "
                 "interpreter, then native code compiled in the background)")
      ->capture_default_str()
      ->check(CLI::IsMember({"interp", "compiled", "auto"}));
  app.add_option("--compile-after", options.compile_after_calls,
                 "--engine auto: compile a contract at its Nth call")
      ->capture_default_str();
  app.add_option("--max-block-txs", options.max_block_txs,
                 "Most transactions in one block")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--mempool-size", options.mempool.capacity,
                 "Most transactions waiting in the mempool")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--mempool-bytes", options.mempool.max_bytes,
                 "Most bytes of signed transactions waiting in the mempool")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--http-threads", api_options.threads,
                 "Worker threads that run API requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--http-max-connections", api_options.max_connections,
                 "Most open API connections; beyond it: 503 and closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  app.add_option("--http-read-timeout-ms", read_timeout_ms,
                 "Longest a client may take to send a whole request (and "
                 "stay idle between requests)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}));
  app.add_option("--http-write-timeout-ms", write_timeout_ms,
                 "Longest a client may take to read a whole response")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}));
  app.add_option("--max-waiters", api_options.max_waiters,
                 "Most POST /v1/tx?wait=true waiting at once; beyond it: 503 "
                 "before admission")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  int64_t query_timeout_ms = 2000;
  app.add_option("--query-timeout-ms", query_timeout_ms,
                 "Longest wall time a query may run (it also has a gas limit)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--signing-keys", options.signing_keys,
                 "on a new data dir: how many keys sign each block (the "
                 "producer's and N-1 co-signers', for light clients that "
                 "require k of n); fixed after (default 1)")
      ->check(CLI::Range(1, kMaxSigningKeys));
  double retain_hours = static_cast<double>(options.state_retain_ms) / 3.6e6;
  app.add_option("--state-retain-heights", options.state_retain_heights,
                 "keep the state tree of at least this many recent heights "
                 "provable (default 10000)")
      ->check(CLI::Range(uint64_t{1}, std::numeric_limits<uint64_t>::max()));
  app.add_option("--state-retain-hours", retain_hours,
                 "and of every height whose block is younger than this, in "
                 "block time (default 24)")
      ->check(CLI::Range(0.0, 1e6));
  size_t state_cache_mb = options.state_cache_bytes >> 20;
  app.add_option("--state-cache-mb", state_cache_mb,
                 "memory for state tree nodes, in MiB (default 32)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_flag("--no-sync", no_sync,
               "Do not fsync commits (throwaway chains only: a crash may "
               "lose committed blocks)");
  // spdlog turns a name it does not know into "off": refuse it instead.
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str()
      ->check(
          CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  CLI::App* verify = app.add_subcommand(
      "verify",
      "re-execute every block of a data dir from genesis into a scratch "
      "replica and check each header's tx, receipts and state roots (the "
      "node must be stopped); exit 0 if all match, 4 at the first "
      "divergence");
  std::string verify_dir;
  verify->add_option("--data-dir", verify_dir, "the node's data directory")
      ->required();
  CLI11_PARSE(app, argc, argv);
  if (*verify) {
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
    return RunVerify(verify_dir);
  }
  if (options.data_dir.empty()) {
    std::cerr << "--data-dir is required\nRun with --help for more "
                 "information.\n";
    return static_cast<int>(CLI::ExitCodes::RequiredError);
  }
  options.sync = !no_sync;
  if (block_time == "manual") {
    if (!options.dev) {
      std::cerr << "ballastd: --block-time manual needs --dev (blocks are "
                   "then mined only by POST /v1/dev/mine)\n";
      return static_cast<int>(CLI::ExitCodes::ValidationError);
    }
    options.manual_mining = true;
  } else {
    std::from_chars(block_time.data(), block_time.data() + block_time.size(),
                    options.block_time_ms);
  }
  options.state_retain_ms = static_cast<int64_t>(retain_hours * 3.6e6);
  options.state_cache_bytes = state_cache_mb << 20;
  api_options.read_timeout = absl::Milliseconds(read_timeout_ms);
  api_options.write_timeout = absl::Milliseconds(write_timeout_ms);

  auto logger = spdlog::stderr_color_mt("ballastd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(log_level));

  std::string host;
  int port = 0;
  if (!ParseListen(listen, &host, &port)) {
    std::cerr << "ballastd: --listen must be HOST:PORT, got '" << listen
              << "'\n";
    return 2;
  }

  // Before any thread starts: the threads that run contracts get a stack
  // for the deepest recursion compiled code may make (node/thread_stacks.h).
  // Without it such code runs in the interpreter, with the same results.
  if (absl::Status s =
          SizeThreadStacksForContracts(wasm::CompiledEngineOptions());
      !s.ok()) {
    spdlog::warn("{}: deep compiled recursion will run in the interpreter",
                 std::string(s.message()));
  }
  auto node = Node::Open(options);
  if (!node.ok()) {
    std::cerr << "ballastd: " << node.status().message() << "\n";
    return 1;
  }
  ServiceOptions service_options;
  service_options.query_timeout = absl::Milliseconds(query_timeout_ms);
  service_options.max_body_bytes =
      static_cast<uint32_t>(api_options.max_body_bytes);
  NodeService service(node->get(), service_options);
  ApiServer api(&service, api_options);
  auto bound = api.Bind(host, port);
  if (!bound.ok()) {
    std::cerr << "ballastd: " << bound.status().message() << "\n";
    return 1;
  }
  Node& n = **node;
  std::string address = StrCat(host, ":", *bound);
  const std::string addr_file = n.data_dir().api_addr_file();
  if (absl::Status written = WriteFileDurably(addr_file, address + "\n");
      !written.ok()) {
    std::cerr << "ballastd: " << written.message() << "\n";
    return 1;
  }

  auto head = n.store().GetHead();
  uint64_t height = head.ok() && head->has_value() ? (*head)->height : 0;
  std::cout << "ballastd " << kVersion << "\n"
            << "  chain id      " << n.chain_id() << "\n"
            << "  api           http://" << address << "\n"
            << "  data dir      " << options.data_dir << "\n"
            << "  head height   " << height << "\n"
            << "  producer key  0x" << ToHex(n.producer().public_key) << "\n"
            << "  engine        " << options.engine << "\n";
  for (const KeyPair& key : n.data_dir().co_signers()) {
    std::cout << "  co-signer key 0x" << ToHex(key.public_key) << "\n";
  }
  std::cout << "  blocks        "
            << (options.manual_mining
                    ? std::string("manual (only on POST /v1/dev/mine)")
                : options.block_time_ms == 0
                    ? std::string("automine (a block as soon as txs wait)")
                    : StrCat("every ", options.block_time_ms, " ms"))
            << "\n";
  if (options.dev) {
    std::cout << "  dev           yes (POST /v1/dev/mine; clock offset "
              << n.dev_clock_offset_ms() << " ms)\n";
  }
  std::cout << std::flush;

  n.Start();
  std::thread server([&api] { api.Run(); });
  api.WaitUntilRunning();
  spdlog::info("listening on http://{}", address);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("{}: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  n.Stop();  // no new transactions; the current block finishes
  api.Stop();
  server.join();
  node->reset();  // closes the store
  std::remove(addr_file.c_str());
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace ballast::node

int main(int argc, char** argv) { return ballast::node::Main(argc, argv); }
