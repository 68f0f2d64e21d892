#include "tests/wasm/test_state.h"

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"

namespace ballast::wasm {

std::string CorpusModule(const std::string& name) {
  return ReadFileOrDie(std::string(BALLAST_CORPUS_DIR) + "/" + name + ".wasm");
}

std::string ContractModule(const std::string& name) {
  return ReadFileOrDie(std::string(BALLAST_CONTRACTS_DIR) + "/" + name +
                       ".wasm");
}

std::string Addr(char c) { return std::string(kAddressSize, c); }

}  // namespace ballast::wasm
