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
//   every call kGasHostCall, plus per byte moved across the boundary as
//   listed below; storage writes cost more than reads because they persist.
//   A nested contract call also pays kGasContractCall; the callee's own
//   execution draws from the same budget. Which constant applies to which
//   function and argument is the gas rule of its entry in the host function
//   table (host_functions.cc), as data: DescribeGas prints it, the SDK's
//   generated abi.h shows it above each declaration, and a test pins it.

#ifndef BALLAST_WASM_GAS_H_
#define BALLAST_WASM_GAS_H_

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
inline constexpr int64_t kGasPerGrowPage = 4096;
inline constexpr int64_t kBulkBytesPerGasShift = 4;  // 16 bytes per gas

// ---- Host functions (charged by host_functions.cc) -------------------------
inline constexpr int64_t kGasHostCall = 40;
inline constexpr int64_t kGasPerByteCopied = 1;  // input/output/return/log
inline constexpr int64_t kGasStorageRead = 200;
inline constexpr int64_t kGasPerStorageReadByte = 1;
inline constexpr int64_t kGasStorageWrite = 1000;
inline constexpr int64_t kGasPerStorageWriteByte = 10;
inline constexpr int64_t kGasStorageRemove = 500;
inline constexpr int64_t kGasEvent = 300;
inline constexpr int64_t kGasPerEventByte = 4;
inline constexpr int64_t kGasSha256 = 100;
inline constexpr int64_t kGasPerSha256Byte = 1;
inline constexpr int64_t kGasContractCall = 2000;
// Instantiating a module (a fresh instance per contract call) costs a base
// plus one gas per 64 bytes of code.
inline constexpr int64_t kGasInstantiate = 5000;
inline constexpr int64_t kCodeBytesPerInstantiateGas = 64;

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_GAS_H_
