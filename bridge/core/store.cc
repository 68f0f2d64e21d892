#include "bridge/core/store.h"

#include "bridge/core/keys.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"

namespace ballast::bridge {

absl::StatusOr<uint64_t> NextId(BridgeStore& store, std::string_view name) {
  const std::string key = CounterKey(name);
  ASSIGN_OR_RETURN(std::optional<std::string> held, store.Get(key));
  uint64_t n = 0;
  if (held.has_value()) {
    if (held->size() != 8) {
      return absl::DataLossError(
          StrCat("bridge counter '", name, "': corrupt record"));
    }
    n = DecodeBigEndian64(*held);
  }
  store.Put(key, EncodeBigEndian64(n + 1));
  return n;
}

}  // namespace ballast::bridge
