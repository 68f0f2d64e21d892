#include "wasm/memory_chain_state.h"

#include "ledger/base/bytes.h"

namespace ballast::wasm {

absl::StatusOr<std::optional<std::string>> MemoryChainState::GetStorage(
    std::string_view contract, std::string_view key) {
  if (fail_reads) return absl::UnavailableError("disk on fire");
  auto it = storage_.find({std::string(contract), std::string(key)});
  if (it == storage_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::optional<ContractCode>> MemoryChainState::GetCode(
    std::string_view contract) {
  auto it = code_.find(std::string(contract));
  if (it == code_.end()) return std::nullopt;
  return it->second;
}

absl::Status MemoryChainState::Install(const Runtime& runtime,
                                       const std::string& address,
                                       std::string_view wasm) {
  auto prepared = runtime.Prepare(wasm);
  if (!prepared.ok()) return prepared.status();
  code_[address] = ContractCode{Sha256(wasm), prepared->code};
  return absl::OkStatus();
}

void MemoryChainState::Apply(const CallOutcome& outcome) {
  for (const auto& [key, value] : outcome.writes) {
    if (value.has_value()) {
      storage_[key] = *value;
    } else {
      storage_.erase(key);
    }
  }
}

std::string MemoryChainState::Dump() const {
  std::string out;
  for (const auto& [key, value] : storage_) {
    out += ToHex(key.first).substr(0, 4) + "/" + ToHex(key.second) + "=" +
           ToHex(value) + "\n";
  }
  return out;
}

}  // namespace ballast::wasm
