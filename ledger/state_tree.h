// StateTree: an authenticated, versioned map from 32-byte keys to values,
// stored in LevelDB: a sparse binary Merkle tree in the style of Diem's
// Jellyfish Merkle Tree. The tree's shape and hashes are defined in
// ledger/state_proof.h; proofs are verified there, without a tree.
//
// Versions are block heights. Version 0 is the empty tree; Update(v, ...)
// derives version v from version v-1, rewriting only the nodes on the paths
// of the changed keys, and stages the new nodes (and the index of the nodes
// they replace) in the caller's WriteBatch, so the block's single commit
// writes them with the state. Every committed version can be read and proved
// until Prune() drops the nodes only older versions use.
//
// The tree holds no state of its own: it reads committed nodes through a
// TreeNodeSource and writes only to the batch it is given. REQUIRES: the
// batch of Update(v-1) is written before Update(v) reads the tree.
//
// Thread-safety: a StateTree is as thread-safe as its source (the LevelDB
// source is: reads may run concurrently with each other and with writes).
//
// Errors: a malformed change (a key not 32 bytes) -> InvalidArgument; a
// version that does not follow the latest, or a pruned version ->
// FailedPrecondition (naming the version); a version never written ->
// NotFound; corrupt node bytes -> DataLoss (naming the node); LevelDB
// failures -> Unavailable.

#ifndef BALLAST_LEDGER_STATE_TREE_H_
#define BALLAST_LEDGER_STATE_TREE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/keys.h"
#include "ledger/state_proof.h"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class WriteBatch;
}  // namespace leveldb

namespace ballast::ledger {

// The tree key of a raw key in namespace `ns`: SHA-256(ns || raw_key). One
// tree covers every namespace; ledger state uses its table prefix as the
// namespace (kAccount with the address, kContract with the address,
// kStorage with contract(20) || storage key, ...), so the tree key of a
// state entry is SHA-256 of its store key. A namespace added later (the
// bridge's) takes a new keys::Table prefix.
std::string StateTreeKey(keys::Table ns, std::string_view raw_key);

// A batch of changes: tree key (32 bytes) -> new value, or nullopt to
// delete. Deleting an absent key and writing a key's current value change
// nothing.
using StateTreeChanges = std::map<std::string, std::optional<std::string>>;

// The tree changes of store writes (StateWrites in state_changes.h: store
// key -> value or delete): each store key k becomes SHA-256(k), which is
// StateTreeKey of its table and raw key.
StateTreeChanges StateTreeChangesOf(
    const std::map<std::string, std::optional<std::string>>& store_writes);

// Where the tree reads committed nodes.
class TreeNodeSource {
 public:
  virtual ~TreeNodeSource() = default;
  // The value stored at `key`, nullopt if none.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const = 0;
  // Calls fn(key, value) for the keys in [start, limit), in order, until fn
  // returns false.
  virtual absl::Status Scan(
      std::string_view start, std::string_view limit,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      const = 0;
};

// Reads `db` (not owned; must outlive the source) at its latest state.
std::unique_ptr<TreeNodeSource> NewLevelDbTreeNodeSource(leveldb::DB* db);

// Keeps up to `capacity_bytes` of the tree's node records in memory, in LRU
// order: those read from `base` (not owned; must outlive the cache) and
// those Admit()ted once their batch is committed; everything else reads
// through. Sound because a committed node never changes: it is only ever
// deleted by Prune, and the tree reads no node of a pruned version (it
// checks the oldest version first). Thread-safe if `base` is.
class TreeNodeCache : public TreeNodeSource {
 public:
  // Records nodes whose batch has been written (StateTreeUpdate::nodes), so
  // that the next versions, which read mostly the nodes the last ones
  // wrote, find them in memory. REQUIRES: the batch is committed; admitting
  // nodes of a batch that was not breaks the cache's soundness.
  virtual void Admit(
      const std::vector<std::pair<std::string, std::string>>& nodes) = 0;
};
std::unique_ptr<TreeNodeCache> NewTreeNodeCache(const TreeNodeSource* base,
                                                size_t capacity_bytes);

// What Update did.
struct StateTreeUpdate {
  std::string root;          // the root hash of the new version
  size_t nodes_written = 0;  // nodes put in the batch
  size_t nodes_stale = 0;    // nodes the new version no longer uses
  // The node records put in the batch (key, value), for TreeNodeCache::Admit
  // once the batch is committed.
  std::vector<std::pair<std::string, std::string>> nodes;
};

// A key's value (nullopt if absent) and the proof of it.
struct StateTreeRead {
  std::optional<std::string> value;
  StateProof proof;
};

class StateTree {
 public:
  // `source` is not owned and must outlive the tree.
  explicit StateTree(const TreeNodeSource* source) : source_(source) {}

