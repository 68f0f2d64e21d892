// Protobuf messages <-> JSON, with the project's one change to protobuf's
// JSON mapping: `bytes` travel as "0x"-prefixed lower-case hex, not base64.
// The node's API, the CLI and contract interfaces all use these two
// functions, so every JSON document of the project follows the same rules:
//
// Printing (ProtoToJson): field names as in the .proto (snake_case); every
//   scalar and repeated field is printed, also at its default value; enums by
//   name; 64-bit integers as strings ("1000"), as the JSON mapping says.
// Parsing (JsonToProto): either spelling of a field name (proto or
//   lowerCamelCase); an unknown field is an error naming it and the message's
//   fields; 64-bit integers as strings or numbers; `bytes` fields (also
//   repeated, map values and google.protobuf.BytesValue) must be "0x" hex (""
//   is empty). Base64 or anything else is refused with a message naming the
//   field, e.g. "field 'to': bytes must be 0x-prefixed hex, got 'abc='". A
//   google.protobuf.Value field (arbitrary JSON, e.g. a contract call's
//   arguments in the API) holds numbers as doubles: integers beyond 2^53 in
//   it are turned into decimal strings first, so they arrive exactly.
//
// Errors are InvalidArgument. Thread-safe: the functions are pure.

#ifndef BALLAST_NODE_API_PROTO_JSON_H_
#define BALLAST_NODE_API_PROTO_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace ballast::api {

// JSON documents nested deeper than this (objects and arrays counted
// together) are refused by ParseJson, and messages nested deeper by the
// conversions: printing and converting recurse once per level, and the limit
// keeps them off the edge of the stack. Every recursive path is bounded:
//   - ParseJson: nlohmann's parser is iterative; the depth is counted there
//     and the document refused before it is built;
//   - printing and copying a json (recursive in nlohmann) and Walk: only on
//     documents ParseJson accepted, or on messages within the limit;
//   - ProtoToJson: the message's depth is measured first (iteratively) and
//     InvalidArgument "messages nested deeper than 64 levels" returned for a
//     deeper one (protobuf parses bytes 100 levels deep; its JSON printer
//     stops at 64);
//   - JsonToProto into google.protobuf.Value/Struct: two to three messages
//     per JSON level, so protobuf's parse limit (100) refuses a deep Value
//     cleanly (InvalidArgument) before anything recurses further.
inline constexpr int kMaxJsonDepth = 64;

// InvalidArgument if `msg` holds messages nested deeper than kMaxJsonDepth.
absl::StatusOr<nlohmann::json> ProtoToJson(
    const google::protobuf::Message& msg);

// Clears `msg` and fills it from `json`, which must be an object.
absl::Status JsonToProto(const nlohmann::json& json,
                         google::protobuf::Message* msg);

// Parses `text` as JSON; InvalidArgument "malformed JSON: ..." otherwise,
// and "JSON nested deeper than 64 levels" for a document nested deeper than
// kMaxJsonDepth. Every JSON document the node reads goes through here.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text);

// `j` as text; invalid UTF-8 in strings becomes U+FFFD instead of throwing.
// indent -1: compact.
std::string DumpJson(const nlohmann::json& j, int indent = -1);

// "0x" + lower-case hex of `bytes`.
std::string HexBytes(std::string_view bytes);

// Raw bytes of "0x"-prefixed hex. `what` names the value in the error.
absl::StatusOr<std::string> ParseHexBytes(std::string_view text,
                                          std::string_view what);

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_PROTO_JSON_H_
