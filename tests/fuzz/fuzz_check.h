// FUZZ_CHECK: the invariant a fuzz target asserts; on failure it prints the
// condition and aborts, which libFuzzer and the replay tests report as a
// crash. Not assert(): it holds in every build type.

#ifndef BALLAST_TESTS_FUZZ_FUZZ_CHECK_H_
#define BALLAST_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

namespace ballast::test {

// Splits a fuzz input into parts: each Take() returns the next part, whose
// length is a 2-byte little-endian prefix (clamped to what is left); the
// last part is Rest(). (libFuzzer's FuzzedDataProvider ships with clang
// only, and the replay binaries are built by g++.)
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), left_(size) {}
  std::string Take() {
    size_t n = 0;
    if (left_ >= 2) {
      n = p_[0] | (size_t{p_[1]} << 8);
      p_ += 2;
      left_ -= 2;
    } else {
      p_ += left_;
      left_ = 0;
    }
    if (n > left_) n = left_;
    std::string out(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    left_ -= n;
    return out;
  }
  uint8_t Byte() {
    if (left_ == 0) return 0;
    --left_;
    return *p_++;
  }
  std::string Rest() {
    std::string out(reinterpret_cast<const char*>(p_), left_);
    p_ += left_;
    left_ = 0;
    return out;
  }

 private:
  const uint8_t* p_;
  size_t left_;
};

// The inverse of Take(), for building seeds.
inline std::string Prefixed(const std::string& part) {
  std::string out;
  out.push_back(static_cast<char>(part.size() & 0xff));
  out.push_back(static_cast<char>((part.size() >> 8) & 0xff));
  return out + part;
}

}  // namespace ballast::test

#endif  // BALLAST_TESTS_FUZZ_FUZZ_CHECK_H_
