// ballastd's threads have room for the deepest recursion compiled contract
// code may make (node/thread_stacks.h).

#include "node/thread_stacks.h"

#include <pthread.h>

#include <thread>

#include "gtest/gtest.h"
#include "wasm/compiled/compiled_engine.h"

namespace ballast::node {
namespace {

// Without SizeThreadStacksForContracts a std::thread gets glibc's default,
// 8 MiB here (RLIMIT_STACK): half of what one level of the worst module
// needs, so such a module would run in the interpreter on every node
// thread.
TEST(ThreadStacksTest,
     ThreadsStartedAfterwardsHoldTwoLevelsOfTheDeepestRecursion) {
  const wasm::CompiledEngineOptions options;
  // 1002 frames of 16 KiB and the reserve.
  EXPECT_EQ(wasm::NativeStackPerLevel(options),
            size_t{1002} * (16 << 10) + (256 << 10));
  EXPECT_EQ(ContractThreadStackBytes(options),
            2 * wasm::NativeStackPerLevel(options));

  pthread_attr_t saved;
  ASSERT_EQ(pthread_getattr_default_np(&saved), 0);
  ASSERT_TRUE(SizeThreadStacksForContracts(options).ok());
  size_t remaining = 0;
  std::thread([&] { remaining = wasm::RemainingNativeStack(); }).join();
  // Never smaller: asking for less keeps what is there.
  wasm::CompiledEngineOptions small;
  small.max_frame_bytes = 1024;
  ASSERT_TRUE(SizeThreadStacksForContracts(small).ok());
  size_t remaining_after_small = 0;
  std::thread([&] {
    remaining_after_small = wasm::RemainingNativeStack();
  }).join();
  ASSERT_EQ(pthread_setattr_default_np(&saved), 0);
  pthread_attr_destroy(&saved);

  // What the thread's start took (TLS, its first frames) is well under
  // 1 MiB.
  EXPECT_GT(remaining, ContractThreadStackBytes(options) - (size_t{1} << 20));
  EXPECT_LE(remaining, ContractThreadStackBytes(options));
  EXPECT_GT(remaining_after_small,
            ContractThreadStackBytes(options) - (size_t{1} << 20));
}

}  // namespace
}  // namespace ballast::node
