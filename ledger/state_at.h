// StateAt: world state as it was after one committed block, read through
// the state tree (state_tree.h) instead of the store's latest records. The
// tree's leaves hold the store's records byte for byte (a leaf's key is
// StateTreeKey of the record's table and raw key), so a read at the head
// answers what Store::GetContract & co. answer, and a read at an older
// retained height answers what they answered then.
//
//   StateAt state(&store.state_tree(), height);
//   ASSIGN_OR_RETURN(std::optional<ContractInfo> info,
//                    state.GetContract(address));
//
// Every read walks the tree from the version's root and checks each node's
// hash against its parent's record (state_tree.h), so a read costs a few
// node reads and hashes more than the store's one LevelDB lookup.
//
// Errors: as the store's lookups for malformed addresses (InvalidArgument)
// and corrupt records (DataLoss); a height that is pruned, also one pruned
// while the read ran, is FailedPrecondition naming it; a height never
// committed NotFound.
//
// Thread-safety: as thread-safe as the tree (reads may run concurrently
// with each other and with commits).

#ifndef BALLAST_LEDGER_STATE_AT_H_
#define BALLAST_LEDGER_STATE_AT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/ballast.pb.h"
#include "ledger/state_tree.h"

namespace ballast::ledger {

class StateAt {
 public:
  // `tree` is not owned and must outlive this object.
  StateAt(const StateTree* tree, uint64_t height)
      : tree_(tree), height_(height) {}

  uint64_t height() const { return height_; }

  // An account never written has nonce 0.
  absl::StatusOr<Account> GetAccount(std::string_view address) const;
  absl::StatusOr<std::optional<ContractInfo>> GetContract(
      std::string_view address) const;
  absl::StatusOr<std::optional<CodeRecord>> GetCode(
      std::string_view executable_hash) const;
  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) const;
  absl::StatusOr<std::optional<std::string>> GetBridge(
      std::string_view key) const;

 private:
  // The record of `raw_key` in table `table` at height_.
  absl::StatusOr<std::optional<std::string>> Read(
      keys::Table table, std::string_view raw_key) const;

  const StateTree* tree_;
  uint64_t height_;
};

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_STATE_AT_H_
