// What the bridge charges, and its limits: work is paid before it is done,
// and no message can buy unbounded work. Gas runs at ~11 ns per gas on the
// reference engine (docs/gas.md); an ed25519 verification takes ~37 us on
// one core (TOOLCHAIN.md), hence 4,000 gas a signature.
//
// Thread-safe: constants and a function type.

#ifndef BALLAST_BRIDGE_CORE_GAS_H_
#define BALLAST_BRIDGE_CORE_GAS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"

namespace ballast::bridge {

// Limits.
inline constexpr size_t kMaxTrustedKeys = 32;
inline constexpr size_t kMaxHeaderSignatures = 32;
inline constexpr size_t kMaxChainIdBytes = 64;
// A state proof of a 256-bit key has at most 256 siblings of 32 bytes.
inline constexpr size_t kMaxProofBytes = 16 << 10;
inline constexpr size_t kMaxPacketDataBytes = 16 << 10;
inline constexpr size_t kMaxVersionBytes = 64;
inline constexpr size_t kMaxAckBytes = 16 << 10;

// Prices.
inline constexpr uint64_t kGasPerSignature = 4'000;
inline constexpr uint64_t kGasPerClientMessage = 10'000;
// A handshake step or a packet message: its reads and writes.
inline constexpr uint64_t kGasPerMessage = 10'000;
// A proof: per byte before it is parsed, per node hashed before verifying.
inline constexpr uint64_t kGasPerProofByte = 2;
inline constexpr uint64_t kGasPerProofNode = 100;
// Hashing a packet or an acknowledgement for its commitment, per byte.
inline constexpr uint64_t kGasPerHashedByte = 1;

// Charges `gas` for `what` against the transaction's gas; an error (out of
// gas) stops the message, and nothing charged is refunded.
using ChargeFn =
    std::function<absl::Status(uint64_t gas, std::string_view what)>;

}  // namespace ballast::bridge

#endif  // BALLAST_BRIDGE_CORE_GAS_H_
