// The gas cost model. Gas is a property of the instrumented module and its
// input: the same call uses the same gas under any engine and any wabt
// version, because it is counted by code the runtime inserts at deploy
// (prepare.cc), not by the engine.
//
// Wasm code (charged by instrumentation, instrumenter version 2)
//   One gas per instruction executed, the instrumenter's own included,
//   charged in advance per segment. A segment is one structured instruction
//   list: a function body, a block or loop body, an if or else arm. On entry
//   it is charged the instructions it holds at its own level (a nested
//   block/loop/if counts as one; its contents are charged when entered)
//   plus the instructions the instrumenter inserted at that level: the
//   charge itself (kGasChargeInstructions) and any dynamic charges
//   (kGasDynamicChargeInstructions each). A segment with no instructions
//   is not charged. A loop body is charged on every iteration. A branch out
//   of a segment does not refund what the segment was charged. If the
//   counter drops below zero the call traps and fails as out of gas.
//   Function entry is charged, before the call's depth check, its body's
//   own level, the charge, the depth bookkeeping
//   (kGasCallBookkeepingInstructions) and LocalsGas(declared locals): the
//   engine zero-fills locals on every entry, measured at 1/35 to 1/18 of an
//   instruction's time each
//   (docs/gas.md). So an empty function costs 21 gas per call.
//   memory.grow additionally costs kGasPerGrowPage per page requested;
//   memory.fill, memory.copy and memory.init cost one gas per
//   2^kBulkBytesPerGasShift bytes, charged before they run.
//   The zero-fill of one entry's locals (at most max_locals_per_function)
//   is the only work done before its charge traps.
//
// Host functions (charged by the host before any effect, never given back)
//   Every call kGasHostCall, plus per byte the call touches: bytes moved
//   across the boundary in either direction, hashed, stored, looked up or
//   emitted. Which constant applies to which function and argument is the
//   gas rule of its entry in the host function table (host_functions.cc),
//   as data: DescribeGas prints it, the SDK's generated abi.h shows it above
//   each declaration, and a test pins it. The rule's upfront part is taken
//   from the arguments alone, before the handler checks a single guest
//   range; the produced part (a stored value, the input, a callee's result)
//   as soon as its size is known, before it is copied. A handler checks
//   every guest range it will write before doing the work the result comes
//   from (bl_sha256 checks dst32 before hashing), so a bad pointer fails
//   fast, but what was charged stays charged: the gas of a call is what it
//   was charged, whether it then succeeds, aborts, traps or breaks a limit.
//   Reads are priced per byte of key and of value; writes and removals ten
//   times higher per key byte (they persist in every node's store);
//   removals have the same key-size limit as writes.
//
// Nested contract calls
//   bl_call costs kGasContractCall plus its method name and input bytes;
//   the callee then pays instantiation and code loading (below) and its own
//   execution from the same budget. Whatever the callee's outcome, what it
//   used stays used: a caller that survives its callee's abort still pays
//   for the callee, and a fatal failure (out of gas, a limit, the deadline)
//   fails the whole call with everything charged until then.
//
// Instantiation and code loading (charged by the runtime per contract
// frame, before the instance is created)
//   kGasInstantiate
//   + kGasPerInitialPage per initial memory page: instantiation zero-fills
//     the module's initial memory exactly as memory.grow zero-fills grown
//     pages, so both cost the same per page (TOOLCHAIN.md measured ~ 22 us
//     per page cold; the gas-fairness benchmark measured ~ 1 us per page
//     warm, instantiation of 32 pages included, and kGasPerGrowPage is
//     calibrated to it with room for cold pages);
//   + code bytes / kCodeBytesPerLoadGas: loading the module. The compiled
//     module cache (runtime.h) is node-local, so whether a call hits it must
//     not change its gas: every call pays for loading as if it missed.
//     Calibration (measured side by side, same machine and load): wabt's
//     decode + validate + lowering took 150-160 ns per byte of instrumented
//     code (token 44503 bytes: 7.1 ms; probe 51348 bytes: 7.6 ms) while the
//     plainest gas loop ran at 322 ns per gas: a miss costs ~ 0.5 gas per
//     code byte at the loop's rate, hence one gas per 2 bytes; the
//     gas-fairness benchmark (tools/bench) then measured ~ 21 ns of CPU per
//     byte against ~ 11 ns per gas for the tight loop, ~ 2 gas per byte, so
//     one gas per byte, the most this rule expresses. A call that
//     hits the cache (the common case) overpays by the compile it skipped;
//     the cache keeps that rare for honest traffic and cannot be forced to
//     miss more cheaply than by paying for it. Cache eviction is LRU by code
//     bytes (kModuleCacheBytes), so cycling a few hundred contracts no
//     longer empties it wholesale.
//
// Wall time
//   Gas bounds work; it does not bound wall time exactly. Queries (free,
//   off-chain) also carry a wall-time deadline (CallRequest::deadline): a
//   watchdog zeroes the running instance's gas counter when it passes, and
//   the call fails as FailureKind::kDeadline. Block execution never sets a
//   deadline: whether a deadline fires depends on the machine, and a block's
//   outcome must be the same on every node. Blocks are bounded by gas alone.

