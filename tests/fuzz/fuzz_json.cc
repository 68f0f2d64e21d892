// Fuzz target "json": the API's JSON parsing and protobuf JSON mapping
// (node/api/proto_json.h) as the HTTP edge uses them: the input is a request
// body, parsed by ParseJson and converted by JsonToProto into each message
// type the API reads (QueryRequest's args is a google.protobuf.Value). Whatever
// is accepted must print (ProtoToJson) and convert back to an equal message.

#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/ballast.pb.h"
#include "node/api/api.pb.h"
#include "node/api/proto_json.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace ballast;  // NOLINT

void RoundTrip(const nlohmann::json& j, google::protobuf::Message* msg) {
  if (!api::JsonToProto(j, msg).ok()) return;
  auto printed = api::ProtoToJson(*msg);
  // Accepted messages are at most kMaxJsonDepth deep: they print.
  FUZZ_CHECK(printed.ok());
  std::unique_ptr<google::protobuf::Message> back(msg->New());
  absl::Status s = api::JsonToProto(*printed, back.get());
  FUZZ_CHECK(s.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*msg, *back));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = api::ParseJson(text);
  if (!j.ok()) return 0;
  // Printing never throws, whatever the strings hold.
  const std::string dumped = api::DumpJson(*j);
  auto again = api::ParseJson(dumped);
  FUZZ_CHECK(again.ok());
  {
    ledger::SignedTransaction m;  // POST /v1/tx
    RoundTrip(*j, &m);
  }
  {
    api::QueryRequest m;  // POST /v1/query
    RoundTrip(*j, &m);
  }
  {
    api::EventsRequest m;
    RoundTrip(*j, &m);
  }
  {
    ledger::Transaction m;  // the CLI's unsigned transactions
    RoundTrip(*j, &m);
  }
  return 0;
}
