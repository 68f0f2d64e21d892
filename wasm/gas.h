// The gas cost model. Gas is a property of the instrumented module and its
// input: the same call uses the same gas under any engine and any wabt
// version, because it is counted by code the runtime inserts at deploy
// (prepare.cc), not by the engine.
//
// Wasm code (charged by instrumentation, instrumenter version 3)
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
//   memory.fill costs one gas per 2^kFillBytesPerGasShift bytes,
//   memory.copy and memory.init one per 2^kCopyBytesPerGasShift bytes,
//   charged before they run.
//   The zero-fill of one entry's locals (at most max_locals_per_function)
//   is the only work done before its charge traps.
//
// Host functions (charged by the host before any effect, never given back)
//   Every call kGasHostCall, plus per byte the call touches (a ByteRate:
//   so much gas per so many bytes, which may be less than one gas a byte):
//   bytes moved across the boundary in either direction, hashed, stored,
//   looked up or emitted. Which rate applies to which function and argument
//   is the gas rule of its entry in the host function table
//   (host_functions.cc), as data: DescribeGas prints it, the SDK's
//   generated abi.h shows it above each declaration, and a test pins it.
//   Order: the base; then the guest ranges the arguments alone define are
//   checked (O(1) each: a bad pointer traps having paid the base, not the
//   per-byte work it never causes); then the per-argument bytes; then the
//   handler, which charges the produced part (a stored value, the input, a
//   callee's result) as soon as its size is known, before it is copied.
//   What was charged stays charged: the gas of a call is what it was
//   charged, whether it then succeeds, aborts, traps or breaks a limit.
//   Reads are priced per entry and per 64 bytes of key and value; writes
//   and removals per byte, above their CPU time (state growth is a lasting
//   cost in every node's store); removals have the same key-size limit as
//   writes.
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
//   + kGasCodeLoad per byte of the instrumented module, the first time the
//     call (a transaction or a query, nested calls included) uses that
//     code: loading it, i.e. wabt's decode + validate + lowering, which
//     the gas-fairness benchmark measures at ~ 20 ns of CPU per code byte,
//     ~ 1.8 gas per byte at the tight loop's rate, hence 2. The compiled module
//     cache (runtime.h) is node-local, so whether the first use hits it
//     must not change the gas: it pays as if it missed. The call keeps
//     every module it loaded until it ends, so its later frames of the same
//     code are warm: they cannot miss, whatever other calls do to the
//     cache, and pay no code loading (EIP-2929 prices cold and warm state
//     accesses per transaction the same way). What a call keeps is bounded
//     by its gas: at most gas_limit / 2 bytes of code (50 MB at the block
//     gas limit). Cache eviction is LRU by code bytes (kModuleCacheBytes).
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
inline constexpr uint32_t kInstrumenterVersion = 3;

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
inline constexpr uint32_t kLocalsPerGas = 16;
inline constexpr uint64_t LocalsGas(uint64_t locals) {
  return (locals + kLocalsPerGas - 1) / kLocalsPerGas;
}
inline constexpr int64_t kGasPerGrowPage = 256;
// memory.fill writes; memory.copy and memory.init read and write, and take
// twice as long per byte (BENCHMARKS.md).
inline constexpr int64_t kFillBytesPerGasShift = 10;  // 1 KiB per gas
inline constexpr int64_t kCopyBytesPerGasShift = 9;   // 512 bytes per gas

// ---- Host functions, instantiation and code loading ----------------------
// (kept apart from the instrumentation's constants above; each constant's
// reason is in the file comment, each figure's measurement in BENCHMARKS.md)

// A price per byte: `gas` for every `bytes` bytes, rounded up. A rate can be
// finer than one gas per byte: most host work (copying, LevelDB, SHA-256)
// takes far less time per byte than one interpreted instruction takes.
struct ByteRate {
  int64_t gas = 0;
  int64_t bytes = 1;
  constexpr int64_t Of(uint64_t n) const {
    return static_cast<int64_t>(
        (static_cast<unsigned __int128>(n) * static_cast<uint64_t>(gas) +
         static_cast<uint64_t>(bytes) - 1) /
        static_cast<uint64_t>(bytes));
  }
};

// Every host call: the trip out of the interpreter and back (argument
// conversion, dispatch through the table, the gas round trip).
inline constexpr int64_t kGasHostCall = 40;
// Bytes copied between guest memory and the host: input, output, return
// data, log and abort messages, method names, addresses (20 bytes).
inline constexpr ByteRate kGasCopied{1, 8};
// A storage lookup (overlay, then LevelDB, possibly from disk) plus its key
// and value bytes.
inline constexpr int64_t kGasStorageRead = 1000;
inline constexpr ByteRate kGasStorageReadBytes{1, 64};
// A storage write or removal persists in every node's store: per entry and
// per key/value byte (removals: per key byte). Priced above its CPU time:
// state growth is a lasting cost, and this rate bounds it to a third of a
// byte per gas (33 MB per block at the default block gas limit).
inline constexpr int64_t kGasStorageWrite = 1000;
inline constexpr ByteRate kGasStorageWriteBytes{3, 1};
inline constexpr int64_t kGasStorageRemove = 500;
// Events are stored in every node's receipts and event index.
inline constexpr int64_t kGasEvent = 300;
inline constexpr ByteRate kGasEventBytes{1, 1};
// A packet sent through the bridge: the bridge's records (a commitment, a
// sequence) and its event, then per byte stored in the event and hashed.
// The bridge's own charges for committing it come on top (bridge/core/
// gas.h).
inline constexpr int64_t kGasSendPacket = 2'000;
inline constexpr ByteRate kGasPacketBytes{2, 1};
// SHA-256: setup and the 32-byte digest, then per byte hashed.
inline constexpr int64_t kGasSha256 = 100;
inline constexpr ByteRate kGasSha256Bytes{1, 3};
// A nested contract call: a frame, the re-entrancy check, the result copy.
inline constexpr int64_t kGasContractCall = 1000;
// A contract created by a contract (bl_instantiate): its record in world
// state (a ContractInfo naming the template, a few hundred bytes in the
// state tree), and the frame of its init; the init's own work comes on top.
inline constexpr int64_t kGasCreateContract = 20'000;

// Instantiating a module, once per contract frame (a fresh instance per
// call): a base for the instance's store, imports and exports, ...
inline constexpr int64_t kGasInstantiate = 2000;
// ... per initial memory page, the same as memory.grow charges per page
// (both zero-fill 64 KiB) ...
inline constexpr int64_t kGasPerInitialPage = kGasPerGrowPage;
// ... and, the first time a call (a transaction or query, with its nested
// calls) uses a code, for loading it: compiling the instrumented module
// (decode, validate, lower), as if the node-local cache did not have it.
// Later frames of the same code in the same call are warm: the call keeps
// the compiled module it loaded, so they cannot miss and pay nothing for
// code (as EIP-2929 prices cold and warm accesses per transaction).
inline constexpr ByteRate kGasCodeLoad{2, 1};

// The compiled-module cache: an LRU bounded by the bytes of instrumented
// code it holds (64 MiB: 128 maximal 512 KiB contracts, thousands of
// typical ones; wabt's lowered bytecode comes on top of it).
inline constexpr size_t kModuleCacheBytes = size_t{64} << 20;

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_GAS_H_
