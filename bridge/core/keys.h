// Every key of the bridge's table, built here and nowhere else
// (docs/formats.md will list them with the rest of the state's layout).
//
//   "c" + id                       ClientState of light client `id`
//   "cs" + id + 0x00 + height(8)   ConsensusState at `height` (big-endian)
//   "n" + name                     a counter (e.g. "nclient": clients made)
//
// Client ids are "client-N" (N from 0), so no id contains 0x00.

#ifndef BALLAST_BRIDGE_CORE_KEYS_H_
#define BALLAST_BRIDGE_CORE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ballast::bridge {

inline std::string ClientKey(std::string_view client) {
  return std::string("c").append(client);
}

inline std::string ConsensusKey(std::string_view client, uint64_t height) {
  std::string key = std::string("cs").append(client);
  key.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((height >> shift) & 0xff));
  }
  return key;
}

inline std::string CounterKey(std::string_view name) {
  return std::string("n").append(name);
}

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_KEYS_H_
