// The one error vocabulary of Ballast's API. Every failure crosses layers as
// an absl::Status; its kind decides what a caller should do, and this table
// maps each kind to its status code, the HTTP status the node answers with,
// and the exit code of the `ballast` CLI. docs/api.md prints the same table.
//
//   kind             status code(s)              HTTP  exit  meaning
//   contract_failed  FAILED_PRECONDITION (abort)  422    1   the contract ran
//                    ABORTED (trap),                         and failed; the
//                    RESOURCE_EXHAUSTED (gas,                error says how
//                    limit)
//   bad_request      INVALID_ARGUMENT,            400    3   fix the input
//                    OUT_OF_RANGE
//   too_large        RESOURCE_EXHAUSTED           413    3   send less
//   not_found        NOT_FOUND                    404    4
//   conflict         ALREADY_EXISTS               409    5   already done
//   wrong_state      FAILED_PRECONDITION          409    5   not now / not so
//   busy             RESOURCE_EXHAUSTED,          503    6   retry later
//                    UNAVAILABLE                                (Retry-After)
//   timeout          DEADLINE_EXCEEDED            504    7   ask again later
//   internal         INTERNAL, DATA_LOSS, ...     500    8   the node's fault
//   (usage)          -                              -    2   CLI arguments
//
// The code alone decides the kind, except where the table lists a code twice:
// a status made by FailedCall() carries the runtime's failure name, and one
// made by TooLarge() its kind, as payloads. Nothing ever matches error text.
//
// Thread-safe: the functions are pure.

#ifndef BALLAST_NODE_API_ERRORS_H_
#define BALLAST_NODE_API_ERRORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "node/api/api.pb.h"

namespace ballast::api {

enum class ErrorKind {
  kNone,  // OK
  kContractFailed,
  kBadRequest,
  kTooLarge,
  kNotFound,
  kConflict,
  kWrongState,
  kBusy,
  kTimeout,
  kInternal,
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;

// "contract_failed", "bad_request", ...
std::string_view ErrorKindName(ErrorKind kind);
int HttpStatusOf(ErrorKind kind);
int ExitCodeOf(ErrorKind kind);

ErrorKind KindOf(const absl::Status& status);
inline int HttpStatusOf(const absl::Status& s) {
  return HttpStatusOf(KindOf(s));
}
inline int ExitCodeOf(const absl::Status& s) { return ExitCodeOf(KindOf(s)); }

// A contract call that ran and failed: `code` and `message` as the runtime
// gave them, `failure` its failure name ("aborted", "trapped", "out of gas",
// "limit exceeded"), and the gas it used.
absl::Status FailedCall(absl::StatusCode code, std::string_view message,
                        std::string_view failure, uint64_t gas_used);
// The failure name and gas of a FailedCall status; nullopt for others.
std::optional<std::string> FailureOf(const absl::Status& status);
std::optional<uint64_t> GasUsedOf(const absl::Status& status);

// A request over a size limit (HTTP 413).
absl::Status TooLarge(std::string_view message);

// The status a client rebuilds from an error response: `code_name` as the
// node sent it ("NOT_FOUND"; unknown names become UNKNOWN), with the kind
// the HTTP status implies where the code alone does not say it (413, 422).
absl::Status StatusFromResponse(int http_status, std::string_view code_name,
                                std::string_view message,
                                std::optional<std::string> failure,
                                std::optional<uint64_t> gas_used);

// "INVALID_ARGUMENT" for kInvalidArgument: the name errors carry on the wire.
std::string StatusCodeName(absl::StatusCode code);

// The body of an error answer, and of a refused transaction of a batch:
// the code's name, the message, and a failed call's failure and gas.
ErrorResponse ErrorResponseOf(const absl::Status& status);
// The status a client rebuilds from such a body and the HTTP status it came
// with (StatusFromResponse).
absl::Status StatusOfErrorResponse(int http_status, const ErrorResponse& body);

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_ERRORS_H_
