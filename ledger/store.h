// Store: the chain's LevelDB database. It holds world state (accounts,
// contracts, code, contract storage), every committed block with its
// transactions, receipts and events, and the chain head.
//
// The store only ever changes by CommitBlock, which validates the whole
// block first and then writes it in ONE LevelDB WriteBatch (synced by
// default): after a crash the head is a fully committed block and nothing of
// a later block exists.
//
// Thread-safety: a Store is thread-safe. Reads may run concurrently with each
// other and with CommitBlock; CommitBlock calls are serialized internally. A
// read sees a block either entirely or not at all, but two reads may straddle
// a commit.
//
// Errors: malformed input -> InvalidArgument; a block that does not extend
// the head -> FailedPrecondition; a transaction already committed ->
// AlreadyExists; corrupt stored bytes -> DataLoss (naming the key kind);
// LevelDB I/O errors -> Unavailable, with context.
//
// Versions: a database records the data format it was written in
// (kDataFormatVersion) and the instrumenter version of the contract code it
// holds (StoreOptions::instrumenter_version), once, when it is created. Open
// refuses a database that recorded other versions, or that holds records
// but no versions (written before they were recorded): neither can be read
// or continued correctly by this binary.
//
// After a failed write the store refuses every later commit
// (FailedPrecondition) until it is reopened: the log may end in a torn
// record, which recovery drops only while it is the last one. The failed
// block itself may or may not be found after reopening (the sync may have
// failed after the data was written); it is never found in part.

#ifndef BALLAST_LEDGER_STORE_H_
#define BALLAST_LEDGER_STORE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ballast.pb.h"
#include "ledger/state_changes.h"
#include "ledger/state_tree.h"
#include "leveldb/write_batch.h"

namespace leveldb {
class Cache;
class DB;
class Env;
class FilterPolicy;
}  // namespace leveldb

namespace ballast::ledger {

// The version of the store's data format: the key layout (keys.cc), the
// record encodings (store.cc) and the ballast.proto messages as stored and
// hashed. Bump it with every change after which an existing database would
// read differently or its chain would continue under other rules; a binary
// then refuses older databases instead of misreading them.
//   0  (never recorded) databases written before versions were recorded
//   1  the first recorded format
//   2  one combined bump: event name indexes ('n', 'y'), event names of
//      1..255 bytes; code records keyed by their executable hash
//      (ExecutableHash of the instrumenter version and the instrumented wasm),
//      ContractInfo gains executable_hash (code_hash stays the original
//      wasm's hash)
//   3  authenticated state: the state tree's nodes ('u', 'v', 'o' tables);
//      header state_root is the tree's root, header receipts_root; a block
//      carries a list of signatures (Block.signatures) instead of one
inline constexpr uint32_t kDataFormatVersion = 3;

struct StoreOptions {
  // Environment for all file I/O; null means leveldb::Env::Default(). Not
  // owned; must outlive the Store. Tests pass memory or fault-injecting
  // environments.
  leveldb::Env* env = nullptr;
  // fsync every commit before CommitBlock returns. Only tests and
  // throwaway chains should turn this off.
  bool sync = true;
  // LevelDB block cache size.
  size_t block_cache_bytes = 32 << 20;
  // The version of the gas and depth instrumentation of the contract code
  // this database holds (the node passes wasm::kInstrumenterVersion; the
  // ledger does not know the runtime). Recorded when the database is
  // created; Open refuses a database that recorded another one. 0 is fine
  // for stores that never hold executed contracts (tests).
  uint32_t instrumenter_version = 0;
  // State tree retention: how long a height stays provable. A height's
  // version of the tree is pruned once it is at least
  // state_retain_heights below the head AND its block is at least
  // state_retain_ms older than the head block (block times, so pruning
  // does not depend on the clock of the node). At least 1 height.
  uint64_t state_retain_heights = 10'000;
  int64_t state_retain_ms = int64_t{24} * 3600 * 1000;
  // Memory for state tree nodes (on top of the block cache): those read
  // from LevelDB and those the last blocks wrote.
  size_t state_tree_cache_bytes = 32 << 20;
};

struct ChainHead {
  uint64_t height = 0;
  std::string hash;  // BlockHash of the head block's header

  bool operator==(const ChainHead&) const = default;
};

// Everything one block changes. `receipts[i]` belongs to `block.txs(i)`.
struct BlockCommit {
  Block block;
  std::vector<Receipt> receipts;
  StateChanges changes;
};

// Selects events; results are ordered by (height, tx_index, event_index).
struct EventFilter {
  std::optional<std::string> contract = std::nullopt;  // 20 bytes; or any
  std::optional<std::string> name = std::nullopt;      // exact name; or any
  uint64_t from_height = 0;                            // inclusive
  uint64_t to_height = std::numeric_limits<uint64_t>::max();  // inclusive
  size_t limit = 1000;  // at most this many events; 0 means no limit
};

class Store {
 public:
  // Opens (creating if missing) the store in directory `dir`. A new (empty)
  // database gets the version record. FailedPrecondition, naming both
  // versions, for a database of another data format or instrumenter version
  // (and only for that); DataLoss if the head or the version record is
  // corrupt.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const std::string& dir, const StoreOptions& options = {});

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // The last committed block; nullopt for an empty store.
  absl::StatusOr<std::optional<ChainHead>> GetHead();

  // REQUIRES for all lookups: addresses of kAddressSize bytes and hashes of
  // kHashSize bytes; otherwise InvalidArgument.

