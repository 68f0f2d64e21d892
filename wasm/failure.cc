#include "wasm/failure.h"

namespace ballast::wasm {

absl::StatusCode StatusCodeOf(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return absl::StatusCode::kOk;
    case FailureKind::kInvalid:
      return absl::StatusCode::kInvalidArgument;
    case FailureKind::kAbort:
      return absl::StatusCode::kFailedPrecondition;
    case FailureKind::kTrap:
      return absl::StatusCode::kAborted;
    case FailureKind::kOutOfGas:
    case FailureKind::kLimit:
    case FailureKind::kDeadline:
      return absl::StatusCode::kResourceExhausted;
    case FailureKind::kInternal:
      return absl::StatusCode::kInternal;
  }
  return absl::StatusCode::kInternal;  // not a FailureKind: a runtime bug
}

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return "ok";
    case FailureKind::kInvalid:
      return "invalid";
    case FailureKind::kAbort:
      return "aborted";
    case FailureKind::kTrap:
      return "trapped";
    case FailureKind::kOutOfGas:
      return "out of gas";
    case FailureKind::kLimit:
      return "limit exceeded";
    case FailureKind::kDeadline:
      return "deadline exceeded";
    case FailureKind::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace ballast::wasm
