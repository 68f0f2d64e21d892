// contracts/sdk/ballast/uint.h checked natively against
// boost::multiprecision: products, sums, differences, division in both
// rounding directions, powers, decimal text and big-endian bytes, on random
// operands concentrated near the edges (0, 1, powers of two, the maximum).

#include "ballast/uint.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <string>

namespace ballast {
namespace {

using Big = boost::multiprecision::cpp_int;

Big ToBig(u128 v) {
  Big b = static_cast<uint64_t>(v >> 64);
  b <<= 64;
  b += static_cast<uint64_t>(v);
  return b;
}
Big ToBig(const U256& v) { return (ToBig(v.hi) << 128) + ToBig(v.lo); }

const Big kTwo128 = Big(1) << 128;
const Big kTwo256 = Big(1) << 256;

// u128 values: random bits of random width, and edge values.
rc::Gen<u128> GenU128() {
  return rc::gen::weightedOneOf<u128>(
      {{4, rc::gen::apply(
               [](uint64_t hi, uint64_t lo, int shift) {
                 u128 v = (static_cast<u128>(hi) << 64) | lo;
                 return shift >= 128 ? u128{0} : v >> shift;
               },
               rc::gen::arbitrary<uint64_t>(), rc::gen::arbitrary<uint64_t>(),
               rc::gen::inRange(0, 129))},
       {1, rc::gen::element<u128>(0, 1, 2, 10, kRay, kRay + 1, kRay - 1,
                                  kU128Max, kU128Max - 1, u128{1} << 64,
                                  (u128{1} << 64) - 1, u128{1} << 127)}});
}

rc::Gen<U256> GenU256() {
  return rc::gen::apply(
      [](u128 hi, u128 lo) {
        return U256{hi, lo};
      },
      GenU128(), GenU128());
}

RC_GTEST_PROP(UintTest, MulIsExact, ()) {
  u128 a = *GenU128(), b = *GenU128();
  RC_ASSERT(ToBig(Mul(a, b)) == ToBig(a) * ToBig(b));
}

RC_GTEST_PROP(UintTest, WideMulAddSubMatchOrReportOverflow, ()) {
  U256 a = *GenU256(), b = *GenU256();
  u128 c = *GenU128();
  U256 out;
  Big product = ToBig(a) * ToBig(c);
  RC_ASSERT(Mul(a, c, &out) == (product < kTwo256));
  if (product < kTwo256) RC_ASSERT(ToBig(out) == product);
  Big sum = ToBig(a) + ToBig(b);
  RC_ASSERT(Add(a, b, &out) == (sum < kTwo256));
  if (sum < kTwo256) RC_ASSERT(ToBig(out) == sum);
  RC_ASSERT(Sub(a, b, &out) == (ToBig(a) >= ToBig(b)));
  if (ToBig(a) >= ToBig(b)) RC_ASSERT(ToBig(out) == ToBig(a) - ToBig(b));
  RC_ASSERT((a < b) == (ToBig(a) < ToBig(b)));
  RC_ASSERT((a == b) == (ToBig(a) == ToBig(b)));
}

RC_GTEST_PROP(UintTest, MulDivRoundsAsAskedOrReportsOverflow, ()) {
  u128 a = *GenU128(), b = *GenU128(), c = *GenU128();
  std::optional<u128> down = MulDiv(a, b, c, Round::kDown);
  std::optional<u128> up = MulDiv(a, b, c, Round::kUp);
  if (c == 0) {
    RC_ASSERT(!down && !up);
    return;
  }
  Big n = ToBig(a) * ToBig(b);
  Big q = n / ToBig(c);
  Big q_up = q + (n % ToBig(c) != 0 ? 1 : 0);
  RC_ASSERT(down.has_value() == (q < kTwo128));
  RC_ASSERT(up.has_value() == (q_up < kTwo128));
  if (down) RC_ASSERT(ToBig(*down) == q);
  if (up) RC_ASSERT(ToBig(*up) == q_up);
}

RC_GTEST_PROP(UintTest, DivOfAWideNumerator, ()) {
  U256 a = *GenU256();
  u128 c = *GenU128();
  RC_PRE(c != 0);
  u128 q = 0, r = 0;
  Big want_q = ToBig(a) / ToBig(c);
  bool fits = want_q < kTwo128;
  RC_ASSERT(DivRem(a, c, &q, &r) == fits);
  if (fits) {
    RC_ASSERT(ToBig(q) == want_q);
    RC_ASSERT(ToBig(r) == ToBig(a) % ToBig(c));
  }
}

// RPow rounds every step the same way, so kDown <= exact <= kUp; checked
// against the same step-by-step computation in big integers.
RC_GTEST_PROP(UintTest, RPowMatchesStepwiseRounding, ()) {
  // Per-second rates a little above one, as stability fees are.
  u128 x = kRay + *rc::gen::inRange<uint64_t>(0, 100'000'000'000'000'000);
  uint64_t n = *rc::gen::inRange<uint64_t>(0, 400'000'000);
  for (Round round : {Round::kDown, Round::kUp}) {
    Big one = ToBig(kRay), z = one, base = ToBig(x);
    auto step = [&](const Big& p, const Big& q) {
      Big prod = p * q;
      Big res = prod / one;
      if (round == Round::kUp && prod % one != 0) res += 1;
      return res;
    };
    uint64_t k = n;
    while (k != 0) {
      if (k & 1) z = step(z, base);
      k >>= 1;
      if (k != 0) base = step(base, base);
    }
    std::optional<u128> got = RPow(x, n, kRay, round);
    // The squaring can overflow before z does; only compare when it fits.
    if (got) RC_ASSERT(ToBig(*got) == z);
  }
}

TEST(UintTest, RPowKnownValues) {
  EXPECT_EQ(*RPow(2 * kRay, 10, kRay, Round::kDown), 1024 * kRay);
  EXPECT_EQ(*RPow(kRay / 2, 3, kRay, Round::kDown), kRay / 8);
  EXPECT_EQ(*RPow(12345, 0, kRay, Round::kUp), kRay);
  EXPECT_FALSE(RPow(kU128Max, 2, kRay, Round::kDown).has_value());
  // 5% a year as a per-second RAY rate (Maker's jug value) compounds to
  // 1.05 over 365 days, within one part in 10^18.
  u128 fee = 0;  // RAY
  ASSERT_TRUE(ParseU128("1000000001547125957863212448", &fee));
  u128 year = *RPow(fee, 365 * 24 * 3600, kRay, Round::kUp);
  u128 want = 105 * kRay / 100;
  u128 diff = year > want ? year - want : want - year;
  EXPECT_LT(diff, kRay / 1'000'000'000'000'000'000);
}

RC_GTEST_PROP(UintTest, DecimalRoundTrips, ()) {
  U256 v = *GenU256();
  std::string text = ToDecimal(v);
  RC_ASSERT(text == ToBig(v).str());
  U256 back;
  RC_ASSERT(ParseU256(text, &back));
  RC_ASSERT(back == v);
  u128 w = *GenU128();
  u128 w_back = 0;
  RC_ASSERT(ToDecimal(w) == ToBig(w).str());
  RC_ASSERT(ParseU128(ToDecimal(w), &w_back));
  RC_ASSERT(w_back == w);
}

TEST(UintTest, ParseRefusesWhatIsNotACanonicalInteger) {
  u128 v = 7;
  for (const char* bad :
       {"", "-1", "+1", "01", "00", " 1", "1 ", "1.0", "1e3", "0x10", "١",
        "340282366920938463463374607431768211456"}) {
    EXPECT_FALSE(ParseU128(bad, &v)) << bad;
  }
  EXPECT_EQ(v, 7u);  // untouched
  EXPECT_TRUE(ParseU128("340282366920938463463374607431768211455", &v));
  EXPECT_EQ(v, kU128Max);
  EXPECT_TRUE(ParseU128("0", &v));
  EXPECT_EQ(v, 0u);
  U256 w;
  EXPECT_FALSE(ParseU256(std::string(78, '9'), &w));  // > 2^256 - 1
  EXPECT_FALSE(ParseU256(std::string(79, '1'), &w));
  EXPECT_TRUE(ParseU256(
      "115792089237316195423570985008687907853269984665640564039457584007913"
      "129639935",
      &w));
  EXPECT_EQ(w, (U256{kU128Max, kU128Max}));
}

TEST(UintTest, ToFixedTruncates) {
  EXPECT_EQ(ToFixed(15 * kRay / 10, 27, 4), "1.5");
  EXPECT_EQ(ToFixed(kRay, 27, 4), "1");
  EXPECT_EQ(ToFixed(0, 27, 4), "0");
  EXPECT_EQ(ToFixed(kRay + kRay / 3, 27, 4), "1.3333");
  EXPECT_EQ(ToFixed(kRay / 100'000, 27, 4), "0");
  EXPECT_EQ(ToFixed(123456, 6, 2), "0.12");
  EXPECT_EQ(ToFixed(1'005'000, 6, 3), "1.005");
}

RC_GTEST_PROP(UintTest, BytesAreFixedWidthBigEndian, ()) {
  U256 v = *GenU256();
  std::string bytes = EncodeU256(v);
  RC_ASSERT(bytes.size() == 32u);
  Big from_bytes = 0;
  for (char c : bytes) from_bytes = (from_bytes << 8) + static_cast<uint8_t>(c);
  RC_ASSERT(from_bytes == ToBig(v));
  U256 back;
  RC_ASSERT(DecodeU256(bytes, &back));
  RC_ASSERT(back == v);
  u128 w = 0;
  RC_ASSERT(!DecodeU128(bytes, &w));  // wrong width
  RC_ASSERT(!DecodeU256(bytes.substr(1), &back));
}

}  // namespace
}  // namespace ballast
