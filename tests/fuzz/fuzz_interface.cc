// Fuzz target "interface": contract interface descriptor sets
// (node/api/contract_interface.h), which arrive in every deploy. The input
// is a FileDescriptorSet (with a 2-byte length prefix, FuzzInput) followed by
// message bytes; a set that builds then decodes the bytes as every method's
// request and response and every event, and each decoded JSON must encode
// back to bytes that decode to the same JSON.

#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "node/api/contract_interface.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using ballast::api::ContractInterface;

template <class Decode, class Encode>
void Check(const std::string& bytes, Decode decode, Encode encode) {
  auto json = decode(bytes);
  if (!json.ok()) return;
  auto encoded = encode(*json);
  if (!encoded.ok()) {
    std::fprintf(stderr, "decoded %s\nre-encoding it: %s\n", json->c_str(),
                 encoded.status().ToString().c_str());
  }
  FUZZ_CHECK(encoded.ok());
  auto again = decode(*encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static google::protobuf::LogSilencer* silence =
      new google::protobuf::LogSilencer;
  (void)silence;
  ballast::test::FuzzInput in(data, size);
  const std::string set = in.Take();
  const std::string bytes = in.Rest();
  auto iface = ContractInterface::FromDescriptorSet(set);
  if (!iface.ok()) return 0;
  FUZZ_CHECK(!iface->ServiceName().empty());
  for (const std::string& m : iface->Methods()) {
    Check(
        bytes, [&](const std::string& b) { return iface->DecodeRequest(m, b); },
        [&](const std::string& j) { return iface->EncodeRequest(m, j); });
    Check(
        bytes,
        [&](const std::string& b) { return iface->DecodeResponse(m, b); },
        [&](const std::string& j) { return iface->EncodeResponse(m, j); });
  }
  for (const std::string& e : iface->Events()) {
    Check(
        bytes, [&](const std::string& b) { return iface->DecodeEvent(e, b); },
        [&](const std::string& j) { return iface->EncodeEvent(e, j); });
  }
  return 0;
}
