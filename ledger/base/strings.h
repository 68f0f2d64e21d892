// String building that accepts std::string_view.
//
// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW 0, so
// absl::string_view is its own type and absl::StrCat rejects a
// std::string_view. The project's APIs use std::string_view; build messages
// with ballast::StrCat, which forwards to absl::StrCat.

#ifndef BALLAST_LEDGER_BASE_STRINGS_H_
#define BALLAST_LEDGER_BASE_STRINGS_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ballast {

namespace strings_internal {
template <typename T>
decltype(auto) ToAlphaNumArg(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return absl::string_view(v.data(), v.size());
  } else {
    return (v);
  }
}
}  // namespace strings_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(strings_internal::ToAlphaNumArg(args)...);
}

// Returns `bytes` unchanged where it is valid UTF-8; every byte that is not
// part of a valid UTF-8 sequence becomes the four characters "\xNN". Use it
// on text a contract supplies (abort messages, method names) before it enters
// a protobuf `string` field, which must hold UTF-8.
std::string SanitizeUtf8(std::string_view bytes);

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace ballast

#endif  // BALLAST_LEDGER_BASE_STRINGS_H_
