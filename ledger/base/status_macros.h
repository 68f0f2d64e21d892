// Status propagation macros. Debian's Abseil (20220623) ships no
// status_macros.h, so the project defines its two macros here, once.
//
//   RETURN_IF_ERROR(expr);            // returns the status if not ok
//   ASSIGN_OR_RETURN(auto x, expr);   // unwraps a StatusOr or returns
//
// Both are usable in any function returning absl::Status or StatusOr<T>.

#ifndef BALLAST_LEDGER_BASE_STATUS_MACROS_H_
#define BALLAST_LEDGER_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BALLAST_CONCAT_INNER_(a, b) a##b
#define BALLAST_CONCAT_(a, b) BALLAST_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status ballast_status_ = (expr);     \
    if (!ballast_status_.ok()) return ballast_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  BALLAST_ASSIGN_OR_RETURN_IMPL_(BALLAST_CONCAT_(ballast_statusor_, __LINE__), lhs, rexpr)

#define BALLAST_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = *std::move(statusor)

namespace ballast {

// Prefixes a non-ok status's message with context, keeping its code:
//   Annotate(s, "deploy token") -> "deploy token: <original message>".
inline absl::Status Annotate(const absl::Status& s, std::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), std::string(context) + ": " + std::string(s.message()));
}

}  // namespace ballast

#endif  // BALLAST_LEDGER_BASE_STATUS_MACROS_H_
