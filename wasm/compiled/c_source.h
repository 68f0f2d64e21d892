// From a prepared (instrumented) module to the C that the compiled engine
// builds into a shared object: wabt's C writer (wasm2c) for the module, and
// a glue file of our own that binds its imports to the host dispatcher and
// exports one entry point, ballast_contract_v1 (compiled_abi.h).
//
// Thread-safe: pure functions.

#ifndef BALLAST_WASM_COMPILED_C_SOURCE_H_
#define BALLAST_WASM_COMPILED_C_SOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ballast::wasm {

struct CSource {
  std::string c;     // c.c: the module, from wasm2c
  std::string h;     // c.h: its declarations (the instance struct)
  std::string glue;  // glue.c
  // The exported () -> () functions, in the order of the glue's method
  // table: ballast_contract_v1()->call(instance, i) runs methods[i].
  std::vector<std::string> methods;
  uint32_t initial_pages = 0;
  bool instrumented = false;  // exports ballast_gas and ballast_depth
};

// REQUIRES: `code` passed PrepareModule (or is a valid module whose imports
// are all host functions, for benchmarks). Fails (the engine then keeps the
// interpreter) if wasm2c's output is larger than `max_c_bytes` or not of
// the shape the glue expects.
absl::StatusOr<CSource> GenerateCSource(std::string_view code,
                                        size_t max_c_bytes);

// wasm2c 1.0.32's spelling of a name inside a C identifier: bytes
// [A-Za-z0-9_] other than 'Z' are kept, any other byte is "Z" and two
// upper-case hex digits. Exposed for tests.
std::string MangleCName(std::string_view name);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_COMPILED_C_SOURCE_H_
