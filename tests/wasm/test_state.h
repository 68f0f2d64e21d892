// Test support for wasm_test: an in-memory ChainState (the environment the
// runtime reads, as the node's executor provides it in production) and
// helpers to load modules from the build tree.

#ifndef BALLAST_TESTS_WASM_TEST_STATE_H_
#define BALLAST_TESTS_WASM_TEST_STATE_H_

#include <map>
#include <string>

#include "wasm/runtime.h"

namespace ballast::wasm {

// Reads a whole file; fails the current test if it cannot.
std::string ReadFileOrDie(const std::string& path);
std::string CorpusModule(const std::string& name);    // corpus/<name>.wasm
std::string ContractModule(const std::string& name);  // contracts/<name>.wasm

// A 20-byte address made of one repeated byte.
std::string Addr(char c);

class MemoryChainState : public ChainState {
 public:
  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) override;
  absl::StatusOr<std::optional<ContractCode>> GetCode(
      std::string_view contract) override;

  // Prepares `wasm` with `runtime` and places it at `address` (no init).
  void Install(Runtime& runtime, const std::string& address,
               const std::string& wasm);
  // Applies a successful call's writes.
  void Apply(const CallOutcome& outcome);
  // All storage as "hex(contract)/key=value" lines, for comparisons.
  std::string Dump() const;

  bool fail_reads = false;  // makes GetStorage return an I/O error

 private:
  std::map<std::string, ContractCode> code_;
  std::map<std::pair<std::string, std::string>, std::string> storage_;
};

}  // namespace ballast::wasm

#endif  // BALLAST_TESTS_WASM_TEST_STATE_H_
