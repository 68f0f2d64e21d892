// The bridge core's view of its state: bytes under bytes keys in the
// bridge's own table of the authenticated state (ledger/keys.h
// keys::BridgeKey). The node's executor implements it over a transaction's
// write overlay, so a failed bridge message writes nothing; tests use
// MemoryBridgeStore. A read fails only if the store does (Unavailable,
// DataLoss).
//
// Not thread-safe: one transaction at a time uses a store.

#ifndef BALLAST_BRIDGE_CORE_STORE_H_
#define BALLAST_BRIDGE_CORE_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ballast::bridge {

class BridgeStore {
 public:
  virtual ~BridgeStore() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const = 0;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
};

class MemoryBridgeStore : public BridgeStore {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    auto it = map_.find(std::string(key));
    if (it == map_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  void Put(std::string_view key, std::string_view value) override {
    map_[std::string(key)] = std::string(value);
  }
  void Delete(std::string_view key) override { map_.erase(std::string(key)); }
  const std::map<std::string, std::string>& map() const { return map_; }

 private:
  std::map<std::string, std::string> map_;
};

// Takes the next number of the counter `name` (0 first; 8 bytes big-endian
// under CounterKey(name)) and advances it: ids like "client-N" come from
// here. DataLoss if the record is corrupt.
absl::StatusOr<uint64_t> NextId(BridgeStore& store, std::string_view name);

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_STORE_H_
