// Wide unsigned integers for contracts: u128 (the compiler's unsigned
// __int128) and U256, with exact products, division with an explicit
// rounding direction, decimal text and fixed-width big-endian bytes.
//
// Pure functions only: nothing here calls the host, so the header compiles
// natively too and tests/contracts/uint_test.cc checks it against
// boost::multiprecision. Nothing wraps silently: a result that does not fit
// is reported (nullopt or false) and the caller decides what to abort with;
// ballast/fixed.h has the aborting forms contracts use.
//
// Fixed point: a RAY is 10^27 (Maker's unit). A u128 holds RAY values up to
// ~3.4e11, a U256 holds "rad" values (an amount times a RAY) exactly.

#ifndef BALLAST_CONTRACTS_SDK_BALLAST_UINT_H_
#define BALLAST_CONTRACTS_SDK_BALLAST_UINT_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast {

using u128 = unsigned __int128;

inline constexpr u128 kU128Max = ~u128{0};

constexpr u128 Pow10(int n) {
  u128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}
inline constexpr u128 kRay = Pow10(27);

enum class Round { kDown, kUp };

// A 256-bit unsigned integer: hi * 2^128 + lo. Compares as a number.
struct U256 {
  u128 hi = 0;
  u128 lo = 0;

  friend constexpr auto operator<=>(const U256&, const U256&) = default;
};

constexpr U256 Widen(u128 v) { return U256{0, v}; }

// a * b, exact.
constexpr U256 Mul(u128 a, u128 b) {
  const u128 mask = ~uint64_t{0};
  u128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
  u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  u128 mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
  U256 r;
  r.lo = (mid << 64) | (p00 & mask);
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  return r;
}

// a * b into *out; false if the product does not fit 256 bits.
constexpr bool Mul(const U256& a, u128 b, U256* out) {
  U256 low = Mul(a.lo, b);
  U256 high = Mul(a.hi, b);
  if (high.hi != 0) return false;
  u128 hi = low.hi + high.lo;
  if (hi < low.hi) return false;
  *out = U256{hi, low.lo};
  return true;
}

// a + b into *out; false on overflow.
constexpr bool Add(const U256& a, const U256& b, U256* out) {
  u128 lo = a.lo + b.lo;
  u128 carry = lo < a.lo ? 1 : 0;
  u128 hi = a.hi + b.hi;
  if (hi < a.hi) return false;
  u128 hi2 = hi + carry;
  if (hi2 < hi) return false;
  *out = U256{hi2, lo};
  return true;
}

// a - b into *out; false if b > a.
constexpr bool Sub(const U256& a, const U256& b, U256* out) {
  if (b > a) return false;
  u128 borrow = a.lo < b.lo ? 1 : 0;
  *out = U256{a.hi - b.hi - borrow, a.lo - b.lo};
  return true;
}

// a = q * c + r with 0 <= r < c. False if c is 0 or q does not fit 128 bits
// (a.hi >= c).
constexpr bool DivRem(const U256& a, u128 c, u128* q, u128* r) {
  if (c == 0 || a.hi >= c) return false;
  if (a.hi == 0) {
    *q = a.lo / c;
    *r = a.lo % c;
    return true;
  }
  // Binary long division; the running remainder stays below c, and a bit
  // shifted out of it (carry) means it exceeded 2^128 > c.
  u128 rem = a.hi, quot = 0;
  for (int i = 127; i >= 0; --i) {
    bool carry = (rem >> 127) != 0;
    rem = (rem << 1) | ((a.lo >> i) & 1);
    quot <<= 1;
    if (carry || rem >= c) {
      rem -= c;
      quot |= 1;
    }
  }
  *q = quot;
  *r = rem;
  return true;
}

// a / c rounded as asked; nullopt if c is 0 or the quotient does not fit.
constexpr std::optional<u128> Div(const U256& a, u128 c, Round round) {
  u128 q = 0, r = 0;
  if (!DivRem(a, c, &q, &r)) return std::nullopt;
  if (round == Round::kUp && r != 0) {
    if (q == kU128Max) return std::nullopt;
    ++q;
  }
  return q;
}

// a * b / c with the full 256-bit product, rounded as asked; nullopt if c is
// 0 or the result does not fit 128 bits.
constexpr std::optional<u128> MulDiv(u128 a, u128 b, u128 c, Round round) {
  return Div(Mul(a, b), c, round);
}

// x^n for x a fixed-point number with `one` as its unit (kRay for RAY
// values), by squaring; every intermediate product is rounded as asked, so
// kUp never understates and kDown never overstates. nullopt on overflow.
constexpr std::optional<u128> RPow(u128 x, uint64_t n, u128 one, Round round) {
  u128 z = one;
  u128 base = x;
  while (n != 0) {
    if (n & 1) {
      std::optional<u128> next = MulDiv(z, base, one, round);
      if (!next) return std::nullopt;
      z = *next;
    }
    n >>= 1;
    if (n != 0) {
      std::optional<u128> sq = MulDiv(base, base, one, round);
      if (!sq) return std::nullopt;
      base = *sq;
    }
  }
  return z;
}