#ifndef BALLAST_WASM_GAS_H_
#define BALLAST_WASM_GAS_H_

#include <cstddef>
#include <cstdint>

namespace ballast::wasm {

// Bump when the instrumentation changes: gas is a property of the
// instrumented binary, and the node stores which version produced it.
inline constexpr uint32_t kInstrumenterVersion = 2;

// ---- Instrumentation (inserted by prepare.cc) ------------------------------
// The instrumenter's own code is charged like the contract's: one gas per
// instruction, to the segment it runs in.
// Instructions of one segment charge on its non-trapping path:
//   global.get, i64.const, i64.sub, global.set, global.get, i64.const,
//   i64.lt_s, if.
inline constexpr uint32_t kGasChargeInstructions = 8;
// Instructions of one dynamic charge before a memory.grow/fill/copy/init:
//   local.set, global.get, local.get, i64.extend_i32_u, i64.const,
//   i64.mul or i64.shr_u, i64.sub, the 5 of the check, local.get.
inline constexpr uint32_t kGasDynamicChargeInstructions = 13;
// Instructions of a call's depth bookkeeping: depth += 1 and its check (8),
// the wrapper block (1), depth -= 1 (4).
inline constexpr uint32_t kGasCallBookkeepingInstructions = 13;
// Function entry zero-fills the declared locals (the interpreter resizes
// its value stack by their count): one gas per kLocalsPerGas locals,
// rounded up. Calibrated against a tight loop's ns per gas (docs/gas.md).
inline constexpr uint32_t kLocalsPerGas = 32;
inline constexpr uint64_t LocalsGas(uint64_t locals) {
  return (locals + kLocalsPerGas - 1) / kLocalsPerGas;
}
inline constexpr int64_t kGasPerGrowPage = 512;
inline constexpr int64_t kBulkBytesPerGasShift = 8;  // 256 bytes per gas

// ---- Host functions, instantiation and code loading ----------------------
// (kept apart from the instrumentation's constants above; each constant's
// reason is in the file comment)

// Every host call: the trip out of the interpreter and back (argument
// conversion, dispatch through the table, the gas round trip).
inline constexpr int64_t kGasHostCall = 40;
// Bytes copied between guest memory and the host: input, output, return
// data, log and abort messages, method names, addresses (20 bytes).
inline constexpr int64_t kGasPerByteCopied = 1;
// A storage lookup (overlay, then LevelDB) plus its key and value bytes.
inline constexpr int64_t kGasStorageRead = 200;
inline constexpr int64_t kGasPerStorageReadByte = 1;
// A storage write or removal persists in every node's store: per entry and
// per key/value byte (removals: per key byte).
inline constexpr int64_t kGasStorageWrite = 1000;
inline constexpr int64_t kGasPerStorageWriteByte = 10;
inline constexpr int64_t kGasStorageRemove = 500;
// Events are stored in every node's receipts and event index.
inline constexpr int64_t kGasEvent = 300;
inline constexpr int64_t kGasPerEventByte = 4;
// SHA-256: setup and the 32-byte digest, then per byte hashed.
inline constexpr int64_t kGasSha256 = 100;
inline constexpr int64_t kGasPerSha256Byte = 1;
// A nested contract call: a frame, the re-entrancy check, the result copy.
inline constexpr int64_t kGasContractCall = 1000;

// Instantiating a module, once per contract frame (a fresh instance per
// call): a base for the instance's store, imports and exports, ...
inline constexpr int64_t kGasInstantiate = 2000;
// ... per initial memory page, the same as memory.grow charges per page
// (both zero-fill 64 KiB) ...
inline constexpr int64_t kGasPerInitialPage = kGasPerGrowPage;
// ... and for loading the code, one gas per kCodeBytesPerLoadGas bytes of
// the instrumented module, charged on every call, cached or not.
inline constexpr int64_t kCodeBytesPerLoadGas = 1;

// The compiled-module cache: an LRU bounded by the bytes of instrumented
// code it holds (64 MiB: 128 maximal 512 KiB contracts, thousands of
// typical ones; wabt's lowered bytecode comes on top of it).
inline constexpr size_t kModuleCacheBytes = size_t{64} << 20;

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_GAS_H_
