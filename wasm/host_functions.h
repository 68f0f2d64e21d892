// The host functions of ABI v1 as one table (kHostFunctions): for each, its
// name, its parameters (name and kind), its result, its gas rule and its
// handler. The table is the one source of truth for names, signatures and
// gas: the deploy checks (prepare.cc) and the engines resolve imports in it,
// the runtime dispatches a call by its index in it, and ballast-abi-gen
// (wasm/tools/) writes the contract SDK's import declarations (ballast/abi.h)
// and em++ stub (host_functions.js) from it. What each function does is
// written in host_abi.h.
//
// Adding a host function: its entry and handler in host_functions.cc, its
// paragraph in host_abi.h and, if wanted, a typed helper in the SDK
// (contracts/sdk/ballast/contract.h). Nothing else lists host functions.
//
// Gas of one call, as data (GasRule; constants and reasons in gas.h):
//   base: taken by InvokeHostFunction first;
//   then InvokeHostFunction checks the guest ranges the arguments alone
//     define (a kGuestIn address and the kLength after it; a guest range of
//     fixed size), O(1) each, so a bad pointer traps having paid for what
//     was done: the base;
//   + sum of rate.Of(min(argument, max_bytes)) over the per-byte terms:
//     taken by InvokeHostFunction from the arguments, BEFORE the handler
//     runs;
//   + produced_rate.Of(bytes the host produces: the input, a stored value,
//     a callee's result): taken by the handler as soon as that size is
//     known, before those bytes are written to the guest.
// Rates are ByteRates (gas.h): a gas per so many bytes, rounded up per term.
// A charge is never given back, whatever happens after it (a failed bounds
// check, a limit, an abort).
//
// Handlers are thin adapters (charged, then: bounds-check guest memory ->
// act through HostContext -> write the result). HostContext is the narrow
// view of the running call they need; the runtime's CallSession implements
// it, and tests can implement it over plain memory.
//
// Thread-safety: the table is immutable and may be read from any thread; a
// HostContext belongs to the one thread running its call.

#ifndef BALLAST_WASM_HOST_FUNCTIONS_H_
#define BALLAST_WASM_HOST_FUNCTIONS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasm/failure.h"
#include "wasm/gas.h"
#include "wasm/limits.h"

namespace ballast::wasm {

// Wasm value types of host signatures.
enum class ValType { kI32, kI64 };

// What a parameter is to the host. The kind fixes the wasm type (i32 for all
// but kI64) and the C type of the SDK's declaration.
enum class ParamKind {
  kGuestIn,   // address of guest memory the host reads     const void*
  kGuestOut,  // address of guest memory the host writes    void*
  kLength,    // a byte count                               uint32_t
  kI32,       // a 32-bit value                             int32_t
  kI64,       // a 64-bit value                             int64_t
};

enum class ResultKind { kNone, kI32, kI64 };

struct HostParam {
  std::string_view name;
  ParamKind kind;
  uint32_t size = 0;  // kGuestIn/kGuestOut: the bytes, when fixed
};

// `rate` over the bytes counted by the kLength parameter `param`, up to
// max_bytes of them.
struct ByteTerm {
  int param = -1;  // index into HostFunction::params; -1: unused term
  ByteRate rate;
  uint32_t max_bytes = UINT32_MAX;
};

struct GasRule {
  int64_t base = 0;  // includes kGasHostCall
  std::array<ByteTerm, 2> per_arg_byte{};
  ByteRate produced_rate;     // gas 0: the function produces no bytes
  std::string_view produced;  // what the produced bytes are (for documents)

  // base plus the per-argument terms: what a call costs before it runs.
  // `args` as the engine passes them (i32 zero-extended).
  int64_t Upfront(absl::Span<const uint64_t> args) const;
  // What `bytes` produced bytes cost.
  int64_t Produced(uint64_t bytes) const { return produced_rate.Of(bytes); }
};

class HostContext;
struct HostCall;
using HostHandler = absl::Status (*)(HostContext& ctx, HostCall& call);

inline constexpr int kMaxHostParams = 6;

struct HostFunction {
  std::string_view name;  // imported as env.<name>
  std::array<HostParam, kMaxHostParams> params{};
  int num_params = 0;
  ResultKind result = ResultKind::kNone;
  bool never_returns = false;  // the call always ends the contract call
  GasRule gas;
  HostHandler handler = nullptr;

