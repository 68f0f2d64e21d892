// Fuzz target "codec": the contract SDK's codec (contracts/sdk/ballast/
// codec.h, host build) against libprotobuf on the same bytes, through the
// generated structs of tests/contracts/codec_test.proto (every field shape
// the generator supports). Both must give the same verdict, and for
// accepted bytes the same values (compared through their encodings); our
// encoding must decode back to itself.

#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <string>

#include "tests/contracts/codec_test.ballast.h"
#include "tests/contracts/codec_test.pb.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static google::protobuf::LogSilencer* silence =
      new google::protobuf::LogSilencer;  // libprotobuf logs bad UTF-8
  (void)silence;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ballast::codectest::fuzz::AllTypes ours;
  ballast::codectest::AllTypes theirs;
  const bool ours_ok = ours.Decode(bytes);
  const bool theirs_ok = theirs.ParseFromString(bytes);
  FUZZ_CHECK(ours_ok == theirs_ok);
  if (!ours_ok) return 0;
  theirs.DiscardUnknownFields();
  const std::string encoded = ours.Encode();
  FUZZ_CHECK(encoded == theirs.SerializeAsString());
  ballast::codectest::fuzz::AllTypes back;
  FUZZ_CHECK(back.Decode(encoded));
  FUZZ_CHECK(back == ours);
  return 0;
}
