#include "node/api/errors.h"

#include <cctype>
#include <charconv>

#include "absl/strings/cord.h"
#include "ledger/base/strings.h"

namespace ballast::api {
namespace {

// Payload type URLs of the statuses this file makes.
constexpr char kFailureUrl[] = "ballast/failure";
constexpr char kGasUsedUrl[] = "ballast/gas_used";
constexpr char kKindUrl[] = "ballast/kind";

struct Row {
  ErrorKind kind;
  std::string_view name;
  int http;
  int exit;
};

// The table of errors.h, in its order.
constexpr Row kRows[] = {
    {ErrorKind::kNone, "ok", 200, kExitOk},
    {ErrorKind::kContractFailed, "contract_failed", 422, 1},
    {ErrorKind::kBadRequest, "bad_request", 400, 3},
    {ErrorKind::kTooLarge, "too_large", 413, 3},
    {ErrorKind::kNotFound, "not_found", 404, 4},
    {ErrorKind::kConflict, "conflict", 409, 5},
    {ErrorKind::kWrongState, "wrong_state", 409, 5},
    {ErrorKind::kBusy, "busy", 503, 6},
    {ErrorKind::kTimeout, "timeout", 504, 7},
    {ErrorKind::kInternal, "internal", 500, 8},
};

const Row& RowOf(ErrorKind kind) {
  for (const Row& r : kRows) {
    if (r.kind == kind) return r;
  }
  return kRows[std::size(kRows) - 1];
}

ErrorKind KindOfCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return ErrorKind::kNone;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return ErrorKind::kBadRequest;
    case absl::StatusCode::kNotFound:
      return ErrorKind::kNotFound;
    case absl::StatusCode::kAlreadyExists:
      return ErrorKind::kConflict;
    case absl::StatusCode::kFailedPrecondition:
      return ErrorKind::kWrongState;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnavailable:
      return ErrorKind::kBusy;
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorKind::kTimeout;
    default:
      return ErrorKind::kInternal;
  }
}

std::optional<std::string> Payload(const absl::Status& s, const char* url) {
  auto p = s.GetPayload(url);
  if (!p.has_value()) return std::nullopt;
  return std::string(*p);
}

}  // namespace

std::string_view ErrorKindName(ErrorKind kind) { return RowOf(kind).name; }
int HttpStatusOf(ErrorKind kind) { return RowOf(kind).http; }
int ExitCodeOf(ErrorKind kind) { return RowOf(kind).exit; }

ErrorKind KindOf(const absl::Status& status) {
  if (status.ok()) return ErrorKind::kNone;
  if (std::optional<std::string> kind = Payload(status, kKindUrl)) {
    for (const Row& r : kRows) {
      if (r.name == *kind) return r.kind;
    }
  }
  return KindOfCode(status.code());
}

absl::Status FailedCall(absl::StatusCode code, std::string_view message,
                        std::string_view failure, uint64_t gas_used) {
  absl::Status s(code, ToAbsl(message));
  s.SetPayload(kFailureUrl, absl::Cord(ToAbsl(failure)));
  s.SetPayload(kGasUsedUrl, absl::Cord(StrCat(gas_used)));
  s.SetPayload(kKindUrl,
               absl::Cord(ToAbsl(ErrorKindName(ErrorKind::kContractFailed))));
  return s;
}

std::optional<std::string> FailureOf(const absl::Status& status) {
  return Payload(status, kFailureUrl);
}

std::optional<uint64_t> GasUsedOf(const absl::Status& status) {
  std::optional<std::string> text = Payload(status, kGasUsedUrl);
  if (!text.has_value()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] =
      std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return std::nullopt;
  }
  return v;
}

absl::Status TooLarge(std::string_view message) {
  absl::Status s = absl::ResourceExhaustedError(ToAbsl(message));
  s.SetPayload(kKindUrl,
               absl::Cord(ToAbsl(ErrorKindName(ErrorKind::kTooLarge))));
  return s;
}

ErrorResponse ErrorResponseOf(const absl::Status& status) {
  ErrorResponse body;
  body.mutable_error()->set_code(StatusCodeName(status.code()));
  body.mutable_error()->set_message(std::string(status.message()));
  if (std::optional<std::string> failure = FailureOf(status)) {
    body.set_failure(*failure);
  }
  if (std::optional<uint64_t> gas = GasUsedOf(status)) body.set_gas_used(*gas);
  return body;
}

absl::Status StatusOfErrorResponse(int http_status, const ErrorResponse& body) {
  return StatusFromResponse(
      http_status, body.error().code(), body.error().message(),
      body.has_failure() ? std::optional<std::string>(body.failure())
                         : std::nullopt,
      body.has_gas_used() ? std::optional<uint64_t>(body.gas_used())
                          : std::nullopt);
}

std::string StatusCodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  for (char& c : name) {
    c = c == ' ' ? '_' : static_cast<char>(std::toupper(c));
  }
  return name;
}

absl::Status StatusFromResponse(int http_status, std::string_view code_name,
                                std::string_view message,
                                std::optional<std::string> failure,
                                std::optional<uint64_t> gas_used) {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  for (int c = 1; c <= 16; ++c) {
    if (StatusCodeName(static_cast<absl::StatusCode>(c)) == code_name) {
      code = static_cast<absl::StatusCode>(c);
    }
  }
  if (http_status == HttpStatusOf(ErrorKind::kContractFailed) ||
      failure.has_value()) {
    return FailedCall(code, message, failure.value_or(""),
                      gas_used.value_or(0));
  }
  if (http_status == HttpStatusOf(ErrorKind::kTooLarge)) {
    return TooLarge(message);
  }
  if (code == absl::StatusCode::kUnknown) {
    // A response from something that is not a Ballast node, or an error it
    // wrote without a body: the HTTP status is all there is.
    for (const Row& r : kRows) {
      if (r.http == http_status && r.kind != ErrorKind::kNone) {
        absl::Status s(absl::StatusCode::kUnknown, ToAbsl(message));
        s.SetPayload(kKindUrl, absl::Cord(ToAbsl(r.name)));
        return s;
      }
    }
  }
  return absl::Status(code, ToAbsl(message));
}

}  // namespace ballast::api
