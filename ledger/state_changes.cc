// Write record format, the unit hashed by Store::StateDigest:
//
//   record := key_len(4 BE) key 0x00                      (delete)
//           | key_len(4 BE) key 0x01 value_len(4 BE) value (put)
//
// Keys are the store keys of ledger/keys.h; values are exactly the stored
// bytes (deterministic protobuf for records, raw bytes for storage). Records
// are hashed in key order, so the digest depends only on the set of writes.

#include "ledger/state_changes.h"

#include "ledger/hashing.h"
#include "ledger/keys.h"

namespace ballast::ledger {

std::map<std::string, std::optional<std::string>> StateWrites(
    const StateChanges& changes) {
  std::map<std::string, std::optional<std::string>> writes;
  for (const auto& [address, account] : changes.accounts) {
    writes[keys::AccountKey(address)] = SerializeDeterministic(account);
  }
  for (const auto& [address, info] : changes.contracts) {
    writes[keys::ContractKey(address)] = SerializeDeterministic(info);
  }
  for (const auto& [hash, code] : changes.codes) {
    writes[keys::CodeKey(hash)] = SerializeDeterministic(code);
  }
  for (const auto& [contract_and_key, value] : changes.storage) {
    writes[keys::StorageKey(contract_and_key.first, contract_and_key.second)] =
        value;
  }
  for (const auto& [key, value] : changes.bridge) {
    writes[keys::BridgeKey(key)] = value;
  }
  return writes;
}

void HashWriteRecord(std::string_view key, const std::string* value,
                     Sha256Hasher& hasher) {
  hasher.Update(EncodeBigEndian32(static_cast<uint32_t>(key.size())));
  hasher.Update(key);
  if (value == nullptr) {
    hasher.Update(std::string_view("\x00", 1));
    return;
  }
  hasher.Update(std::string_view("\x01", 1));
  hasher.Update(EncodeBigEndian32(static_cast<uint32_t>(value->size())));
  hasher.Update(*value);
}

}  // namespace ballast::ledger
