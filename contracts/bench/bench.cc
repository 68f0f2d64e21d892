// Bench: the contract tools/bench measures. Raw methods (no interface):
//   sha256_64k   input: u32 LE rounds; output: the 32-byte digest of
//                HashRounds over a 64 KiB buffer (contracts/bench/sha256.h,
//                the same source the native side compiles)
//   host_calls   input: u32 LE n; calls bl_gas_left n times
//   loop_only    input: u32 LE n; the same loop without the host call

#include <cstdint>
#include <cstring>
#include <vector>

#include "ballast/contract.h"
#include "sha256.h"

namespace {

uint32_t InputU32() {
  std::string in = ballast::Input();
  uint32_t n = 0;
  if (in.size() == 4) std::memcpy(&n, in.data(), 4);
  return n;
}

volatile int64_t g_sink;

}  // namespace

BALLAST_METHOD(sha256_64k) {
  uint8_t digest[32];
  std::vector<uint8_t> buf(64 * 1024);  // on the heap: memory grows once
  ballast::bench::HashRounds(buf.data(), buf.size(), InputU32(), digest);
  ballast::SetOutput(
      std::string_view(reinterpret_cast<const char*>(digest), 32));
}

BALLAST_METHOD(host_calls) {
  uint32_t n = InputU32();
  int64_t acc = 0;
  for (uint32_t i = 0; i < n; ++i) acc += ballast::GasLeft();
  g_sink = acc;
}

BALLAST_METHOD(loop_only) {
  uint32_t n = InputU32();
  int64_t acc = 0;
  for (uint32_t i = 0; i < n; ++i) {
    acc += i;
    g_sink = acc;
  }
}
