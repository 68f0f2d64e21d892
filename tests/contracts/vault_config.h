// The vault system's standard test configuration, in units a test can read:
// RAY fixed-point text ("1.5" -> 1.5 * 10^27), prices of a collateral with
// 8 decimals against the 6-decimal stable, and the collateral type and
// auction settings the vault tests (tests/contracts/vault_fixture.h) and the
// bridge's voucher-as-collateral test use.

#ifndef BALLAST_TESTS_CONTRACTS_VAULT_CONFIG_H_
#define BALLAST_TESTS_CONTRACTS_VAULT_CONFIG_H_

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <string>

#include "contracts/auction/auction.pb.h"
#include "contracts/vault/vault.pb.h"

namespace ballast::vault {

using Big = boost::multiprecision::cpp_int;

inline const Big kRayBig = Big("1000000000000000000000000000");

inline std::string Ray(const std::string& whole_and_frac) {
  // "1.5" -> 1.5 * 10^27 as decimal text (test input only).
  size_t dot = whole_and_frac.find('.');
  std::string whole = whole_and_frac.substr(0, dot);
  std::string frac =
      dot == std::string::npos ? "" : whole_and_frac.substr(dot + 1);
  frac.resize(27, '0');
  // (A leading 0 would make boost read the digits as octal.)
  frac.erase(0, std::min(frac.find_first_not_of('0'), frac.size() - 1));
  Big v = Big(whole) * kRayBig + Big(frac);
  return v.str();
}

// ETH at $2,000 with 8 decimals, the stable with 6: a collateral base unit
// is worth 2000 * 10^6 / 10^8 = 20 stable base units.
inline std::string PriceOf(const std::string& usd_per_eth) {
  Big v = Big(Ray(usd_per_eth)) / 100;
  return v.str();
}

inline constexpr uint64_t kEth = 100'000'000;  // one ETH in base units
inline constexpr uint64_t kUsd = 1'000'000;    // one stable in base units

inline TypeConfig StandardConfig() {
  TypeConfig c;
  c.set_liquidation_ratio(Ray("1.5"));
  c.set_liquidation_penalty(Ray("1.13"));
  c.set_line(10'000'000 * kUsd);
  c.set_dust(100 * kUsd);
  c.set_fee(Ray("1"));
  c.set_hole(5'000'000 * kUsd);
  c.set_tip(10 * kUsd);
  c.set_chip(Ray("0.01"));
  c.set_redemption_fee(Ray("0.005"));
  return c;
}

// Start at 1.05 times the oracle price, 1% off a minute, reset after an
// hour or below 60% of the start.
inline auction::AuctionConfig StandardAuctionConfig() {
  auction::AuctionConfig c;
  c.set_buf(Ray("1.05"));
  c.set_tail(3600);
  c.set_cusp(Ray("0.6"));
  c.set_step(60);
  c.set_cut(Ray("0.99"));
  return c;
}

}  // namespace ballast::vault

#endif  // BALLAST_TESTS_CONTRACTS_VAULT_CONFIG_H_
