// protoc-gen-ballast: turns a contract's interface (.proto, proto3) into
//   <stem>.ballast.h   a C++ struct per message and enum (codec.h encodes and
//                      decodes them, byte-identical to libprotobuf), and for
//                      the file's service: a struct declaring one static
//                      handler per rpc and a typed client for other contracts;
//   <stem>.ballast.cc  (only for a file with a service) one wasm export per
//                      rpc, named exactly as the rpc, that decodes the input,
//                      calls the handler and writes the encoded response.
// The conventions (rpc names, init, events) are in contracts/README.md.
//
// Parameters (--ballast_opt=a,b=c):
//   headers_only      do not write .ballast.cc (for another contract's
//                     interface that this contract calls)
//   namespace=a::b    C++ namespace for the generated types instead of the
//                     one derived from the proto package (host tests use it
//                     to keep libprotobuf's classes and these apart)
//
// Refused with an error naming the element: proto2, float/double fields,
// oneof, map, recursive messages, streaming rpcs, more than one service, rpc
// names that are not lower_snake_case or that a module may not export.

#ifndef BALLAST_CONTRACTS_SDK_CODEGEN_GENERATOR_H_
#define BALLAST_CONTRACTS_SDK_CODEGEN_GENERATOR_H_

#include <google/protobuf/compiler/code_generator.h>

#include <string>

namespace ballast::codegen {

class Generator : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file,
                const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;
  uint64_t GetSupportedFeatures() const override {
    return FEATURE_PROTO3_OPTIONAL;
  }
};

}  // namespace ballast::codegen

#endif  // BALLAST_CONTRACTS_SDK_CODEGEN_GENERATOR_H_
