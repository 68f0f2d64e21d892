// The API client without a node: which URLs it takes, what an unreachable
// node looks like, and how an error response becomes a status (kind, code,
// failure and gas kept) through the one error table.

#include "node/api/client.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/strings.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

using ::testing::HasSubstr;

TEST(ClientTest, AcceptsNodeUrlsOnly) {
  for (const char* url :
       {"http://127.0.0.1:8545", "127.0.0.1:9000", "http://localhost:1/",
        "localhost", "https://node.example.org:443", "http://[::1]:8545"}) {
    EXPECT_TRUE(Client::Create(url).ok()) << url;
  }
  for (const char* url : {"", "ftp://x", "http://", "http://a:b",
                          "http://host:8545/path", "a b"}) {
    auto c = Client::Create(url);
    EXPECT_TRUE(absl::IsInvalidArgument(c.status())) << url;
  }
  EXPECT_EQ((*Client::Create("localhost"))->url(), "http://localhost:8545");
}

TEST(ClientTest, UnreachableNodeIsUnavailableWithTheUrl) {
  // Port 1 on loopback: nothing listens there.
  auto node = Client::Create("http://127.0.0.1:1");
  ASSERT_TRUE(node.ok());
  auto info = (*node)->Info();
  EXPECT_TRUE(absl::IsUnavailable(info.status())) << info.status();
  EXPECT_THAT(info.status().message(),
              HasSubstr("node: cannot reach http://127.0.0.1:1"));
  EXPECT_EQ(ExitCodeOf(info.status()), ExitCodeOf(ErrorKind::kBusy));
}

TEST(ErrorTableTest, EveryKindHasOneHttpStatusAndExitCode) {
  struct Case {
    absl::Status status;
    ErrorKind kind;
    int http;
    int exit;
  } cases[] = {
      {absl::InvalidArgumentError("x"), ErrorKind::kBadRequest, 400, 3},
      {absl::OutOfRangeError("x"), ErrorKind::kBadRequest, 400, 3},
      {TooLarge("x"), ErrorKind::kTooLarge, 413, 3},
      {absl::NotFoundError("x"), ErrorKind::kNotFound, 404, 4},
      {absl::AlreadyExistsError("x"), ErrorKind::kConflict, 409, 5},
      {absl::FailedPreconditionError("x"), ErrorKind::kWrongState, 409, 5},
      {absl::ResourceExhaustedError("x"), ErrorKind::kBusy, 503, 6},
      {absl::UnavailableError("x"), ErrorKind::kBusy, 503, 6},
      {absl::DeadlineExceededError("x"), ErrorKind::kTimeout, 504, 7},
      {absl::InternalError("x"), ErrorKind::kInternal, 500, 8},
      {absl::DataLossError("x"), ErrorKind::kInternal, 500, 8},
      // A contract's own failure, whatever its code: 422, exit 1.
      {FailedCall(absl::StatusCode::kFailedPrecondition, "x", "aborted", 5),
       ErrorKind::kContractFailed, 422, 1},
      {FailedCall(absl::StatusCode::kAborted, "x", "trapped", 5),
       ErrorKind::kContractFailed, 422, 1},
      {FailedCall(absl::StatusCode::kResourceExhausted, "x", "out of gas", 5),
       ErrorKind::kContractFailed, 422, 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(KindOf(c.status), c.kind) << c.status;
    EXPECT_EQ(HttpStatusOf(c.status), c.http) << c.status;
    EXPECT_EQ(ExitCodeOf(c.status), c.exit) << c.status;
  }
  EXPECT_EQ(KindOf(absl::OkStatus()), ErrorKind::kNone);
  EXPECT_EQ(ExitCodeOf(absl::OkStatus()), 0);
}

TEST(ErrorTableTest, ResponsesRebuildTheStatusTheNodeHad) {
  absl::Status failed = StatusFromResponse(422, "FAILED_PRECONDITION",
                                           "aborted: no", "aborted", 1234);
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(KindOf(failed), ErrorKind::kContractFailed);
  EXPECT_EQ(FailureOf(failed), "aborted");
  EXPECT_EQ(GasUsedOf(failed), 1234u);

  absl::Status big = StatusFromResponse(413, "RESOURCE_EXHAUSTED", "too big",
                                        std::nullopt, std::nullopt);
  EXPECT_EQ(KindOf(big), ErrorKind::kTooLarge);  // not "busy": do not retry
  absl::Status full = StatusFromResponse(503, "RESOURCE_EXHAUSTED", "full",
                                         std::nullopt, std::nullopt);
  EXPECT_EQ(KindOf(full), ErrorKind::kBusy);
  // Something that is not a Ballast node: the HTTP status decides.
  absl::Status foreign =
      StatusFromResponse(404, "", "nope", std::nullopt, std::nullopt);
  EXPECT_EQ(KindOf(foreign), ErrorKind::kNotFound);
  EXPECT_EQ(StatusCodeName(absl::StatusCode::kInvalidArgument),
            "INVALID_ARGUMENT");
}

// 64-bit integers travel as strings (or numbers); the typed messages take
// both and refuse anything else.
TEST(ApiJsonTest, Uint64AcceptsNumbersAndDecimalStrings) {
  AccountView a;
  ASSERT_TRUE(JsonToProto(*ParseJson(R"({"nonce": 7})"), &a).ok());
  EXPECT_EQ(a.nonce(), 7u);
  ASSERT_TRUE(
      JsonToProto(*ParseJson(R"({"nonce": "18446744073709551615"})"), &a).ok());
  EXPECT_EQ(a.nonce(), 18446744073709551615u);
  ASSERT_TRUE(
      JsonToProto(*ParseJson(R"({"nonce": 18446744073709551615})"), &a).ok());
  EXPECT_EQ(a.nonce(), 18446744073709551615u);
  for (const char* bad : {R"("18446744073709551616")", R"("-1")", "-1",
                          R"("1e3x")", "1.5", R"(" 1")"}) {
    EXPECT_FALSE(
        JsonToProto(*ParseJson(StrCat(R"({"nonce": )", bad, "}")), &a).ok())
        << bad;
  }
}

// A contract's arguments ride as a google.protobuf.Value, which holds
// numbers as doubles: an integer beyond 2^53 arrives as its exact decimal.
TEST(ApiJsonTest, BigIntegersInContractArgsArriveExactly) {
  QueryRequest q;
  ASSERT_TRUE(JsonToProto(*ParseJson(R"({"method": "m", "args":
      {"amount": 18446744073709551615, "small": 250, "list": [9007199254740993]}})"),
                          &q)
                  .ok());
  auto back = ProtoToJson(q.args());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(DumpJson(*back),
            R"({"amount":"18446744073709551615","list":["9007199254740993"],)"
            R"("small":250})");
}

