// Stacks for the threads that run contracts. Contracts compiled to native
// code recurse on the stack of the thread that calls them, and an
// instantiation on a thread without room for the module's deepest
// recursion runs in the interpreter instead (wasm/compiled/compiled_engine.h).
// ballastd sizes every thread it starts (the producer, the API's workers and
// waiters) so that any module the engine compiles runs native code at the
// top level and at one level of nested calls.
//
// Thread-compatible: call once, before any thread that runs contracts
// starts.

#ifndef BALLAST_NODE_THREAD_STACKS_H_
#define BALLAST_NODE_THREAD_STACKS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "wasm/compiled/compiled_engine.h"

namespace ballast::node {

// Two levels of wasm::NativeStackPerLevel(options): ~32 MiB with the
// defaults (1000 calls deep, frames of up to 16 KiB). Address space only:
// pages are touched as a recursion reaches them.
size_t ContractThreadStackBytes(const wasm::CompiledEngineOptions& options);

// Makes ContractThreadStackBytes(options) the stack of every thread started
// afterwards in this process: glibc's default for new threads, which
// std::thread and Boost.Asio's thread pools take (they set no size of their
// own). Never makes the default smaller.
absl::Status SizeThreadStacksForContracts(
    const wasm::CompiledEngineOptions& options);

}  // namespace ballast::node

#endif  // BALLAST_NODE_THREAD_STACKS_H_
