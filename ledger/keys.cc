// Key layout. Every key starts with a one-byte table prefix; numbers are
// fixed-width big-endian so that LevelDB's bytewise order is numeric order;
// addresses (20 bytes) and hashes (32 bytes) are raw and fixed-width, so a
// prefix never matches a longer neighbour's key.
//
//   'm' "head"                             -> head: height(8 BE) || hash(32)
//   'm' "format"                           -> data format version(4 BE) ||
//                                             instrumenter version(4 BE)
//   'a' address(20)                        -> Account
//   'c' address(20)                        -> ContractInfo
//   's' contract(20) raw_key(any length)   -> raw value bytes
//   'w' executable_hash(32)                -> CodeRecord
//   'b' height(8 BE)                       -> Block
//   'h' block_hash(32)                     -> height(8 BE)
//   't' tx_hash(32)                        -> TxRecord
//   'e' height(8) tx_index(4) event_index(4)           -> Event
//   'x' contract(20) height(8) tx_index(4) event_index(4) -> Event
//   'n' name_len(1) name height(8) tx_index(4) event_index(4) -> empty
//   'y' contract(20) name_len(1) name height(8) tx_index(4) event_index(4)
//                                                          -> empty
//   'g' raw_key(any length)                -> the bridge's record (bytes)
//   'm' "tree-oldest"                      -> oldest retained tree version
//                                             (8 BE)
//   'j' version(8 BE) depth(2 BE) path(ceil(depth/8))  -> state tree node
//   'k' stale_since(8 BE) version(8 BE) depth(2 BE) path -> empty
//
// State tables are 'a', 'c', 's', 'w', 'g'; the rest is history and indexes.
// The state tree ('j', with its stale index 'k') is derived from the state
// tables; its node encodings are documented at the top of state_tree.cc. A
// path is the first `depth` bits of a 32-byte tree key, most significant bit
// first, in ceil(depth/8) bytes whose unused low bits are 0.
// Values are deterministic protobuf serializations unless noted. Events are
// stored in full under 'e' and 'x' (and in their receipt), so a query by
// block range or contract is a single forward scan. The name indexes 'n' and
// 'y' hold only positions: a query by name scans the entries of that name
// alone and reads each event from 'e'. An event name is 1..255 bytes
// (kMaxEventNameBytes); its length byte keeps one name from being a prefix
// of another name's keys.

#include "ledger/keys.h"

#include <cassert>

#include "ledger/base/bytes.h"

namespace ballast::ledger::keys {
namespace {

std::string Key(Table t, std::string_view a = {}, std::string_view b = {}) {
  std::string k;
  k.reserve(1 + a.size() + b.size());
  k.push_back(static_cast<char>(t));
  k.append(a);
  k.append(b);
  return k;
}

std::string Position(uint64_t height, uint32_t tx_index, uint32_t event_index) {
  return EncodeBigEndian64(height) + EncodeBigEndian32(tx_index) +
         EncodeBigEndian32(event_index);
}

std::string Name(std::string_view name) {
  assert(!name.empty() && name.size() <= kMaxEventNameBytes);
  std::string out(1, static_cast<char>(static_cast<uint8_t>(name.size())));
  out.append(name);
  return out;
}

}  // namespace

bool IsStateTable(Table t) {
  return t == Table::kAccount || t == Table::kContract ||
         t == Table::kStorage || t == Table::kCode || t == Table::kBridge;
}

std::string TablePrefix(Table t) { return Key(t); }

const char* KeyKind(std::string_view key) {
  if (key.empty()) return "unknown";
  switch (static_cast<Table>(key[0])) {
    case Table::kMeta:
      return "meta";
    case Table::kAccount:
      return "account";
    case Table::kContract:
      return "contract";
    case Table::kStorage:
      return "storage";
    case Table::kCode:
      return "code";
    case Table::kBlock:
      return "block";
    case Table::kBlockHash:
      return "block hash index";
    case Table::kTx:
      return "tx record";
    case Table::kEventByBlock:
      return "event (by block)";
    case Table::kEventByContract:
      return "event (by contract)";
    case Table::kEventByName:
      return "event (by name)";
    case Table::kEventByContractName:
      return "event (by contract and name)";
    case Table::kTreeNode:
      return "state tree node";
    case Table::kTreeStale:
      return "state tree stale index";
    case Table::kBridge:
      return "bridge";
  }
  return "unknown";
}

std::string HeadKey() { return Key(Table::kMeta, "head"); }

std::string FormatKey() { return Key(Table::kMeta, "format"); }

std::string AccountKey(std::string_view address) {
  assert(address.size() == kAddressSize);
  return Key(Table::kAccount, address);
}

std::string ContractKey(std::string_view address) {
  assert(address.size() == kAddressSize);
  return Key(Table::kContract, address);
}

std::string CodeKey(std::string_view executable_hash) {
  assert(executable_hash.size() == kHashSize);
  return Key(Table::kCode, executable_hash);
}

std::string StoragePrefix(std::string_view contract) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kStorage, contract);
}

