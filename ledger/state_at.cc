#include "ledger/state_at.h"

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/keys.h"

namespace ballast::ledger {
namespace {

absl::Status CheckSize(std::string_view what, std::string_view bytes,
                       size_t want) {
  if (bytes.size() == want) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(what, " must be ", want, " bytes, got ", bytes.size()));
}

template <typename M>
absl::StatusOr<M> Parse(std::string_view store_key, const std::string& bytes) {
  M msg;
  if (!msg.ParseFromString(bytes)) {
    return absl::DataLossError(StrCat("corrupt ", keys::KeyKind(store_key),
                                      " record at key ", ToHex(store_key),
                                      " in the state tree: unparseable ",
                                      msg.GetTypeName()));
  }
  return msg;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> StateAt::Read(
    keys::Table table, std::string_view raw_key) const {
  absl::StatusOr<StateTreeRead> read =
      tree_->Get(height_, StateTreeKey(table, raw_key));
  if (read.ok()) return std::move(read->value);
  if (!absl::IsFailedPrecondition(read.status()) &&
      !absl::IsNotFound(read.status())) {
    // Pruning deletes the version's nodes: a walk that started before it
    // finds one missing. That is the version pruned, not a corrupt tree.
    absl::StatusOr<uint64_t> oldest = tree_->OldestVersion();
    if (oldest.ok() && height_ < *oldest) {
      return absl::FailedPreconditionError(
          StrCat("state tree version ", height_,
                 " was pruned (the oldest retained version is ", *oldest, ")"));
    }
  }
  return read.status();
}

absl::StatusOr<Account> StateAt::GetAccount(std::string_view address) const {
  RETURN_IF_ERROR(CheckSize("account address", address, kAddressSize));
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   Read(keys::Table::kAccount, address));
  if (!value.has_value()) return Account();
  return Parse<Account>(keys::AccountKey(address), *value);
}

absl::StatusOr<std::optional<ContractInfo>> StateAt::GetContract(
    std::string_view address) const {
  RETURN_IF_ERROR(CheckSize("contract address", address, kAddressSize));
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   Read(keys::Table::kContract, address));
  if (!value.has_value()) return std::nullopt;
  return Parse<ContractInfo>(keys::ContractKey(address), *value);
}

absl::StatusOr<std::optional<CodeRecord>> StateAt::GetCode(
    std::string_view executable_hash) const {
  RETURN_IF_ERROR(CheckSize("executable hash", executable_hash, kHashSize));
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   Read(keys::Table::kCode, executable_hash));
  if (!value.has_value()) return std::nullopt;
  return Parse<CodeRecord>(keys::CodeKey(executable_hash), *value);
}

absl::StatusOr<std::optional<std::string>> StateAt::GetStorage(
    std::string_view contract, std::string_view key) const {
  RETURN_IF_ERROR(CheckSize("contract address", contract, kAddressSize));
  return Read(keys::Table::kStorage, StrCat(contract, key));
}

absl::StatusOr<std::optional<std::string>> StateAt::GetBridge(
    std::string_view key) const {
  return Read(keys::Table::kBridge, key);
}

}  // namespace ballast::ledger