// ---- Text -------------------------------------------------------------------

// Decimal digits, no sign, no leading zeros ("0" for zero).
std::string ToDecimal(u128 v);
std::string ToDecimal(const U256& v);

// `v / 10^scale` as a decimal with at most `digits` fractional digits,
// truncated, trailing zeros dropped: ToFixed(15 * kRay / 10, 27, 4) is
// "1.5". For messages and queries; never parsed back by a contract.
std::string ToFixed(u128 v, int scale, int digits);

// Strict parse of a canonical decimal integer: digits only, no sign, no
// spaces, no leading zeros except "0" itself, and the value must fit. False
// otherwise (*out untouched).
bool ParseU128(std::string_view text, u128* out);
bool ParseU256(std::string_view text, U256* out);

// ---- Bytes ------------------------------------------------------------------

// Fixed-width big-endian bytes (16 and 32), so that a stored value reads as
// the number in a proof document. Decode is false unless the width matches.
std::string EncodeU128(u128 v);
std::string EncodeU256(const U256& v);
bool DecodeU128(std::string_view bytes, u128* out);
bool DecodeU256(std::string_view bytes, U256* out);

// ---- Definitions --------------------------------------------------------

namespace uint_internal {
// Divides the four 64-bit limbs (most significant first) by d in place and
// returns the remainder.
inline uint64_t DivLimbs(uint64_t limbs[4], uint64_t d) {
  u128 rem = 0;
  for (int i = 0; i < 4; ++i) {
    u128 cur = (rem << 64) | limbs[i];
    limbs[i] = static_cast<uint64_t>(cur / d);
    rem = cur % d;
  }
  return static_cast<uint64_t>(rem);
}
}  // namespace uint_internal

inline std::string ToDecimal(const U256& v) {
  uint64_t limbs[4] = {
      static_cast<uint64_t>(v.hi >> 64), static_cast<uint64_t>(v.hi),
      static_cast<uint64_t>(v.lo >> 64), static_cast<uint64_t>(v.lo)};
  char buf[80];
  int pos = sizeof(buf);
  while (true) {
    uint64_t chunk =
        uint_internal::DivLimbs(limbs, 10'000'000'000'000'000'000u);
    bool more = (limbs[0] | limbs[1] | limbs[2] | limbs[3]) != 0;
    // Lower chunks are padded to 19 digits; the top one is not.
    for (int i = 0; i < 19 && (more || chunk != 0 || i == 0); ++i) {
      buf[--pos] = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
    if (!more) break;
  }
  return std::string(buf + pos, sizeof(buf) - pos);
}

inline std::string ToDecimal(u128 v) { return ToDecimal(Widen(v)); }

inline std::string ToFixed(u128 v, int scale, int digits) {
  u128 unit = Pow10(scale);
  std::string out = ToDecimal(v / unit);
  u128 frac = v % unit;
  if (digits > scale) digits = scale;
  if (digits <= 0 || frac == 0) return out;
  frac /= Pow10(scale - digits);
  std::string f = ToDecimal(frac);
  f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
  while (!f.empty() && f.back() == '0') f.pop_back();
  if (!f.empty()) out += "." + f;
  return out;
}

inline bool ParseU256(std::string_view text, U256* out) {
  if (text.empty() || text.size() > 78) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  // Up to 19 digits at a time in a uint64_t, then one wide multiply-add
  // per chunk (a wide multiply per digit costs ~800 gas in a contract).
  U256 v;
  size_t i = 0;
  while (i < text.size()) {
    size_t n = text.size() - i < 19 ? text.size() - i : 19;
    uint64_t chunk = 0;
    for (size_t j = i; j < i + n; ++j) {
      char c = text[j];
      if (c < '0' || c > '9') return false;
      chunk = chunk * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!Mul(v, Pow10(static_cast<int>(n)), &v)) return false;
    if (!Add(v, Widen(chunk), &v)) return false;
    i += n;
  }
  *out = v;
  return true;
}

inline bool ParseU128(std::string_view text, u128* out) {
  U256 v;
  if (!ParseU256(text, &v) || v.hi != 0) return false;
  *out = v.lo;
  return true;
}

inline std::string EncodeU128(u128 v) {
  std::string out(16, '\0');
  for (int i = 15; i >= 0; --i) {
    out[i] = static_cast<char>(static_cast<uint8_t>(v));
    v >>= 8;
  }
  return out;
}

inline std::string EncodeU256(const U256& v) {
  return EncodeU128(v.hi) + EncodeU128(v.lo);
}

inline bool DecodeU128(std::string_view bytes, u128* out) {
  if (bytes.size() != 16) return false;
  u128 v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  *out = v;
  return true;
}

inline bool DecodeU256(std::string_view bytes, U256* out) {
  if (bytes.size() != 32) return false;
  U256 v;
  if (!DecodeU128(bytes.substr(0, 16), &v.hi) ||
      !DecodeU128(bytes.substr(16), &v.lo)) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace ballast

#endif  // BALLAST_CONTRACTS_SDK_BALLAST_UINT_H_
