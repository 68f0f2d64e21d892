// Test support: wasm modules built as bytes, for the nesting limit's tests
// (a module 170,000 blocks deep is half a megabyte: it is built, not
// stored). Every module here passes all other deploy checks.

#ifndef BALLAST_TESTS_WASM_NESTED_MODULE_H_
#define BALLAST_TESTS_WASM_NESTED_MODULE_H_

#include <cstdint>
#include <string>

namespace ballast::wasm {

// How each level opens: all `block`, or block, loop, if (on i32.const 0)
// in turn.
enum class Nesting { kBlocks, kMixed };

// A contract whose method "run" (function 1) nests `depth` control
// instructions inside one another, each closed by its `end`.
std::string NestedModule(uint32_t depth, Nesting shape = Nesting::kBlocks);

// A contract whose method "run" (function 1) consists of `body`
// (instructions, without the function's final `end`, which is added) and
// declares `locals` i32 locals. Its method "empty" (function 2) has an
// empty body and no locals: calling both measures what "run" costs.
std::string ModuleWithBody(const std::string& body, uint32_t locals = 0);

// ModuleWithBody("") plus one mutable i32 global whose initializer is
// `init` (instructions, without its final `end`, which is added).
std::string ModuleWithGlobalInit(const std::string& init);

}  // namespace ballast::wasm

#endif  // BALLAST_TESTS_WASM_NESTED_MODULE_H_
