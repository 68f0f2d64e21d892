#include "tests/wasm/test_state.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"

namespace ballast::wasm {

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string CorpusModule(const std::string& name) {
  return ReadFileOrDie(std::string(BALLAST_CORPUS_DIR) + "/" + name + ".wasm");
}

std::string ContractModule(const std::string& name) {
  return ReadFileOrDie(std::string(BALLAST_CONTRACTS_DIR) + "/" + name +
                       ".wasm");
}

std::string Addr(char c) { return std::string(kAddressSize, c); }

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

void MemoryChainState::Install(Runtime& runtime, const std::string& address,
                               const std::string& wasm) {
  auto prepared = runtime.Prepare(wasm);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  code_[address] = ContractCode{Sha256(prepared->code), prepared->code};
}

void MemoryChainState::Apply(const CallOutcome& outcome) {
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
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
