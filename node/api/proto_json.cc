#include "node/api/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"

namespace ballast::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Which way the walk converts a bytes value.
enum class Direction { kHexToBase64, kBase64ToHex };

std::string Shorten(const std::string& s) {
  return s.size() <= 40 ? s : s.substr(0, 37) + "...";
}

absl::Status ConvertBytes(nlohmann::json& v, const std::string& path,
                          Direction dir) {
  if (dir == Direction::kBase64ToHex) {
    std::string raw;
    if (!v.is_string() ||
        !absl::Base64Unescape(v.get_ref<const std::string&>(), &raw)) {
      return absl::InternalError(StrCat(
          "field '", path, "': protobuf printed bytes that are not base64"));
    }
    v = HexBytes(raw);
    return absl::OkStatus();
  }
  if (!v.is_string()) {
    return absl::InvalidArgumentError(StrCat(
        "field '", path, "': bytes must be a 0x-prefixed hex string, got ",
        Shorten(DumpJson(v))));
  }
  auto raw = ParseHexBytes(v.get_ref<const std::string&>(),
                           StrCat("field '", path, "'"));
  if (!raw.ok()) return raw.status();
  v = absl::Base64Escape(*raw);
  return absl::OkStatus();
}

absl::Status Walk(const Descriptor* d, nlohmann::json& j,
                  const std::string& path, Direction dir, int depth);

// Integers a double cannot hold exactly (|v| > 2^53).
bool BeyondDouble(const nlohmann::json& v) {
  constexpr uint64_t kExact = uint64_t{1} << 53;
  if (v.is_number_unsigned()) return v.get<uint64_t>() > kExact;
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    return i > static_cast<int64_t>(kExact) ||
           i < -static_cast<int64_t>(kExact);
  }
  return false;
}

// Non-integer numbers (with a fraction or an exponent) of magnitude 2^53
// or more. A double that large is a whole number, and is printed as an
// integer literal, which then reads back as a string (ProtectNumbers): the
// message would not survive its own JSON.
bool InexactBeyondDouble(const nlohmann::json& v) {
  return v.is_number_float() &&
         std::fabs(v.get<double>()) >= static_cast<double>(uint64_t{1} << 53);
}

// A google.protobuf.Value holds numbers as doubles. Before one is parsed,
// integers it could not hold exactly become decimal strings, which every
// integer field of a contract message accepts as the same number: a 64-bit
// amount sent as a JSON number arrives intact. A non-integer number that
// large is refused: it has already lost digits, and it would not convert
// back to the same message. Iterative: the depth of `root` is bounded by
// ParseJson, but nothing here relies on it.
absl::Status ProtectNumbers(nlohmann::json& root, const std::string& path) {
  std::vector<nlohmann::json*> stack{&root};
  while (!stack.empty()) {
    nlohmann::json* v = stack.back();
    stack.pop_back();
    if (BeyondDouble(*v)) {
      *v = v->dump();
    } else if (InexactBeyondDouble(*v)) {
      return absl::InvalidArgumentError(
          StrCat("field '", path, "': the number ", v->dump(),
                 " is not an integer and is 2^53 or more in magnitude, so it "
                 "cannot be held exactly; send it as an integer or a string"));
    } else if (v->is_structured()) {
      for (auto& child : *v) stack.push_back(&child);
    }
  }
  return absl::OkStatus();
}

// The field names of `d`, for error messages.
std::string FieldNames(const Descriptor* d) {
  std::string names;
  for (int i = 0; i < d->field_count(); ++i) {
    if (i > 0) names += ", ";
    names += d->field(i)->name();
  }
  return names.empty() ? "no fields" : names;
}

// One value of field `f` (an element, for repeated fields).
absl::Status ConvertValue(const FieldDescriptor* f, nlohmann::json& v,
                          const std::string& path, Direction dir, int depth) {
  if (v.is_null()) return absl::OkStatus();
  if (f->type() == FieldDescriptor::TYPE_BYTES) {
    return ConvertBytes(v, path, dir);
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::OkStatus();
  }
  const Descriptor* m = f->message_type();
  if (m->full_name() == "google.protobuf.BytesValue") {
    return ConvertBytes(v, path, dir);
  }
  if (m->full_name() == "google.protobuf.Value" &&
      dir == Direction::kHexToBase64) {
    return ProtectNumbers(v, path);
  }
  // Other well-known types have their own JSON forms and hold no bytes.
  if (m->file()->package() == "google.protobuf") return absl::OkStatus();
  return Walk(m, v, path, dir, depth + 1);
}

