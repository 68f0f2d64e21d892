// Helpers shared by the ledger tests: fixed test identities, a builder of
// valid consecutive blocks (as an executor would produce them), renderings of
// store contents as short strings, and a fault-injecting leveldb::Env.

#ifndef BALLAST_TESTS_LEDGER_TEST_UTIL_H_
#define BALLAST_TESTS_LEDGER_TEST_UTIL_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/ballast.pb.h"
#include "ledger/crypto.h"
#include "ledger/state_changes.h"
#include "ledger/store.h"
#include "leveldb/env.h"
#include "leveldb/write_batch.h"

namespace ballast::ledger::testing {

// A 20-byte address / 32-byte hash made of one repeated character.
std::string Addr(char c);
std::string Hash(char c);

// One transaction of a block being built: a Call of `method` on contract
// Addr('c'); its receipt has `status` and, on success, one event per entry
// of `events`, each (contract char, event name).
struct TxSpec {
  std::string method = "poke";
  ReceiptStatus status = RECEIPT_STATUS_SUCCESS;
  std::vector<std::pair<char, std::string>> events = {};
};

// The producer key the builder signs blocks with.
const KeyPair& TestProducer();

// Builds valid BlockCommits for consecutive heights. Transactions are
// deterministic in (height, index), so tests can recompute their hashes.
// State roots come from a state tree of the builder's own (in memory) or,
// for a builder made FromStore, from the store's tree.
class ChainBuilder {
 public:
  static constexpr char kChainId[] = "ballast-test";

  ChainBuilder() = default;
  // Continues the chain stored in `store` (empty store: from block 1);
  // `store` must outlive the builder, and the builder's blocks must be
  // committed to it before the next is built.
  static ChainBuilder FromStore(Store& store);

  uint64_t next_height() const { return height_ + 1; }

  // The commit of block next_height(), sealed: header roots, receipts and
  // event positions all consistent with the parent.
  BlockCommit Build(StateChanges changes, std::vector<TxSpec> txs = {}) const;

  // Recomputes tx_root, receipts_root and state_root of an edited commit,
  // and signs it again.
  void Reseal(BlockCommit& commit) const;
  // Signs an edited header again (the producer's signature only).
  static void Resign(BlockCommit& commit);

  // Makes `commit` the parent of the next block (after CommitBlock
  // succeeded).
  void Accept(const BlockCommit& commit);

  // The signed transaction at (height, index), as Build makes it.
  static SignedTransaction MakeTx(uint64_t height, int index,
                                  const std::string& method);

 private:
  // The root of the next block's state applying `changes`; with `batch`,
  // the tree's nodes staged in it.
  std::string StateRootOf(const StateChanges& changes,
                          leveldb::WriteBatch* batch) const;

  uint64_t height_ = 0;
  std::string hash_ = std::string(32, '\0');
  Store* store_ = nullptr;                         // FromStore's
  std::map<std::string, std::string> tree_nodes_;  // otherwise
};

// Changes that deploy a contract at `contract` with a code record and one
// storage key; the usual content of a test's first block.
StateChanges DeployChanges(const std::string& contract, char code_char);

// -- Renderings ("short strings")
std::string RenderHead(Store& store);  // "3" or "empty"
std::string RenderStorage(Store& store, const std::string& contract);
//   "k1=v1 k2=v2"
std::string RenderEvents(const std::vector<Event>& events);
//   "2.0.1:Name@c ..." (height.tx.event:name@contract char)

// Every key of the LevelDB database at `dir`, one line each, as
// "<kind> <hex key> = <hex value>". The database must be closed.
std::string DumpDb(const std::string& dir, leveldb::Env* env);
// Key count per table, e.g. "a=1 b=1 c=1 h=1 m=1 s=2 t=1 w=1".
std::string TableCounts(const std::string& dir, leveldb::Env* env);
// Overwrites (or adds) one raw key of the closed database at `dir`.
void PutRaw(const std::string& dir, leveldb::Env* env, const std::string& key,
            const std::string& value);
// Deletes one raw key of the closed database at `dir`.
void DeleteRaw(const std::string& dir, leveldb::Env* env,
               const std::string& key);

// Wraps an Env; once `budget` write operations (Append, Flush, Sync on any
// writable file) have succeeded, every later one fails with an I/O error, as
// a dying disk would. With `torn_appends`, a failing Append first writes half
// its data. budget < 0 means no faults.
class FaultyEnv : public leveldb::EnvWrapper {
 public:
  explicit FaultyEnv(leveldb::Env* target) : leveldb::EnvWrapper(target) {}

  void SetBudget(int64_t budget) { budget_ = budget; }
  void SetTornAppends(bool torn) { torn_appends_ = torn; }
  int64_t faults() const { return faults_; }

  // Consumes one operation; false if it must fail.
  bool Allow();
  bool torn_appends() const { return torn_appends_; }
  void CountFault() { ++faults_; }

  leveldb::Status NewWritableFile(const std::string& f,
                                  leveldb::WritableFile** r) override;
  leveldb::Status NewAppendableFile(const std::string& f,
                                    leveldb::WritableFile** r) override;

 private:
  std::atomic<int64_t> budget_{-1};
  std::atomic<bool> torn_appends_{false};
  std::atomic<int64_t> faults_{0};
};

// Entry point of the crash test's writer process (see crash_test.cc).
int RunCrashWriter(const std::string& dir);

}  // namespace ballast::ledger::testing

#endif  // BALLAST_TESTS_LEDGER_TEST_UTIL_H_
