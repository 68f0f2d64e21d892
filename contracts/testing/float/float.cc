// Float: a module that uses double arithmetic in a method. It builds and
// validates, and is otherwise a well-formed contract (memory, ballast_abi_v1,
// env.bl_* imports only), so a runtime test can check that deploy refuses it
// for its floating-point instructions, naming the function.
//
// Method "scale" (raw): output = the 8-byte little-endian integer
// trunc(input length * 1.5).

#include <cstdint>

#include "ballast/contract.h"

namespace {
volatile double g_factor = 1.5;
}  // namespace

BALLAST_METHOD(scale) {
  double scaled = static_cast<double>(bl_input_len()) * g_factor;
  uint64_t value = static_cast<uint64_t>(scaled);
  char out[8];
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(value >> (8 * i));
  ballast::SetOutput(std::string_view(out, sizeof(out)));
}
