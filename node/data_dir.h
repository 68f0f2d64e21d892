// DataDir: a node's data directory, held for the node's lifetime.
//
// Layout (created on first start):
//   DIR/node.lock      locked (flock, exclusive) while a node has DIR open
//   DIR/chain_id       the chain id, one line; a later start with another id
//                      is refused
//   DIR/producer.key   the producer's ed25519 secret key, hex, mode 0600;
//                      refused if group or others may access it (as ssh
//                      refuses a private key)
//   DIR/cosigner-N.key (N = 1, 2, ...) more keys that sign every block with
//                      the producer's (a chain of several signing keys, for
//                      light clients that require k of n); same rules

//   DIR/ledger/        the LevelDB store; it records its data format and
//                      instrumenter version (ledger/store.h), and a binary of
//                      other versions refuses it
//   DIR/api.addr       written by ballastd: "HOST:PORT" it listens on
//   DIR/dev-clock      ballastd --dev's clock offset (node.h): how many ms
//                      ahead of the wall clock blocks are stamped, one
//                      decimal line; absent means 0. Not consensus state:
//                      only this node's clock, kept so that a restarted dev
//                      node neither stalls nor rewinds
//
// Thread-safety: a DataDir is immutable after Open; its methods are
// thread-safe. It owns the lock: destroy it after the store it opened.

#ifndef BALLAST_NODE_DATA_DIR_H_
#define BALLAST_NODE_DATA_DIR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/crypto.h"
#include "ledger/store.h"

namespace ballast::node {

class DataDir {
 public:
  // Creates `path` if missing, locks it, and loads (or on first start
  // creates) the chain id and the producer key. `chain_id` is required for a
  // new directory and must match an existing one ("" means "the one there").
  // FailedPrecondition if another process holds the lock ("is in use"), the
  // chain id differs, or the key file is accessible by group or others;
  // InvalidArgument for a bad chain id or a new directory without one.
  // `signing_keys` (the producer's and its co-signers') is created with a
  // new directory and fixed after; 0 means "what the directory holds",
  // another number must match it (FailedPrecondition otherwise).
  static absl::StatusOr<std::unique_ptr<DataDir>> Open(
      const std::string& path, const std::string& chain_id,
      int signing_keys = 0);

  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  ~DataDir();  // releases the lock

  // Opens the store in DIR/ledger with `options` (the instrumenter version
  // is set here, to the runtime's) and checks that its chain, if any, is
  // this directory's chain id. A store of other versions is refused
  // (FailedPrecondition) with what to do.
  absl::StatusOr<std::unique_ptr<ledger::Store>> OpenStore(
      ledger::StoreOptions options) const;

  const std::string& path() const { return path_; }
  const std::string& chain_id() const { return chain_id_; }
  const KeyPair& producer() const { return producer_; }
  // The keys that sign every block besides the producer's, in file order.
  const std::vector<KeyPair>& co_signers() const { return co_signers_; }
  std::string ledger_dir() const;
  std::string api_addr_file() const;

  // DIR/dev-clock: 0 if absent; DataLoss naming the file if it does not
  // hold one integer.
  absl::StatusOr<int64_t> ReadDevClockOffset() const;
  // Replaces DIR/dev-clock durably (WriteFileDurably).
  absl::Status WriteDevClockOffset(int64_t offset_ms) const;

 private:
  DataDir(std::string path, int lock_fd);

  const std::string path_;
  const int lock_fd_;
  std::string chain_id_;
  KeyPair producer_;
  std::vector<KeyPair> co_signers_;
};

// The most keys a chain may sign with.
inline constexpr int kMaxSigningKeys = 16;

}  // namespace ballast::node

#endif  // BALLAST_NODE_DATA_DIR_H_