  // Derives version `version` from version-1 by `changes` and stages the new
  // nodes and stale-index entries in `batch`. REQUIRES: version >= 1, and
  // version-1 is the latest committed version (0 for a new tree).
  absl::StatusOr<StateTreeUpdate> Update(uint64_t version,
                                         const StateTreeChanges& changes,
                                         leveldb::WriteBatch* batch) const;

  // The root hash of a version (32 zero bytes for the empty tree).
  absl::StatusOr<std::string> RootHash(uint64_t version) const;

  // The value at `key` (32 bytes) in `version`, with its proof against
  // RootHash(version).
  absl::StatusOr<StateTreeRead> Get(uint64_t version,
                                    std::string_view key) const;
  // The same for several keys, one proof each, in the order given.
  absl::StatusOr<std::vector<StateTreeRead>> GetMany(
      uint64_t version, const std::vector<std::string>& keys) const;

  // Stages in `batch` the deletion of every node that no version >=
  // `oldest_retained` uses, and records `oldest_retained` as the oldest
  // version; later reads of older versions fail with FailedPrecondition.
  // Returns the number of nodes deleted. Pruning to a version at or below
  // the current oldest does nothing. REQUIRES: oldest_retained is a
  // committed version.
  absl::StatusOr<uint64_t> Prune(uint64_t oldest_retained,
                                 leveldb::WriteBatch* batch) const;

  // The oldest version still held (0 if never pruned).
  absl::StatusOr<uint64_t> OldestVersion() const;

 private:
  const TreeNodeSource* source_;
};

// A LevelDB database holding nothing but a state tree, which commits each
// Update and Prune in its own batch: for benchmarks and tools that need the
// tree without a Store. Thread-compatible.
class StateTreeDatabase {
 public:
  // Opens (creating if missing) the database at `dir` with the store's
  // LevelDB settings (a Bloom filter of 10 bits a key, a block cache of
  // `block_cache_bytes`). With `sync`, each commit is synced, as the store's
  // are. With `cache_bytes` > 0, nodes are read through a TreeNodeCache of
  // that size, to which each commit admits the nodes it wrote.
  static absl::StatusOr<std::unique_ptr<StateTreeDatabase>> Open(
      const std::string& dir, bool sync, size_t cache_bytes = 0,
      size_t block_cache_bytes = 8 << 20);
  ~StateTreeDatabase();

  // Update, and with `oldest_retained` also Prune, in one batch.
  absl::StatusOr<StateTreeUpdate> Update(
      uint64_t version, const StateTreeChanges& changes,
      std::optional<uint64_t> oldest_retained = std::nullopt);
  absl::StatusOr<uint64_t> Prune(uint64_t oldest_retained);
  // Compacts the whole database, so that a benchmark's timed part does not
  // pay for the compactions its set-up left behind.
  void CompactAll();
  // For measuring the tree's cost against plain writes (BENCHMARKS.md): in
  // one batch, `changes` as plain state records (keys::StorageKey of each
  // key's first 20 bytes and the rest), and with `with_tree` also the tree's
  // Update (and Prune) as above. Without it the tree is not touched and the
  // result is empty.
  absl::StatusOr<StateTreeUpdate> WriteState(
      uint64_t version, const StateTreeChanges& changes, bool with_tree,
      std::optional<uint64_t> oldest_retained = std::nullopt);
  const StateTree& tree() const { return tree_; }

 private:
  StateTreeDatabase(std::unique_ptr<const leveldb::FilterPolicy> filter,
                    std::unique_ptr<leveldb::Cache> block_cache,
                    leveldb::DB* db, bool sync, size_t cache_bytes);
  // The tree's Update (and Prune) staged in `batch`; Write commits a batch.
  absl::StatusOr<StateTreeUpdate> StageUpdate(
      uint64_t version, const StateTreeChanges& changes,
      std::optional<uint64_t> oldest_retained, leveldb::WriteBatch* batch);
  // Commits `batch`, then admits `nodes` to the cache, if any.
  absl::Status Write(
      leveldb::WriteBatch* batch,
      const std::vector<std::pair<std::string, std::string>>& nodes = {});

  // Declared first, destroyed last: db_ uses them.
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::Cache> block_cache_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<TreeNodeSource> db_source_;
  std::unique_ptr<TreeNodeCache> cache_;  // over db_source_, or null
  StateTree tree_;
  bool sync_;
};

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_STATE_TREE_H_