// Converts every bytes value in `j`, a JSON rendering of message type `d`.
// Shapes that do not match the descriptor are left for protobuf to refuse.
absl::Status Walk(const Descriptor* d, nlohmann::json& j,
                  const std::string& path, Direction dir, int depth) {
  if (depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError(StrCat(
        "field '", path, "': messages nested deeper than ", kMaxJsonDepth));
  }
  if (!j.is_object()) return absl::OkStatus();
  for (auto& [key, value] : j.items()) {
    const FieldDescriptor* f = d->FindFieldByName(key);
    for (int i = 0; f == nullptr && i < d->field_count(); ++i) {
      if (d->field(i)->json_name() == key) f = d->field(i);
    }
    if (f == nullptr) {
      if (dir == Direction::kBase64ToHex) continue;
      return absl::InvalidArgumentError(
          StrCat("unknown field '", path.empty() ? key : StrCat(path, ".", key),
                 "' (", d->name(), " has ", FieldNames(d), ")"));
    }
    std::string fpath = path.empty() ? key : StrCat(path, ".", key);
    if (f->is_map()) {
      if (!value.is_object()) continue;
      const FieldDescriptor* vf = f->message_type()->map_value();
      for (auto& [k, v] : value.items()) {
        RETURN_IF_ERROR(
            ConvertValue(vf, v, StrCat(fpath, "[", k, "]"), dir, depth));
      }
    } else if (f->is_repeated()) {
      if (!value.is_array()) continue;
      for (size_t i = 0; i < value.size(); ++i) {
        RETURN_IF_ERROR(
            ConvertValue(f, value[i], StrCat(fpath, "[", i, "]"), dir, depth));
      }
    } else {
      RETURN_IF_ERROR(ConvertValue(f, value, fpath, dir, depth));
    }
  }
  return absl::OkStatus();
}

// InvalidArgument if `root` holds messages nested deeper than kMaxJsonDepth
// (counting `root` as 1). Protobuf parses bytes up to 100 levels deep, but
// its JSON printer stops at 64 with an error that would otherwise read as
// the node's own fault. Iterative.
absl::Status CheckMessageDepth(const google::protobuf::Message& root) {
  using google::protobuf::Message;
  using google::protobuf::Reflection;
  std::vector<std::pair<const Message*, int>> stack{{&root, 1}};
  std::vector<const FieldDescriptor*> fields;
  while (!stack.empty()) {
    auto [m, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxJsonDepth) {
      return absl::InvalidArgumentError(StrCat(root.GetTypeName(),
                                               ": messages nested deeper than ",
                                               kMaxJsonDepth, " levels"));
    }
    const Reflection* r = m->GetReflection();
    fields.clear();
    r->ListFields(*m, &fields);
    for (const FieldDescriptor* f : fields) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          stack.push_back({&r->GetRepeatedMessage(*m, f, i), depth + 1});
        }
      } else {
        stack.push_back({&r->GetMessage(*m, f), depth + 1});
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string DumpJson(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HexBytes(std::string_view bytes) {
  return StrCat("0x", ToHex(bytes));
}

absl::StatusOr<std::string> ParseHexBytes(std::string_view text,
                                          std::string_view what) {
  if (text.empty()) return std::string();
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return absl::InvalidArgumentError(
        StrCat(what, ": bytes must be 0x-prefixed hex, got '",
               Shorten(std::string(text)), "'"));
  }
  auto raw = FromHex(text);
  if (!raw.ok()) {
    return absl::InvalidArgumentError(
        StrCat(what, ": bytes must be 0x-prefixed hex, got '",
               Shorten(std::string(text)), "' (", raw.status().message(), ")"));
  }
  return raw;
}

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text) {
  // Parsing itself is iterative, but printing and converting a document
  // recurse once per level: refuse a deep one before it is ever built, by
  // stopping the parser at the first object or array that is too deep.
  struct TooDeep {};
  int depth = 0;
  auto limit_depth = [&depth](int, nlohmann::json::parse_event_t event,
                              nlohmann::json&) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start || event == Event::array_start) {
      if (++depth > kMaxJsonDepth) throw TooDeep{};
    } else if (event == Event::object_end || event == Event::array_end) {
      --depth;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, limit_depth);
  } catch (const TooDeep&) {
    return absl::InvalidArgumentError(
        StrCat("JSON nested deeper than ", kMaxJsonDepth, " levels"));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(StrCat("malformed JSON: ", e.what()));
  }
}

absl::StatusOr<nlohmann::json> ProtoToJson(
    const google::protobuf::Message& msg) {
  RETURN_IF_ERROR(CheckMessageDepth(msg));
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string text;
  auto status =
      google::protobuf::util::MessageToJsonString(msg, &text, options);
  if (!status.ok()) {
    return absl::InternalError(StrCat("print ", msg.GetTypeName(), " as JSON: ",
                                      status.message().ToString()));
  }
  ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text));
  RETURN_IF_ERROR(Walk(msg.GetDescriptor(), j, "", Direction::kBase64ToHex, 0));
  return j;
}

absl::Status JsonToProto(const nlohmann::json& json,
                         google::protobuf::Message* msg) {
  msg->Clear();
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        StrCat("expected a JSON object for ", msg->GetDescriptor()->name(),
               ", got ", Shorten(DumpJson(json))));
  }
  nlohmann::json copy = json;
  RETURN_IF_ERROR(
      Walk(msg->GetDescriptor(), copy, "", Direction::kHexToBase64, 0));
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(DumpJson(copy), msg, options);
  if (!status.ok()) {
    msg->Clear();
    return absl::InvalidArgumentError(StrCat(msg->GetDescriptor()->name(), ": ",
                                             status.message().ToString()));
  }
  return absl::OkStatus();
}

}  // namespace ballast::api