  // An account never written has nonce 0.
  absl::StatusOr<Account> GetAccount(std::string_view address);
  absl::StatusOr<std::optional<ContractInfo>> GetContract(
      std::string_view address);
  // The code stored under its executable hash (ContractInfo.executable_hash).
  absl::StatusOr<std::optional<CodeRecord>> GetCode(
      std::string_view executable_hash);
  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key);
  // The bridge module's record at `key` (its own table, keys::BridgeKey).
  absl::StatusOr<std::optional<std::string>> GetBridge(std::string_view key);
  // All (key, value) pairs of one contract's storage, in key order.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ScanStorage(
      std::string_view contract);

  absl::StatusOr<std::optional<Block>> GetBlockByHeight(uint64_t height);
  absl::StatusOr<std::optional<Block>> GetBlockByHash(
      std::string_view block_hash);
  absl::StatusOr<std::optional<TxRecord>> GetTransaction(
      std::string_view tx_hash);

  // Events matching `filter`. InvalidArgument if from_height > to_height,
  // the contract is not 20 bytes or the name is not 1..kMaxEventNameBytes.
  // A query by name reads only the name index entries of that name (and
  // contract, if given) in the height range: its cost is the events it
  // returns, not the events stored. If `entries_read` is not null it is set
  // to the number of index entries the query stepped on (for tests and
  // benchmarks).
  absl::StatusOr<std::vector<Event>> QueryEvents(
      const EventFilter& filter, size_t* entries_read = nullptr);

  // SHA-256 over all world state (accounts, contracts, code, storage; not
  // blocks, transactions, events or the head) as write records in key order
  // (format in state_changes.cc). Two stores agree on it iff their state is
  // byte-identical.
  absl::StatusOr<std::string> StateDigest();
  // The first world-state record (as StateDigest covers) whose key sorts
  // after `after` ("" for the first), nullopt past the last: for naming the
  // first key where two stores' states differ.
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>>
  NextStateRecord(std::string_view after);

  // The state root a block at the head's height + 1 applying `changes`
  // would have: the producer puts it in the header before it signs. The
  // tree update it stages is kept, and the next CommitBlock uses it instead
  // of updating the tree again if its block is at that height on the same
  // head with the same changes (the producer's case); otherwise it is
  // dropped.
  absl::StatusOr<std::string> ComputeStateRoot(const StateChanges& changes);

  // The state tree, for roots and proofs at retained heights (version =
  // height). Reads are safe concurrently with CommitBlock.
  const StateTree& state_tree() const { return *tree_; }

  // Validates `commit` against the head and itself, then writes it
  // atomically and makes its block the head. Checks, all before any write:
  //  - heights: block 1 first, with parent_hash ZeroHash(); then head + 1
  //    with parent_hash == head hash; chain_id equal to the parent's;
  //  - header: tx_root == ComputeTxRoot(txs); receipts_root ==
  //    ComputeReceiptsRoot(receipts); state_root == the state tree's root
  //    after applying the changes;
  //  - signatures: at least one, from distinct 32-byte keys, each a valid
  //    ed25519 signature of BlockHash(header), one by producer_pubkey;
  //  - receipts: one per tx, each naming its tx hash, height and index;
  //    events naming their contract (20 bytes), height, tx and event index;
  //  - transactions: no hash repeated in the block or already committed;
  //  - changes: sizes of addresses and hashes; a code record stored under
  //    its executable hash (ExecutableHash(instrumenter_version, wasm)); a
  //    contract's code (executable_hash) present in this commit or the
  //    store; storage written only for existing contracts.
  absl::Status CommitBlock(const BlockCommit& commit);

 private:
  Store();

  // All of CommitBlock's checks; `tx_hashes[i]` is TxHash(block.txs(i)).
  absl::Status ValidateCommit(const BlockCommit& commit,
                              const std::vector<std::string>& tx_hashes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);

  // The tree update of the block at `height` writing `writes`, staged in
  // `batch`: ComputeStateRoot's, if it was staged for this height on the
  // current head with the same changes, else a new one.
  absl::StatusOr<StateTreeUpdate> UpdateTree(
      uint64_t height,
      const std::map<std::string, std::optional<std::string>>& writes,
      leveldb::WriteBatch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);

  // Checks the version record against ours, writing it into an empty
  // database (see Open).
  absl::Status CheckVersions(const std::string& dir,
                             uint32_t instrumenter_version);

  // Reads `key`; nullopt if absent.
  absl::StatusOr<std::optional<std::string>> Read(const std::string& key);
  // Whether `key` exists.
  absl::StatusOr<bool> Exists(const std::string& key);

  // The oldest version the tree keeps once `header`'s block is committed
  // (at most kMaxPruneStepsPerCommit heights past the current oldest).
  absl::StatusOr<uint64_t> OldestRetained(const BlockHeader& header);

  bool sync_ = true;
  uint64_t state_retain_heights_ = 1;
  int64_t state_retain_ms_ = 0;
  absl::Mutex commit_mu_;  // serializes CommitBlock
  // The first failed write; once set, commits are refused.
  absl::Status write_error_ ABSL_GUARDED_BY(commit_mu_);
  // The tree update ComputeStateRoot staged last, until a CommitBlock.
  struct StagedTreeUpdate {
    std::optional<ChainHead> head;  // the head it was staged on
    StateTreeChanges changes;
    StateTreeUpdate update;
    leveldb::WriteBatch batch;
  };
  std::unique_ptr<StagedTreeUpdate> staged_tree_ ABSL_GUARDED_BY(commit_mu_);
  // Destroyed in reverse order: db_ before the objects it uses.
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
  std::unique_ptr<leveldb::Cache> block_cache_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<TreeNodeSource> tree_db_source_;  // reads db_
  std::unique_ptr<TreeNodeCache> tree_cache_;       // over it
  std::unique_ptr<StateTree> tree_;
};

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_STORE_H_
