#include "wasm/trap.h"

#include "ledger/base/strings.h"

namespace ballast::wasm {

std::string_view TrapText(TrapKind kind) {
  switch (kind) {
    case TrapKind::kUnreachable:
      return "unreachable executed";
    case TrapKind::kDivideByZero:
      return "integer divide by zero";
    case TrapKind::kIntegerOverflow:
      return "integer overflow";
    case TrapKind::kOutOfBounds:
      return "out of bounds memory access";
    case TrapKind::kIndirectCall:
      return "invalid indirect call";
    case TrapKind::kSegmentOutOfBounds:
      return "out of bounds segment";
    case TrapKind::kStackExhausted:
      return "call stack exhausted";
  }
  return "unknown trap";
}

absl::Status TrapStatus(TrapKind kind) {
  return absl::AbortedError(StrCat("wasm trap: ", TrapText(kind)));
}

absl::Status InstantiationTrapStatus(TrapKind kind) {
  return absl::FailedPreconditionError(
      StrCat("instantiation failed: ", TrapText(kind)));
}

}  // namespace ballast::wasm
