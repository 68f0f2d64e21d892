// Test support for wasm_test: loading modules from the build tree, and
// MemoryChainState (wasm/memory_chain_state.h) as the runtime's environment.

#ifndef BALLAST_TESTS_WASM_TEST_STATE_H_
#define BALLAST_TESTS_WASM_TEST_STATE_H_

#include <string>

#include "tests/testing/files.h"
#include "wasm/memory_chain_state.h"

namespace ballast::wasm {

using ::ballast::test::ReadFileOrDie;
std::string CorpusModule(const std::string& name);    // corpus/<name>.wasm
std::string ContractModule(const std::string& name);  // contracts/<name>.wasm

// A 20-byte address made of one repeated byte.
std::string Addr(char c);

}  // namespace ballast::wasm

#endif  // BALLAST_TESTS_WASM_TEST_STATE_H_
