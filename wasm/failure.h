// The runtime's one classification of a failed contract call, and the one
// absl::StatusCode each kind is reported with. Everything inside wasm/ builds
// a failure's status with StatusCodeOf; layers above (the node's receipts,
// API and CLI) map FailureKind, or this code, to their own vocabulary.
//
// Thread-safe: pure functions.

#ifndef BALLAST_WASM_FAILURE_H_
#define BALLAST_WASM_FAILURE_H_

#include <string_view>

#include "absl/status/status.h"

namespace ballast::wasm {

// Why a call failed (kNone: it did not). Each kind has exactly one code:
//   kind        StatusCodeOf         meaning
//   kNone       kOk
//   kInvalid    kInvalidArgument     no such contract or method, or a
//                                    method that cannot be called ("init"
//                                    after deploy, a reserved export)
//   kAbort      kFailedPrecondition  the contract called bl_abort
//   kTrap       kAborted             a wasm trap (unreachable, bounds,
//                                    divide by 0...) or a host function
//                                    refusing its arguments
//   kOutOfGas   kResourceExhausted   the gas limit was reached
//   kLimit      kResourceExhausted   a runtime limit (depth, sizes) was hit
//   kDeadline   kResourceExhausted   the call's wall-time deadline passed
//                                    (queries only; never in a block)
//   kInternal   kInternal            the chain state failed to read, or the
//                                    runtime broke: not the contract's fault
enum class FailureKind {
  kNone,
  kInvalid,
  kAbort,
  kTrap,
  kOutOfGas,
  kLimit,
  kDeadline,
  kInternal,
};

// The status code a failure of `kind` carries (table above).
absl::StatusCode StatusCodeOf(FailureKind kind);

// Lower-case words for messages and JSON: "ok", "invalid", "aborted",
// "trapped", "out of gas", "limit exceeded", "deadline exceeded",
// "internal".
std::string_view FailureKindName(FailureKind kind);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_FAILURE_H_
