// Node: one local chain in a data directory — its store, the contract
// runtime and executor, the mempool and the block producer thread. The HTTP
// API (node/api_server.h) and tests drive it through this class.
//
// The data directory (its layout, lock, chain id, producer key and the
// store's format version) is node/data_dir.h; a Node holds it, locked, for
// its lifetime.
//
// Blocks: with block_time_ms == 0 (automine) a block is built as soon as
// transactions are ready; with block_time_ms > 0 one block (possibly empty)
// every block_time_ms; with manual_mining (dev only) only on DevMine.
//
// Block time: max(the last block's time, the wall clock + the dev clock
// offset), so block times never go backwards, also across restarts (Open
// starts from the head block's time). The offset is 0 except on a dev node
// (options.dev, ballastd --dev), where DevMine moves it forward (advance_ms)
// or sets the next block's exact time; it is kept in the data dir
// (DIR/dev-clock), so a restarted dev node neither rewinds nor stalls. A
// transaction counts as committed only once Store::CommitBlock returned OK (a
// synced WriteBatch): everything the API reports as committed survives kill -9.
// Pending transactions live only in memory and are lost on any restart.
//
// Thread-safety: all public methods are thread-safe. Start/Stop are called by
// the owner; the destructor stops the producer and closes the store.

#ifndef BALLAST_NODE_NODE_H_
#define BALLAST_NODE_NODE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/crypto.h"
#include "ledger/store.h"
#include "node/data_dir.h"
#include "node/executor.h"
#include "node/mempool.h"
#include "wasm/runtime.h"

namespace ballast::node {

struct NodeOptions {
  std::string data_dir;
  // Required on first start; empty means "the one in the data dir".
  std::string chain_id;
  int64_t block_time_ms = 0;  // 0: automine
  size_t max_block_txs = 5'000;
  uint64_t block_gas_limit = kDefaultBlockGasLimit;
  MempoolOptions mempool;
  bool sync = true;  // fsync each commit (tests of throwaway chains may not)
  // State tree retention (ledger::StoreOptions): a height stays provable
  // while it is among the last state_retain_heights or its block is younger
  // than state_retain_ms (block time) than the head's.
  // Keys that sign each block (the producer's and co-signers'): fixed when
  // the data dir is created; 0 means what the data dir holds (DataDir).
  int signing_keys = 0;
  uint64_t state_retain_heights = 10'000;
  int64_t state_retain_ms = int64_t{24} * 3600 * 1000;
  // Memory for state tree nodes (ledger::StoreOptions).
  size_t state_cache_bytes = 32 << 20;
  // A development chain (ballastd --dev): DevMine is allowed, and the block
  // clock may be moved forward.
  bool dev = false;
  // Dev only: no block is produced except by DevMine (block_time_ms is
  // ignored), so that each block holds exactly what a simulator submitted
  // for one step, at the time it asks for.
  bool manual_mining = false;
  // The contract engine (wasm/compiled/compiled_engine.h, NewEngine):
  // "interp" (wabt's interpreter), "compiled" (every module compiled to
  // native code before its first call; for tests and benchmarks) or "auto"
  // (the interpreter first; a module instantiated compile_after_calls
  // times is compiled in the background and switched to). All give the
  // same results and gas.
  std::string engine = "auto";
  // A compile costs 3-20 s of (otherwise idle) CPU, the time of thousands
  // of interpreted calls: only a contract in steady use is worth it.
  uint32_t compile_after_calls = 1000;
  // The store's file environment; null means LevelDB's default. Not owned.
  // Tests pass fault-injecting environments.
  leveldb::Env* env = nullptr;
};

// Where the node's time went since it started, for logs and benchmarks.
// Admission runs on the API's threads (in parallel); the block phases run
// one after another on the producer thread.
struct NodeStats {
  uint64_t admitted = 0;  // transactions Submit accepted
  uint64_t refused = 0;   // and refused
  double admit_ms = 0;    // Submit: decode, signature, nonce rules (summed
                          // over all API threads)
  uint64_t blocks = 0;
  uint64_t txs = 0;  // in committed blocks
  uint64_t gas_used = 0;
  double select_ms = 0;  // taking ready txs from the mempool
  double check_ms = 0;   // BuildBlock: stateless checks (0 when the
                         // mempool's results are reused)
  double run_ms = 0;     // BuildBlock: contract execution
  double finish_ms = 0;  // BuildBlock: roots and block signature
  double commit_ms = 0;  // Store::CommitBlock: one synced WriteBatch
};

// DevMine's bounds: blocks per call, and how far the dev clock may run ahead
// of (or behind) the wall clock.
inline constexpr int64_t kMaxDevMineBlocks = 1000;
inline constexpr int64_t kMaxDevClockOffsetMs =
    int64_t{100} * 366 * 24 * 3600 * 1000;  // 100 years

struct DevMineOptions {
  int64_t blocks = 1;      // 1..kMaxDevMineBlocks
  int64_t advance_ms = 0;  // >= 0: added to the dev clock offset first
  // The exact time of the first block (not before the head block's); the
  // offset becomes time_ms - the wall clock, so later blocks continue
  // from it. Not together with advance_ms.
  std::optional<int64_t> time_ms = std::nullopt;
};

// A block DevMine produced.
struct MinedBlock {
  uint64_t height = 0;
  int64_t time_ms = 0;
  size_t txs = 0;
};

class Node {
 public:
  // Opens (or initializes) the data directory and the store (errors as
  // DataDir::Open and DataDir::OpenStore). Does not start producing; call
  // Start.
  static absl::StatusOr<std::unique_ptr<Node>> Open(const NodeOptions& options);

  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();