std::string StorageKey(std::string_view contract, std::string_view key) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kStorage, contract, key);
}

std::string BridgeKey(std::string_view raw_key) {
  return Key(Table::kBridge, raw_key);
}

std::string BlockKey(uint64_t height) {
  return Key(Table::kBlock, EncodeBigEndian64(height));
}

std::string BlockHashKey(std::string_view block_hash) {
  assert(block_hash.size() == kHashSize);
  return Key(Table::kBlockHash, block_hash);
}

std::string TxKey(std::string_view tx_hash) {
  assert(tx_hash.size() == kHashSize);
  return Key(Table::kTx, tx_hash);
}

std::string EventByBlockKey(uint64_t height, uint32_t tx_index,
                            uint32_t event_index) {
  return Key(Table::kEventByBlock, Position(height, tx_index, event_index));
}

std::string EventByBlockStart(uint64_t height) {
  return Key(Table::kEventByBlock, EncodeBigEndian64(height));
}

std::string EventByContractKey(std::string_view contract, uint64_t height,
                               uint32_t tx_index, uint32_t event_index) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kEventByContract, contract,
             Position(height, tx_index, event_index));
}

std::string EventByContractPrefix(std::string_view contract) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kEventByContract, contract);
}

std::string EventByContractStart(std::string_view contract, uint64_t height) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kEventByContract, contract, EncodeBigEndian64(height));
}

std::string EventByNameKey(std::string_view name, uint64_t height,
                           uint32_t tx_index, uint32_t event_index) {
  return Key(Table::kEventByName, Name(name),
             Position(height, tx_index, event_index));
}

std::string EventByNamePrefix(std::string_view name) {
  return Key(Table::kEventByName, Name(name));
}

std::string EventByNameStart(std::string_view name, uint64_t height) {
  return Key(Table::kEventByName, Name(name), EncodeBigEndian64(height));
}

std::string EventByContractNameKey(std::string_view contract,
                                   std::string_view name, uint64_t height,
                                   uint32_t tx_index, uint32_t event_index) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kEventByContractName, contract,
             Name(name) + Position(height, tx_index, event_index));
}

std::string EventByContractNamePrefix(std::string_view contract,
                                      std::string_view name) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kEventByContractName, contract, Name(name));
}

std::string EventByContractNameStart(std::string_view contract,
                                     std::string_view name, uint64_t height) {
  assert(contract.size() == kAddressSize);
  return Key(Table::kEventByContractName, contract,
             Name(name) + EncodeBigEndian64(height));
}

std::string TreeNodeKey(uint64_t version, std::string_view path, size_t depth) {
  assert(depth <= 256 && path.size() * 8 >= depth);
  std::string bits(path.substr(0, (depth + 7) / 8));
  if (depth % 8 != 0) {
    bits.back() =
        static_cast<char>(static_cast<uint8_t>(bits.back()) &
                          static_cast<uint8_t>(0xff << (8 - depth % 8)));
  }
  std::string d(2, '\0');
  d[0] = static_cast<char>(depth >> 8);
  d[1] = static_cast<char>(depth & 0xff);
  return Key(Table::kTreeNode, EncodeBigEndian64(version), d + bits);
}

uint64_t TreeNodeVersion(std::string_view node_key) {
  assert(node_key.size() >= 11);
  return DecodeBigEndian64(node_key.substr(1, 8));
}

std::string TreeStaleKey(uint64_t stale_since) {
  return Key(Table::kTreeStale, EncodeBigEndian64(stale_since));
}

std::string TreeOldestKey() { return Key(Table::kMeta, "tree-oldest"); }

}  // namespace ballast::ledger::keys
