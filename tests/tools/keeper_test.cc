// The keeper's exact take arithmetic (tools/keeper/keeper.h): the margin
// test and the most collateral a capital pays for, at the edges of their
// 128-bit inputs, against the same rules computed another way.

#include "tools/keeper/keeper.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace ballast::keeper {
namespace {

using u128 = unsigned __int128;

u128 Ray() {
  u128 r = 1;
  for (int i = 0; i < 27; ++i) r *= 10;
  return r;
}
constexpr uint64_t kOne = 1'000'000'000'000'000'000ull;  // margin scale
constexpr u128 kMaxU128 = ~u128{0};

TEST(KeeperMathTest, PriceWithinMargin) {
  const u128 oracle = 2000 * Ray();
  // 3%: 1940 is within, 1940 + 1 wei is not.
  const uint64_t m = 30'000'000'000'000'000ull;
  EXPECT_TRUE(PriceWithinMargin(1940 * Ray(), oracle, m));
  EXPECT_FALSE(PriceWithinMargin(1940 * Ray() + 1, oracle, m));
  EXPECT_TRUE(PriceWithinMargin(0, oracle, m));
  EXPECT_TRUE(PriceWithinMargin(oracle, oracle, 0));
  EXPECT_FALSE(PriceWithinMargin(oracle + 1, oracle, 0));
  // No overflow at the largest prices (products need 192 bits).
  EXPECT_TRUE(PriceWithinMargin(kMaxU128, kMaxU128, 0));
  EXPECT_FALSE(PriceWithinMargin(kMaxU128, kMaxU128, 1));
  EXPECT_TRUE(PriceWithinMargin(kMaxU128 / 2, kMaxU128, kOne / 2));
  EXPECT_FALSE(PriceWithinMargin(kMaxU128 / 2 + 1, kMaxU128, kOne / 2));
}

TEST(KeeperMathTest, AffordableAmount) {
  const u128 price = 1260 * Ray() / 100;  // 12.6 base units per base unit
  // 1260 * 10^6 stable base units buy 10^8 base units exactly.
  EXPECT_EQ(AffordableAmount(price, 1260'000'000, 200'000'000), 100'000'000u);
  EXPECT_EQ(AffordableAmount(price, 1259'999'999, 200'000'000), 99'999'999u);
  EXPECT_EQ(AffordableAmount(price, 1260'000'000, 5), 5u);  // the lot bounds
  EXPECT_EQ(AffordableAmount(price, 0, 5), 0u);
  // The largest price and capital: floor((2^64 - 1) * 10^27 / (2^128 - 1))
  // = floor(10^27 / 2^64) (10^27 / 2^64 = 54210108.62...).
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(AffordableAmount(kMaxU128, max, max), 54'210'108u);
}

RC_GTEST_PROP(KeeperMathProperty, AffordableIsTheLargestThatFits, ()) {
  // Prices up to 2^64 RAY units keep the check below within 128 bits.
  const u128 price = *rc::gen::inRange<uint64_t>(1, 1ull << 62);
  const uint64_t capital = *rc::gen::inRange<uint64_t>(0, 1ull << 40);
  const uint64_t lot = *rc::gen::inRange<uint64_t>(0, 1ull << 40);
  const uint64_t a = AffordableAmount(price, capital, lot);
  RC_ASSERT(a <= lot);
  auto cost = [&](u128 amount) { return (amount * price + Ray() - 1) / Ray(); };
  RC_ASSERT(cost(a) <= capital);
  if (a < lot) RC_ASSERT(cost(u128{a} + 1) > capital);
  // What a submit-only keeper spends is exactly that cost.
  RC_ASSERT(u128{TakeCost(price, a)} == cost(a));
}

TEST(KeeperMathTest, TakeCostRoundsUpAndSaturates) {
  const u128 price = 1260 * Ray() / 100;
  EXPECT_EQ(TakeCost(price, 100'000'000), 1260'000'000u);
  EXPECT_EQ(TakeCost(price, 1), 13u);  // 12.6 rounded up
  EXPECT_EQ(TakeCost(price, 0), 0u);
  EXPECT_EQ(TakeCost(kMaxU128, std::numeric_limits<uint64_t>::max()),
            std::numeric_limits<uint64_t>::max());
}

TEST(KeeperMathTest, ParseU128) {
  EXPECT_TRUE(ParseU128("340282366920938463463374607431768211455", "p").ok());
  EXPECT_FALSE(ParseU128("340282366920938463463374607431768211456", "p").ok());
  EXPECT_FALSE(ParseU128("-1", "p").ok());
  EXPECT_FALSE(ParseU128("", "p").ok());
}

}  // namespace
}  // namespace ballast::keeper
