// RunOnSmallStack: runs a function on a fresh thread whose stack is small
// (kSmallStackBytes unless told), so that a recursion an input controls
// overflows it at a depth the tests can afford to build; the depth-limit tests
// run every input at its limit and past it this way and expect a clean refusal.

#ifndef BALLAST_TESTS_FUZZ_SMALL_STACK_H_
#define BALLAST_TESTS_FUZZ_SMALL_STACK_H_

#include <pthread.h>

#include <cstddef>
#include <functional>
#include <stdexcept>

namespace ballast::test {

#if defined(__SANITIZE_ADDRESS__)
#define BALLAST_SMALL_STACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BALLAST_SMALL_STACK_ASAN 1
#endif
#endif

// 256 KiB; AddressSanitizer's redzones make every frame several times
// larger, so its builds get 1 MiB for the same depths.
#ifdef BALLAST_SMALL_STACK_ASAN
inline constexpr size_t kSmallStackBytes = 1024 * 1024;
#else
inline constexpr size_t kSmallStackBytes = 256 * 1024;
#endif

// Runs `fn` to completion on a thread with a `stack_bytes` stack.
inline void RunOnSmallStack(std::function<void()> fn,
                            size_t stack_bytes = kSmallStackBytes) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (pthread_attr_setstacksize(&attr, stack_bytes) != 0) {
    pthread_attr_destroy(&attr);
    throw std::runtime_error("pthread_attr_setstacksize failed");
  }
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, body, &fn) != 0) {
    pthread_attr_destroy(&attr);
    throw std::runtime_error("pthread_create failed");
  }
  pthread_attr_destroy(&attr);
  pthread_join(thread, nullptr);
}

}  // namespace ballast::test

#endif  // BALLAST_TESTS_FUZZ_SMALL_STACK_H_
