// Hashes that identify chain objects. Each is SHA-256 over bytes fixed by a
// documented rule, so any two nodes (and the bridge's light clients) agree.
//
// Thread-safe: all functions are pure.

#ifndef BALLAST_LEDGER_HASHING_H_
#define BALLAST_LEDGER_HASHING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/message_lite.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "ledger/ballast.pb.h"

namespace ballast::ledger {

// The message's serialization with deterministic mode on: fields in number
// order, map entries sorted. This is the only serialization that may be
// hashed or stored.
std::string SerializeDeterministic(const google::protobuf::MessageLite& msg);

// SHA-256 of stx.tx(), the signed bytes (32 raw bytes).
std::string TxHash(const SignedTransaction& stx);

// SHA-256 of SerializeDeterministic(header) (32 raw bytes).
std::string BlockHash(const BlockHeader& header);

// The executable hash of contract code: SHA-256("ballast/code" ||
// u32be(instrumenter_version) || instrumented wasm) (32 raw bytes;
// docs/formats.md 3). Contract code is stored and cached under it, so the
// same wasm instrumented by two instrumenter versions is two codes.
std::string ExecutableHash(uint32_t instrumenter_version,
                           std::string_view instrumented_wasm);

// The Merkle Tree Hash of RFC 6962 section 2.1 over the transactions' hashes
// in block order (leaf = SHA-256(0x00 || TxHash), node = SHA-256(0x01 || left
// || right), the left subtree holding the largest power of two below n),
// except that the root of an empty list is 32 zero bytes.
std::string ComputeTxRoot(
    const google::protobuf::RepeatedPtrField<SignedTransaction>& txs);

// The same root over already-computed leaf data (the tx hashes).
std::string MerkleRoot(const std::vector<std::string>& leaves);

// SHA-256 of SerializeDeterministic(receipt) (32 raw bytes).
std::string ReceiptHash(const Receipt& receipt);

// MerkleRoot over the receipts' hashes in block order: the header's
// receipts_root. It commits to each receipt's status, gas, output, error
// and events.
std::string ComputeReceiptsRoot(const std::vector<Receipt>& receipts);

// 32 zero bytes: the parent hash of block 1 and the state root before it.
const std::string& ZeroHash();

}  // namespace ballast::ledger

#endif  // BALLAST_LEDGER_HASHING_H_
