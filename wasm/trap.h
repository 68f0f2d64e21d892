// The traps a contract can raise, with one text each that every engine
// reports. A trap's text is consensus data: it becomes part of the receipt's
// error (committed by the receipts root) and a calling contract reads it
// through bl_return_* and pays per byte for it. So an engine never passes its
// own wording through (wabt's interpreter adds the faulting address to an
// out-of-bounds message; compiled code does not know it): it maps what
// happened to a TrapKind and reports TrapStatus(kind).
//
// Out of gas and the depth limit are `unreachable` traps raised by the
// instrumentation (prepare.h); the runtime tells them apart from a contract's
// own `unreachable` by the counters, not by the text.

#ifndef BALLAST_WASM_TRAP_H_
#define BALLAST_WASM_TRAP_H_

#include <string_view>

#include "absl/status/status.h"

namespace ballast::wasm {

enum class TrapKind {
  kUnreachable,         // `unreachable`, out of gas, the depth limit
  kDivideByZero,        // div/rem by zero
  kIntegerOverflow,     // INT_MIN / -1
  kOutOfBounds,         // a load, store, memory.fill/copy/init outside memory
  kIndirectCall,        // call_indirect: bad index, empty slot, wrong type
  kSegmentOutOfBounds,  // instantiation: a data or element segment misfits
  kStackExhausted,      // an engine's own frame limit (never below the
                        // instrumentation's depth limit; see Limits)
};

// "unreachable executed", "integer divide by zero", ...
std::string_view TrapText(TrapKind kind);

// AbortedError("wasm trap: <text>"), which Instance::Call returns for a trap
// during a call. A trap while instantiating is
// FailedPreconditionError("instantiation failed: <text>").
absl::Status TrapStatus(TrapKind kind);
absl::Status InstantiationTrapStatus(TrapKind kind);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_TRAP_H_
