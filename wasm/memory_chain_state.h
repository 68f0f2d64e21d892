// MemoryChainState: a ChainState held in memory, for tests, benchmarks and
// tools that run contracts without a ledger. Contracts are installed
// directly (no deploy transaction) and successful calls' writes applied.
//
// Thread-safety: none; one thread at a time.

#ifndef BALLAST_WASM_MEMORY_CHAIN_STATE_H_
#define BALLAST_WASM_MEMORY_CHAIN_STATE_H_

#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "wasm/runtime.h"

namespace ballast::wasm {

class MemoryChainState : public ChainState {
 public:
  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) override;
  absl::StatusOr<std::optional<ContractCode>> GetCode(
      std::string_view contract) override;

  // Prepares `wasm` with `runtime` and places it at `address` (no init).
  absl::Status Install(const Runtime& runtime, const std::string& address,
                       std::string_view wasm);
  // Applies a successful call's writes. REQUIRES: outcome.status.ok().
  void Apply(const CallOutcome& outcome);
  // All storage as "hex(contract)[0..4]/hex(key)=hex(value)" lines.
  std::string Dump() const;

  bool fail_reads = false;  // makes GetStorage fail, to test I/O errors

 private:
  std::map<std::string, ContractCode> code_;
  std::map<std::pair<std::string, std::string>, std::string> storage_;
};

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_MEMORY_CHAIN_STATE_H_