  // Starts the block producer thread. REQUIRES: called at most once.
  void Start();
  // Stops taking transactions (Unavailable), lets the producer finish the
  // block it is building, and joins it. Idempotent.
  void Stop();

  // Checks `stx` (Executor::CheckTransaction, then the mempool's nonce
  // rules) and queues it. Returns its hash. Errors as Mempool::Add, plus
  // InvalidArgument from the checks and Unavailable while stopping.
  absl::StatusOr<std::string> Submit(const ledger::SignedTransaction& stx);

  // Waits until the transaction `hash` is committed or `timeout` passed or
  // the node stops; true if it is committed.
  bool WaitCommitted(const std::string& hash, absl::Duration timeout);

  // Dev only (else FailedPrecondition "dev routes need ballastd --dev"):
  // moves the dev clock as `options` says (persisted before any block), then
  // produces options.blocks blocks now, one after another, each taking the
  // ready transactions up to the block limits (empty blocks too).
  // InvalidArgument naming the field for options out of bounds, a time_ms
  // before the head block's, or an offset beyond kMaxDevClockOffsetMs;
  // Unavailable while stopping or after a failed store write; the blocks'
  // own errors (logged) as they are.
  absl::StatusOr<std::vector<MinedBlock>> DevMine(
      const DevMineOptions& options);
  // The dev clock offset (0 on a node that is not dev).
  int64_t dev_clock_offset_ms();

  // False once a store write failed: the node then produces no more blocks.
  bool healthy() const { return healthy_.load(); }
  NodeStats stats();

  const std::string& chain_id() const { return options_.chain_id; }
  const NodeOptions& options() const { return options_; }
  const KeyPair& producer() const { return producer_; }
  const DataDir& data_dir() const { return *data_dir_; }
  ledger::Store& store() { return *store_; }
  Executor& executor() { return *executor_; }
  Mempool& mempool() { return *mempool_; }

 private:
  Node(NodeOptions options, std::unique_ptr<DataDir> data_dir,
       std::unique_ptr<ledger::Store> store,
       std::unique_ptr<wasm::Engine> engine);

  void ProducerLoop();
  // What ProduceBlock did: the transactions it took from the mempool (also
  // those it dropped as invalid: the producer looks again), and the block,
  // if it made one.
  struct Produced {
    size_t taken = 0;
    std::optional<MinedBlock> block;
  };
  // Builds and commits one block of ready transactions (an empty one only if
  // `allow_empty`), at `time_ms` if given (REQUIRES: not before the head
  // block's), else at the block clock's time. Errors are logged.
  absl::StatusOr<Produced> ProduceBlock(
      bool allow_empty, std::optional<int64_t> time_ms = std::nullopt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(produce_mu_);

  const NodeOptions options_;
  // Declared before the store: the data dir's lock outlives the store.
  const std::unique_ptr<DataDir> data_dir_;
  const KeyPair& producer_;  // data_dir_->producer()
  std::unique_ptr<ledger::Store> store_;
  std::unique_ptr<wasm::Runtime> runtime_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Mempool> mempool_;
  std::atomic<bool> healthy_{true};
  // Serializes block production (the producer thread and DevMine).
  absl::Mutex produce_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // The last block's time: the next is max(this, the clock + the dev
  // offset). Set by Open from the head block, then by ProduceBlock.
  int64_t last_time_ms_ ABSL_GUARDED_BY(produce_mu_) = 0;
  int64_t dev_offset_ms_ ABSL_GUARDED_BY(produce_mu_) = 0;

  absl::Mutex mu_;
  absl::CondVar work_cv_;    // a transaction arrived, or stopping
  absl::CondVar commit_cv_;  // a block committed, or stopping
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t arrivals_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  NodeStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread producer_thread_;
};

}  // namespace ballast::node

#endif  // BALLAST_NODE_NODE_H_
