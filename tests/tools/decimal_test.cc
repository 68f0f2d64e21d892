// tools/cli/decimal.h: amounts, decimals, ratios and prices as the CLI reads
// them, refused when malformed, and back.

#include "tools/cli/decimal.h"

#include <string>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace ballast::cli {
namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(DecimalTest, AmountsAreDigitsUpTo2To64Minus1) {
  EXPECT_EQ(*ParseAmount("0", "amount"), 0u);
  EXPECT_EQ(*ParseAmount("42", "amount"), 42u);
  EXPECT_EQ(*ParseAmount("007", "amount"), 7u);
  EXPECT_EQ(*ParseAmount("18446744073709551615", "amount"), UINT64_MAX);
}

TEST(DecimalTest, MalformedAmountsAreRefusedNamingTheArgument) {
  for (const char* bad :
       {"-1", "1e3", "1.0", " 1", "1 ", "", "+1", "0x10", "1,000", "１"}) {
    auto r = ParseAmount(bad, "AMOUNT");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(Message(r.status()).find("AMOUNT: "), std::string::npos)
        << Message(r.status());
    EXPECT_NE(Message(r.status()).find("not an amount"), std::string::npos)
        << Message(r.status());
  }
}

TEST(DecimalTest, OverflowingAmountsAreRefused) {
  for (const char* big : {"18446744073709551616", "99999999999999999999",
                          "100000000000000000000000000000"}) {
    auto r = ParseAmount(big, "AMOUNT");
    ASSERT_FALSE(r.ok()) << big;
    EXPECT_NE(Message(r.status()).find("too large"), std::string::npos);
  }
}

TEST(DecimalTest, RatiosScaleByRay) {
  EXPECT_EQ(*ParseRay("1.5", "r"), "1500000000000000000000000000");
  EXPECT_EQ(*ParseRay("1.5234", "r"), "1523400000000000000000000000");
  EXPECT_EQ(*ParseRay("0", "r"), "0");
  EXPECT_EQ(*ParseRay("0.000000000000000000000000001", "r"), "1");
  EXPECT_EQ(*FormatRay("1523400000000000000000000000"), "1.5234");
  EXPECT_EQ(*FormatRay("1000000000000000000000000000"), "1");
  EXPECT_EQ(*FormatRay("1"), "0.000000000000000000000000001");
  EXPECT_EQ(*FormatRay("0"), "0");
}

TEST(DecimalTest, MalformedDecimalsAreRefused) {
  for (const char* bad : {"-1", "+1", "1e3", "1.", ".5", "1.2.3", " 1", "",
                          "1,5", "nan", "0x1"}) {
    auto r = ParseRay(bad, "--price");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(Message(r.status()).find("--price: "), std::string::npos);
  }
  auto digits = ParseRay("1.0000000000000000000000000001", "r");  // 28
  ASSERT_FALSE(digits.ok());
  EXPECT_NE(Message(digits.status()).find("28 fraction digits; at most 27"),
            std::string::npos)
      << Message(digits.status());
  auto big = ParseRay("340282366920.938463463374607431768211456", "r");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(Message(big.status()).find("below 2^128"), std::string::npos);
  EXPECT_TRUE(ParseRay("340282366920.938463463374607431768211455", "r").ok());
}

TEST(DecimalTest, PricesUseBothTokensDecimals) {
  // 2000 dollars (6 decimals) per token of 8 decimals: 2000 * 10^6 / 10^8
  // stable base units per collateral base unit = 20, as a RAY.
  EXPECT_EQ(*ParsePrice("2000", 8, 6, "p"), "20" + std::string(27, '0'));
  EXPECT_EQ(*FormatPrice("20" + std::string(27, '0'), 8, 6), "2000");
  // A collateral with 18 decimals and a stable with 6: scale 15.
  EXPECT_EQ(*ParsePrice("1.5", 18, 6, "p"), "15" + std::string(14, '0'));
  EXPECT_EQ(*PriceScale(18, 6), 15);
  auto fine = ParsePrice("1.0000000000000001", 18, 6, "p");  // 16 > 15
  EXPECT_FALSE(fine.ok());
  EXPECT_FALSE(ParsePrice("1", 19, 6, "p").ok());
}

TEST(DecimalTest, ContractIntegersAreChecked) {
  EXPECT_TRUE(CheckInteger("0", "v").ok());
  EXPECT_TRUE(
      CheckInteger("340282366920938463463374607431768211455", "v").ok());
  EXPECT_FALSE(
      CheckInteger("340282366920938463463374607431768211456", "v").ok());
  EXPECT_FALSE(CheckInteger("01", "v").ok());
  EXPECT_FALSE(CheckInteger("", "v").ok());
  EXPECT_FALSE(FormatRay("-1").ok());
}

RC_GTEST_PROP(DecimalProperty, AmountsRoundTrip, (uint64_t v)) {
  RC_ASSERT(*ParseAmount(std::to_string(v), "a") == v);
}

// Any integer below 2^64 at any scale 0..45 formats to a decimal that parses
// back to the same integer.
RC_GTEST_PROP(DecimalProperty, ScaledRoundTrip, (uint64_t hi, uint64_t lo)) {
  const int scale = *rc::gen::inRange(0, 46);
  unsigned __int128 v = (static_cast<unsigned __int128>(hi) << 64) | lo;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + v % 10));
    v /= 10;
  } while (v != 0);
  auto text = FormatScaled(digits, scale);
  RC_ASSERT(text.ok());
  auto back = ParseScaled(*text, scale, "x");
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == digits);
}

}  // namespace
}  // namespace ballast::cli
