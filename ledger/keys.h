// Every LevelDB key the ledger writes is built here and nowhere else: the
// layout is consensus-critical (the state digest and the state root hash
// chain cover state keys byte for byte). The layout is documented at the top
// of keys.cc.
//
// Builders REQUIRE correctly sized addresses (kAddressSize) and hashes
// (kHashSize); callers validate untrusted input first.
//
// Thread-safe: all functions are pure.

#ifndef BALLAST_LEDGER_KEYS_H_
#define BALLAST_LEDGER_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ballast::ledger::keys {

// One-byte prefix per table.
enum class Table : char {
  kMeta = 'm',
  kAccount = 'a',
  kContract = 'c',
  kStorage = 's',
  kCode = 'w',
  kBlock = 'b',
  kBlockHash = 'h',
  kTx = 't',
  kEventByBlock = 'e',
  kEventByContract = 'x',
  kEventByName = 'n',
  kEventByContractName = 'y',
  kTreeNode = 'j',   // state tree nodes (ledger/state_tree.h)
  kTreeStale = 'k',  // state tree stale-node index
  kBridge = 'g',     // the bridge module's records (bridge/core/keys.h)
};

// The longest event name the ledger stores (a name's length is one byte of
// the name indexes' keys). The runtime's own limit is lower.
inline constexpr size_t kMaxEventNameBytes = 255;

// True for the tables holding world state (accounts, contracts, storage,
// code, the bridge's records), as opposed to chain history and indexes.
bool IsStateTable(Table t);

// The single prefix byte of `t`, as a string.
std::string TablePrefix(Table t);

// A short lowercase name of the table a key belongs to ("account",
// "storage", ...), for error messages; "unknown" for foreign keys.
const char* KeyKind(std::string_view key);

// -- Meta
std::string HeadKey();
// The data format record (store.cc): which formats wrote the database.
std::string FormatKey();

// -- World state
std::string AccountKey(std::string_view address);
std::string ContractKey(std::string_view address);
// Code is keyed by its executable hash (ledger/hashing.h ExecutableHash),
// not by the original wasm's hash.
std::string CodeKey(std::string_view executable_hash);
// Each contract's storage is its own key space: StoragePrefix(contract)
// followed by the contract's raw key. Raw keys sort bytewise.
std::string StoragePrefix(std::string_view contract);
std::string StorageKey(std::string_view contract, std::string_view key);
// The bridge module's own table: its raw keys (bridge/core/keys.h builds
// them) under one prefix, written only by the bridge, never by a contract.
std::string BridgeKey(std::string_view raw_key);

// -- Chain history
std::string BlockKey(uint64_t height);
std::string BlockHashKey(std::string_view block_hash);
std::string TxKey(std::string_view tx_hash);

// -- Event indexes. Both order events by (height, tx_index, event_index).
std::string EventByBlockKey(uint64_t height, uint32_t tx_index,
                            uint32_t event_index);
std::string EventByBlockStart(uint64_t height);  // first key of a block
std::string EventByContractKey(std::string_view contract, uint64_t height,
                               uint32_t tx_index, uint32_t event_index);
std::string EventByContractPrefix(std::string_view contract);
std::string EventByContractStart(std::string_view contract, uint64_t height);

// -- Event name indexes: the position of every event of one name (and of one
// contract and name), in chain order; the event itself is read from the
// by-block index at that position. REQUIRE 1 <= name.size() <=
// kMaxEventNameBytes.
std::string EventByNameKey(std::string_view name, uint64_t height,
                           uint32_t tx_index, uint32_t event_index);
std::string EventByNamePrefix(std::string_view name);
std::string EventByNameStart(std::string_view name, uint64_t height);
std::string EventByContractNameKey(std::string_view contract,
                                   std::string_view name, uint64_t height,
                                   uint32_t tx_index, uint32_t event_index);
std::string EventByContractNamePrefix(std::string_view contract,
                                      std::string_view name);
std::string EventByContractNameStart(std::string_view contract,
                                     std::string_view name, uint64_t height);
// The size of the (height, tx_index, event_index) suffix of every event key.
inline constexpr size_t kEventPositionSize = 16;

// -- State tree (ledger/state_tree.h). A node is keyed by the version that
// wrote it and its path: the first `depth` bits of `path` (a 32-byte key;
// REQUIRES depth <= 256).
std::string TreeNodeKey(uint64_t version, std::string_view path, size_t depth);
// The version that wrote a node key. REQUIRES: a TreeNodeKey.
uint64_t TreeNodeVersion(std::string_view node_key);
// The stale index: one record per version, listing the nodes (TreeNodeKeys)
// that version `stale_since` replaced, which no version >= stale_since
// uses (the list's encoding: ledger/state_tree.cc). Ordered by stale_since.
std::string TreeStaleKey(uint64_t stale_since);
// Meta: the oldest version the state tree still holds (8 BE).
std::string TreeOldestKey();

}  // namespace ballast::ledger::keys

#endif  // BALLAST_LEDGER_KEYS_H_
