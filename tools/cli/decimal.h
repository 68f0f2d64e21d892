// Strict conversions between the text a person types and the integers the
// contracts take (contracts/vault/vault.proto, "Units"):
//
//   amount   token base units, uint64: digits only ("^[0-9]+$"), at most
//            2^64-1. "-1", "1e3", "1.0", " 1", "" are refused.
//   decimal  a non-negative decimal "1.5234" scaled by 10^scale into a
//            canonical integer string below 2^128 (RAY: scale 27). No sign,
//            no exponent, no spaces, no more fraction digits than the scale
//            can hold exactly (nothing is rounded).
//   price    a person's price (e.g. "2000" stable units per collateral
//            token) as the vault engine and the oracle read it: RAY of
//            stable base units per collateral base unit, so its scale is
//            27 + stable decimals - collateral decimals.
//
// Every refusal is InvalidArgument naming `what` (the argument) and the rule.
// Pure functions; thread-safe.

#ifndef BALLAST_TOOLS_CLI_DECIMAL_H_
#define BALLAST_TOOLS_CLI_DECIMAL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ballast::cli {

// Fixed-point scale of ratios, penalties, fees and prices (10^27).
inline constexpr int kRayDigits = 27;
// Most decimals a token may have (contracts/token/token.proto).
inline constexpr int kMaxTokenDecimals = 18;

// An amount in base units.
absl::StatusOr<uint64_t> ParseAmount(std::string_view text,
                                     std::string_view what);

// "1.5" with scale 27 -> "1500000000000000000000000000". 0 <= scale <= 45.
absl::StatusOr<std::string> ParseScaled(std::string_view text, int scale,
                                        std::string_view what);
// Only the form of a decimal (digits, an optional point and fraction), to
// refuse a malformed argument before anything else is looked up.
absl::Status CheckDecimalForm(std::string_view text, std::string_view what);
// A canonical integer string below 2^128 (as the contracts write RAYs), for
// reading contract output; InvalidArgument otherwise.
absl::Status CheckInteger(std::string_view integer, std::string_view what);
// The inverse of ParseScaled: "1500000000000000000000000000", 27 -> "1.5"
// (no trailing zeros; "0" for zero). `integer` must pass CheckInteger.
absl::StatusOr<std::string> FormatScaled(std::string_view integer, int scale);

// Ratios (RAY).
absl::StatusOr<std::string> ParseRay(std::string_view text,
                                     std::string_view what);
absl::StatusOr<std::string> FormatRay(std::string_view ray);

// Prices: the scale of a price between tokens of these decimals (0..18).
absl::StatusOr<int> PriceScale(int collateral_decimals, int stable_decimals);
absl::StatusOr<std::string> ParsePrice(std::string_view text,
                                       int collateral_decimals,
                                       int stable_decimals,
                                       std::string_view what);
absl::StatusOr<std::string> FormatPrice(std::string_view ray,
                                        int collateral_decimals,
                                        int stable_decimals);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_DECIMAL_H_