// Found by the json fuzz target: a non-integer number of 2^53 or more
// became a double printed as an integer literal, which read back as a
// string: the message did not survive its own JSON. Such numbers are
// refused; smaller ones and every integer round-trip.
TEST(ApiJsonTest, InexactNumbersBeyondTwoToThe53AreRefused) {
  QueryRequest q;
  for (const char* bad :
       {"18446747043709551.16", "9007199254740992.0", "-9.1e15", "1e300"}) {
    absl::Status s = JsonToProto(
        *ParseJson(StrCat(R"({"method": "m", "args": {"x": [)", bad, "]}}")),
        &q);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("field 'args': the number "))
        << bad;
  }
  for (const char* good :
       {"4503599627370495.5", "1.5", "-2.25e10", "9007199254740992", "1e3"}) {
    QueryRequest ok;
    ASSERT_TRUE(
        JsonToProto(
            *ParseJson(StrCat(R"({"method": "m", "args": )", good, "}")), &ok)
            .ok())
        << good;
    auto printed = ProtoToJson(ok);
    ASSERT_TRUE(printed.ok());
    QueryRequest back;
    ASSERT_TRUE(JsonToProto(*printed, &back).ok()) << DumpJson(*printed);
    EXPECT_EQ(back.SerializeAsString(), ok.SerializeAsString()) << good;
  }
}

TEST(ApiJsonTest, UnknownFieldsAreNamedWithTheMessagesFields) {
  ledger::SignedTransaction stx;
  auto s = JsonToProto(*ParseJson(R"({"tx": "0x01", "extra": 1})"), &stx);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "unknown field 'extra' (SignedTransaction has tx, signature)");
}

}  // namespace
}  // namespace ballast::api
