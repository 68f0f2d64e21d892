// ContractInterface: a contract's methods and events, read from its
// interface descriptor (a serialized google.protobuf.FileDescriptorSet, as
// stored in Deploy.interface and ContractInfo.interface), and the conversion
// of its messages between JSON and protobuf bytes.
//
// Convention (contracts/README.md): the contract's .proto is the LAST file of
// the set (protoc --include_imports puts the requested file after its
// imports) and declares exactly one service. Each rpc is a method: its name is
// the method name, its input type the request message, its output type the
// response. The messages of that file whose names end in "Event" (and are
// longer than that) are the contract's events, named by their short name
// ("TransferEvent"), as contracts emit them.
//
// JSON follows node/proto_json.h: protobuf's JSON mapping with bytes as "0x"
// hex; printing uses the .proto field names and prints default values. An
// empty (or all-whitespace) JSON text means "{}".
//
//   ASSIGN_OR_RETURN(ContractInterface token,
//                    ContractInterface::FromDescriptorSet(desc));
//   ASSIGN_OR_RETURN(std::string input,
//                    token.EncodeRequest("transfer", R"({"to": "0x..",
//                                                          "amount": 5})"));
//   ... call; then token.DecodeResponse("transfer", output) ...
//
// Errors: an unknown method or event -> NotFound naming the known ones
// ("no method 'x' (methods: a, b)"); malformed JSON, a wrong type or an
// unknown field -> InvalidArgument "<method> request: <reason>"; bytes that
// do not parse as the message -> InvalidArgument.
//
// Thread-safety: a ContractInterface is immutable after construction and may
// be used from any number of threads. Copies are cheap and share the
// underlying descriptor pool.

#ifndef BALLAST_NODE_API_CONTRACT_INTERFACE_H_
#define BALLAST_NODE_API_CONTRACT_INTERFACE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace ballast::api {

// Most files a descriptor set may hold (a contract's .proto and its imports;
// protoc --include_imports of the SDK's protos gives a handful). Files are
// built after their imports by an iterative walk, so the bound is on work,
// not stack depth. Protobuf's parser limits message nesting to 100 levels.
inline constexpr int kMaxInterfaceFiles = 64;

class ContractInterface {
 public:
  // Builds the interface; InvalidArgument if `descriptor_set` does not parse,
  // holds more than kMaxInterfaceFiles files, a file does not build (e.g. a
  // missing import or an import cycle), or the last file does not declare
  // exactly one service.
  static absl::StatusOr<ContractInterface> FromDescriptorSet(
      std::string_view descriptor_set);

  // Full name of the service, e.g. "ballast.token.Token".
  const std::string& ServiceName() const;
  // rpc names in declaration order.
  const std::vector<std::string>& Methods() const;
  // Event message names (short) in declaration order.
  const std::vector<std::string>& Events() const;
  bool HasMethod(std::string_view method) const;
  bool HasEvent(std::string_view name) const;

  // The message types, or NotFound. Valid as long as any copy of this
  // interface lives.
  absl::StatusOr<const google::protobuf::Descriptor*> RequestType(
      std::string_view method) const;
  absl::StatusOr<const google::protobuf::Descriptor*> ResponseType(
      std::string_view method) const;
  absl::StatusOr<const google::protobuf::Descriptor*> EventType(
      std::string_view name) const;

  // JSON -> serialized message bytes.
  absl::StatusOr<std::string> EncodeRequest(std::string_view method,
                                            std::string_view json) const;
  absl::StatusOr<std::string> EncodeResponse(std::string_view method,
                                             std::string_view json) const;
  absl::StatusOr<std::string> EncodeEvent(std::string_view name,
                                          std::string_view json) const;

  // Serialized message bytes -> compact JSON text.
  absl::StatusOr<std::string> DecodeRequest(std::string_view method,
                                            std::string_view bytes) const;
  absl::StatusOr<std::string> DecodeResponse(std::string_view method,
                                             std::string_view bytes) const;
  absl::StatusOr<std::string> DecodeEvent(std::string_view name,
                                          std::string_view bytes) const;

  // The descriptor set this interface was built from.
  const std::string& descriptor_set() const;

 private:
  struct Rep;
  explicit ContractInterface(std::shared_ptr<const Rep> rep);

  std::shared_ptr<const Rep> rep_;
};

// Compiles the .proto file at `proto_path` (with its imports, resolved
// against `include_dirs` and then the file's own directory) into a
// serialized FileDescriptorSet in the form protoc --include_imports
// --descriptor_set_out writes, imports first. The result is checked with
// ContractInterface::FromDescriptorSet. InvalidArgument with protoc-style
// "file:line:column: message" errors; NotFound if the file does not exist.
absl::StatusOr<std::string> CompileInterface(
    const std::string& proto_path,
    const std::vector<std::string>& include_dirs);

}  // namespace ballast::api

#endif  // BALLAST_NODE_API_CONTRACT_INTERFACE_H_
