// Wide-integer arithmetic for contract code: the forms of ballast/uint.h
// that abort the call instead of reporting, with a message naming what
// overflowed, plus storage of u128/U256 values as fixed-width big-endian
// bytes (readable as numbers in a proof document).
//
// Every function takes `what`, the quantity being computed, so a failure
// reads "vault: debt of position 7: overflow".

#ifndef BALLAST_CONTRACTS_SDK_BALLAST_FIXED_H_
#define BALLAST_CONTRACTS_SDK_BALLAST_FIXED_H_

#include <optional>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "ballast/uint.h"

namespace ballast {

inline u128 MulDiv(u128 a, u128 b, u128 c, Round round, std::string_view what) {
  std::optional<u128> v = MulDiv(a, b, c, round);
  if (!v) Abort({what, c == 0 ? ": division by zero" : ": overflow"});
  return *v;
}

inline u128 Div(const U256& a, u128 c, Round round, std::string_view what) {
  std::optional<u128> v = Div(a, c, round);
  if (!v) Abort({what, c == 0 ? ": division by zero" : ": overflow"});
  return *v;
}

inline U256 Add(const U256& a, const U256& b, std::string_view what) {
  U256 out;
  if (!Add(a, b, &out)) Abort({what, ": overflow"});
  return out;
}

inline U256 Sub(const U256& a, const U256& b, std::string_view what) {
  U256 out;
  if (!Sub(a, b, &out)) Abort({what, ": underflow"});
  return out;
}

inline U256 Mul(const U256& a, u128 b, std::string_view what) {
  U256 out;
  if (!Mul(a, b, &out)) Abort({what, ": overflow"});
  return out;
}

inline u128 Add(u128 a, u128 b, std::string_view what) {
  if (a > kU128Max - b) Abort({what, ": overflow"});
  return a + b;
}

inline u128 Sub(u128 a, u128 b, std::string_view what) {
  if (b > a) Abort({what, ": underflow"});
  return a - b;
}

inline u128 RPow(u128 x, uint64_t n, u128 one, Round round,
                 std::string_view what) {
  std::optional<u128> v = RPow(x, n, one, round);
  if (!v) Abort({what, ": overflow"});
  return *v;
}

// A request's decimal-integer field; aborts with "<what>: not a canonical
// non-negative integer below 2^128" (or 2^256).
inline u128 ParseU128(std::string_view text, std::string_view what) {
  u128 v = 0;
  if (!ParseU128(text, &v)) {
    Abort({what, ": not a canonical non-negative integer below 2^128"});
  }
  return v;
}

inline U256 ParseU256(std::string_view text, std::string_view what) {
  U256 v;
  if (!ParseU256(text, &v)) {
    Abort({what, ": not a canonical non-negative integer below 2^256"});
  }
  return v;
}

// A stored 16-byte big-endian field (e.g. of a record message); aborts with
// "<what>: corrupt u128" if it is not 16 bytes.
inline u128 DecodeU128(std::string_view bytes, std::string_view what) {
  u128 v = 0;
  if (!DecodeU128(bytes, &v)) Abort({what, ": corrupt u128"});
  return v;
}

// Storage: absent reads as 0; a value of the wrong width aborts.
inline u128 LoadU128(std::string_view key) {
  std::optional<std::string> bytes = Load(key);
  if (!bytes) return 0;
  u128 v = 0;
  if (!DecodeU128(*bytes, &v)) Abort("storage: corrupt u128");
  return v;
}

inline void StoreU128(std::string_view key, u128 v) {
  Store(key, EncodeU128(v));
}

inline U256 LoadU256(std::string_view key) {
  std::optional<std::string> bytes = Load(key);
  if (!bytes) return U256{};
  U256 v;
  if (!DecodeU256(*bytes, &v)) Abort("storage: corrupt u256");
  return v;
}

inline void StoreU256(std::string_view key, const U256& v) {
  Store(key, EncodeU256(v));
}

}  // namespace ballast

#endif  // BALLAST_CONTRACTS_SDK_BALLAST_FIXED_H_
