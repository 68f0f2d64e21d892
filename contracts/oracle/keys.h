// Storage keys of the oracle (consensus-critical: every key is built here).
//
//   "A"                      admin address (20 bytes)
//   "F"                      FeedList: the feeds' names, in order added
//   "f" + feed               FeedParams: the feed's checked configuration
//   "s" + feed               FeedState: current, pending and tripped medians
//   "r" + feed + reporter    Report: the reporter's latest report
// (messages in oracle.proto; u128 values in them are 16 bytes big-endian).
//
// A feed name is 1..32 bytes of [A-Za-z0-9/_-] and a reporter 20 raw bytes.
// Keys of different kinds differ in their first byte; two "r" keys are equal
// only if their feeds and reporters are (the reporter is a fixed-width
// suffix, so the key's length fixes the feed's).

#ifndef BALLAST_CONTRACTS_ORACLE_KEYS_H_
#define BALLAST_CONTRACTS_ORACLE_KEYS_H_

#include <string>
#include <string_view>

#include "ballast/contract.h"

namespace ballast::oracle::keys {

inline constexpr std::string_view kAdmin = "A";
inline constexpr std::string_view kFeeds = "F";

inline std::string Config(std::string_view feed) {
  return std::string("f").append(feed);
}
inline std::string State(std::string_view feed) {
  return std::string("s").append(feed);
}
inline std::string Report(std::string_view feed, const Address& reporter) {
  return std::string("r").append(feed).append(reporter.bytes());
}

}  // namespace ballast::oracle::keys

#endif  // BALLAST_CONTRACTS_ORACLE_KEYS_H_