  absl::Span<const HostParam> Params() const {
    return absl::MakeConstSpan(params.data(), num_params);
  }
};

// One call of a host function, as its handler sees it.
struct HostCall {
  const HostFunction& fn;
  absl::Span<const uint64_t> args;  // one per parameter, i32 zero-extended
  uint64_t result = 0;              // written back if the function has one
};

// Every host function of ABI v1, in a fixed order. The order has no meaning
// for contracts (imports are resolved by name) but is the index engines pass
// to HostDispatcher::Invoke.
extern const absl::Span<const HostFunction> kHostFunctions;

// The index of the host function `name` in kHostFunctions, or -1.
int FindHostFunction(std::string_view name);

ValType WasmTypeOf(ParamKind kind);
std::optional<ValType> WasmTypeOf(ResultKind kind);  // nullopt for kNone

// The rule in words, e.g. "1040 + 10 per byte of key_len + 10 per byte of
// val_len": for documents (the SDK's abi.h) and tests.
std::string DescribeGas(const HostFunction& fn);

// What host functions need of the call they run in.
class HostContext {
 public:
  virtual ~HostContext() = default;

  // Takes `gas` from the call's budget. Running out fails the call as
  // kOutOfGas (the returned status). Nothing is ever given back.
  virtual absl::Status Charge(int64_t gas) = 0;
  // Gas remaining, never negative.
  virtual int64_t GasLeft() const = 0;
  // Ends the contract call as failed; a handler returns the status this
  // returns, unchanged.
  virtual absl::Status Fail(FailureKind kind, std::string_view reason) = 0;
  virtual const Limits& limits() const = 0;

  // The calling instance's linear memory. A range outside it fails the call
  // as kTrap ("out of bounds: host access [a, b) ..."). A view is valid
  // until the handler calls CallContract.
  virtual absl::StatusOr<std::string_view> ReadGuest(uint64_t ptr,
                                                     uint64_t len) = 0;
  virtual absl::Status WriteGuest(uint64_t ptr, std::string_view bytes) = 0;

  // The executing contract call. Addresses are 20 raw bytes.
  virtual std::string_view Input() const = 0;
  virtual void SetOutput(std::string bytes) = 0;
  virtual std::string_view Caller() const = 0;
  virtual std::string_view Origin() const = 0;
  virtual std::string_view Self() const = 0;
  virtual uint64_t BlockHeight() const = 0;
  virtual int64_t BlockTime() const = 0;

  // Storage of Self() as this transaction sees it. A failing read of chain
  // state fails the call as kInternal.
  virtual absl::StatusOr<std::optional<std::string>> ReadStorage(
      std::string_view key) = 0;
  virtual void WriteStorage(std::string_view key,
                            std::optional<std::string> value) = 0;
  // Events of the whole transaction so far; EmitEvent adds one from Self().
  virtual size_t EventCount() const = 0;
  virtual void EmitEvent(std::string name, std::string data) = 0;
  // Packets of the whole transaction so far; SendPacket adds one from
  // Self(), for the bridge to commit once the transaction succeeds.
  virtual size_t PacketCount() const = 0;
  virtual void SendPacket(std::string channel, std::string data,
                          uint64_t timeout_height, int64_t timeout_ms) = 0;

  // Calls `method` of the contract at `target`. 0: it succeeded; 1: it
  // aborted or trapped, or was refused (re-entrancy, no such method or
  // contract). ReturnData() then holds its output (0) or error message (1).
  // A fatal failure (out of gas, a limit, internal) is returned as an error
  // that the handler returns.
  virtual absl::StatusOr<uint32_t> CallContract(std::string target,
                                                std::string method,
                                                std::string input) = 0;
  // Creates a contract running the code of the contract at `template_addr`
  // at InstantiatedAddress(Self(), salt) and runs its init with `init`.
  // 0: created, *address set; 1: refused (no template, the address taken,
  // the init failed) with the reason in ReturnData(). Fatal failures as
  // CallContract's.
  virtual absl::StatusOr<uint32_t> Instantiate(std::string template_addr,
                                               std::string init,
                                               std::string salt,
                                               std::string* address) = 0;
  // The last CallContract's output or error ("" before any).
  virtual std::string_view ReturnData() const = 0;

  // A debug line for the node's log; no effect on the call.
  virtual void Log(std::string_view message) = 0;
};

// Runs host function `index` with `args` in `ctx`: takes the upfront gas of
// its rule, then runs its handler. On success *result holds the result (0
// for a function without one). A non-ok status is the failure the handler
// or the context raised (ctx.Fail has recorded it).
absl::Status InvokeHostFunction(int index, HostContext& ctx,
                                absl::Span<const uint64_t> args,
                                uint64_t* result);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_HOST_FUNCTIONS_H_
