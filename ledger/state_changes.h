// StateChanges: the writes a block makes to world state, as the executor
// hands them to Store::CommitBlock. The state root they lead to is the state
// tree's (state_tree.h: StateTreeChangesOf(StateWrites(changes))).
//
// Thread-safe: the functions are pure; a StateChanges is a plain value.

#ifndef BALLAST_LEDGER_STATE_CHANGES_H_
#define BALLAST_LEDGER_STATE_CHANGES_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ledger/ballast.pb.h"
#include "ledger/base/bytes.h"

namespace ballast::ledger {

// The final value of everything a block touched. Keys are raw bytes:
// addresses 20 bytes, code hashes 32 bytes. Ordered maps, so iteration (and
// so every digest) is deterministic.
struct StateChanges {
  // (contract address, raw key) -> new value, or nullopt to delete the key.
  std::map<std::pair<std::string, std::string>, std::optional<std::string>>
      storage;
  std::map<std::string, Account> accounts;        // address -> account
  std::map<std::string, ContractInfo> contracts;  // address -> contract
  std::map<std::string, CodeRecord> codes;        // executable hash -> code
  // The bridge module's raw key -> new value, or nullopt to delete it.
  std::map<std::string, std::optional<std::string>> bridge;

  bool empty() const {
    return storage.empty() && accounts.empty() && contracts.empty() &&
           codes.empty() && bridge.empty();
  }
};

// The LevelDB writes `changes` become: store key -> value, or nullopt for a
// delete, in key order. REQUIRES: addresses and hashes correctly sized.
std::map<std::string, std::optional<std::string>> StateWrites(
    const StateChanges& changes);

// Feeds one write record (the unit of Store::StateDigest)
// into `hasher`. `value` null means delete.
void HashWriteRecord(std::string_view key, const std::string* value,
                     Sha256Hasher& hasher);

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_STATE_CHANGES_H_
