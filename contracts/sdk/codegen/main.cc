// protoc plugin entry point: protoc --plugin=protoc-gen-ballast=<this>
// --ballast_out=<dir> x.proto
#include <google/protobuf/compiler/plugin.h>

#include "contracts/sdk/codegen/generator.h"

int main(int argc, char* argv[]) {
  ballast::codegen::Generator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
