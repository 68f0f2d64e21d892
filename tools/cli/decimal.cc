#include "tools/cli/decimal.h"

#include <algorithm>

#include "absl/status/status.h"
#include "ledger/base/strings.h"

namespace ballast::cli {
namespace {

constexpr std::string_view kMaxU64 = "18446744073709551615";
constexpr std::string_view kMaxU128 = "340282366920938463463374607431768211455";
// Scales above this cannot hold a non-zero value below 2^128 with a digit
// before the point, and are no price's or ratio's scale.
constexpr int kMaxScale = 45;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// Whether the digit string `digits` (no leading zeros, or "0") is at most
// `max` (same form).
bool AtMost(std::string_view digits, std::string_view max) {
  if (digits.size() != max.size()) return digits.size() < max.size();
  return digits <= max;
}

std::string StripLeadingZeros(std::string_view s) {
  size_t i = s.find_first_not_of('0');
  if (i == std::string_view::npos) return "0";
  return std::string(s.substr(i));
}

// A short, printable echo of what the user typed.
std::string Echo(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 48)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > 48) out += "...";
  return out;
}

}  // namespace

absl::StatusOr<uint64_t> ParseAmount(std::string_view text,
                                     std::string_view what) {
  if (!AllDigits(text)) {
    return absl::InvalidArgumentError(
        StrCat(what, ": '", Echo(text),
               "' is not an amount (an integer of base units: digits only, "
               "no sign, point, exponent or spaces)"));
  }
  std::string digits = StripLeadingZeros(text);
  if (!AtMost(digits, kMaxU64)) {
    return absl::InvalidArgumentError(StrCat(what, ": ", Echo(text),
                                             " is too large (at most ", kMaxU64,
                                             " base units)"));
  }
  uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

absl::Status CheckDecimalForm(std::string_view text, std::string_view what) {
  const size_t point = text.find('.');
  const bool well_formed =
      AllDigits(text.substr(0, point)) &&
      (point == std::string_view::npos || AllDigits(text.substr(point + 1)));
  if (well_formed) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat(
      what, ": '", Echo(text),
      "' is not a decimal number (digits with an optional fraction, e.g. "
      "1.5; no sign, exponent or spaces)"));
}

absl::StatusOr<std::string> ParseScaled(std::string_view text, int scale,
                                        std::string_view what) {
  if (scale < 0 || scale > kMaxScale) {
    return absl::InvalidArgumentError(
        StrCat(what, ": scale ", scale, " is out of range"));
  }
  if (absl::Status form = CheckDecimalForm(text, what); !form.ok()) {
    return form;
  }
  const size_t point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view frac = point == std::string_view::npos
                              ? std::string_view()
                              : text.substr(point + 1);
  if (frac.size() > static_cast<size_t>(scale)) {
    return absl::InvalidArgumentError(
        StrCat(what, ": '", Echo(text), "' has ", frac.size(),
               " fraction digits; at most ", scale, " fit exactly"));
  }
  std::string digits = StripLeadingZeros(
      StrCat(whole, frac, std::string(scale - frac.size(), '0')));
  if (!AtMost(digits, kMaxU128)) {
    return absl::InvalidArgumentError(
        StrCat(what, ": ", Echo(text), " is too large (scaled by 10^", scale,
               " it must stay below 2^128)"));
  }
  return digits;
}

absl::Status CheckInteger(std::string_view integer, std::string_view what) {
  if (!AllDigits(integer) || (integer.size() > 1 && integer[0] == '0') ||
      !AtMost(integer, kMaxU128)) {
    return absl::InvalidArgumentError(
        StrCat(what, ": '", Echo(integer),
               "' is not a canonical integer below 2^128"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FormatScaled(std::string_view integer, int scale) {
  if (absl::Status s = CheckInteger(integer, "value"); !s.ok()) return s;
  if (scale < 0 || scale > kMaxScale) {
    return absl::InvalidArgumentError(
        StrCat("scale ", scale, " is out of range"));
  }
  std::string padded(integer);
  if (padded.size() <= static_cast<size_t>(scale)) {
    padded.insert(0, scale + 1 - padded.size(), '0');
  }
  std::string whole = padded.substr(0, padded.size() - scale);
  std::string frac = padded.substr(padded.size() - scale);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? whole : whole + "." + frac;
}

absl::StatusOr<std::string> ParseRay(std::string_view text,
                                     std::string_view what) {
  return ParseScaled(text, kRayDigits, what);
}

absl::StatusOr<std::string> FormatRay(std::string_view ray) {
  return FormatScaled(ray, kRayDigits);
}

absl::StatusOr<int> PriceScale(int collateral_decimals, int stable_decimals) {
  for (int d : {collateral_decimals, stable_decimals}) {
    if (d < 0 || d > kMaxTokenDecimals) {
      return absl::InvalidArgumentError(
          StrCat("token decimals ", d, " out of range 0..", kMaxTokenDecimals));
    }
  }
  return kRayDigits + stable_decimals - collateral_decimals;
}

absl::StatusOr<std::string> ParsePrice(std::string_view text,
                                       int collateral_decimals,
                                       int stable_decimals,
                                       std::string_view what) {
  absl::StatusOr<int> scale = PriceScale(collateral_decimals, stable_decimals);
  if (!scale.ok()) return scale.status();
  return ParseScaled(text, *scale, what);
}

absl::StatusOr<std::string> FormatPrice(std::string_view ray,
                                        int collateral_decimals,
                                        int stable_decimals) {
  absl::StatusOr<int> scale = PriceScale(collateral_decimals, stable_decimals);
  if (!scale.ok()) return scale.status();
  return FormatScaled(ray, *scale);
}

}  // namespace ballast::cli
