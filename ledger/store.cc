// Store byte formats (keys: see keys.cc).
//
//   head record ('m' "head"):  height(8 BE) || block_hash(32)
//   format record ('m' "format"): data_format(4 BE) || instrumenter(4 BE)
//     Written once, synced, when the database is created. Every format
//     keeps the record's first 4 bytes as the data format version, so any
//     binary can tell which format wrote a database; what follows belongs to
//     that format.
//   block hash index ('h'):    height(8 BE)
//   storage ('s'):             the contract's value bytes, verbatim
//   bridge ('g'):              the bridge module's record bytes, verbatim
//   everything else:           SerializeDeterministic(message)
//
// One CommitBlock is one WriteBatch holding, in this order: the state writes
// (StateWrites), 'b' block, 'h' hash index, per tx a 't' TxRecord (its
// receipt included), per event an 'e', an 'x', an 'n' and a 'y' entry, and
// last the head.

#include "ledger/store.h"

#include <set>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/write_batch.h"

namespace ballast::ledger {
namespace {

constexpr size_t kHeadRecordSize = 8 + kHashSize;
constexpr size_t kFormatRecordSize = 4 + 4;

// Converts a LevelDB status at the edge, prefixing `context`.
absl::Status FromLevelDb(const leveldb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  if (s.IsNotSupportedError()) return absl::UnimplementedError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::InternalError(msg);
}

absl::Status CorruptRecord(std::string_view key, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("corrupt ", keys::KeyKind(key),
                                          " record at key ", ToHex(key), ": ",
                                          why));
}

template <typename M>
absl::StatusOr<M> Parse(std::string_view key, std::string_view bytes) {
  M msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return CorruptRecord(key, absl::StrCat("unparseable ", msg.GetTypeName()));
  }
  return msg;
}

absl::Status CheckSize(absl::string_view what, std::string_view bytes,
                       size_t want) {
  if (bytes.size() == want) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be ", want, " bytes, got ", bytes.size()));
}

std::string_view AsView(const leveldb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

leveldb::ReadOptions ReadOpts() {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  return ro;
}

// Size checks on the state changes; they precede anything that builds keys.
// A block's signatures (store.h, CommitBlock): at least one, distinct
// 32-byte keys, each valid over BlockHash(header), one by the producer.
absl::Status ValidateSignatures(const Block& block) {
  if (block.signatures_size() == 0) {
    return absl::InvalidArgumentError("no signatures");
  }
  const std::string hash = BlockHash(block.header());
  std::set<std::string_view> signers;
  for (int i = 0; i < block.signatures_size(); ++i) {
    const BlockSignature& sig = block.signatures(i);
    const std::string what = absl::StrCat("signature ", i);
    RETURN_IF_ERROR(
        Annotate(CheckSize("pubkey", sig.pubkey(), kPublicKeySize), what));
    if (!signers.insert(sig.pubkey()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": key ", ToHex(sig.pubkey()), " signed twice"));
    }
    if (!Verify(sig.pubkey(), hash, sig.signature())) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": not a valid signature of the block hash by ",
                       ToHex(sig.pubkey())));
    }
  }
  if (!signers.contains(block.header().producer_pubkey())) {
    return absl::InvalidArgumentError(
        "no signature by the header's producer_pubkey");
  }
  return absl::OkStatus();
}

absl::Status ValidateChangeShapes(const StateChanges& changes) {
  for (const auto& [address, account] : changes.accounts) {
    RETURN_IF_ERROR(CheckSize("account address", address, kAddressSize));
  }
  for (const auto& [address, info] : changes.contracts) {
    RETURN_IF_ERROR(CheckSize("contract address", address, kAddressSize));
    RETURN_IF_ERROR(
        Annotate(CheckSize("code_hash", info.code_hash(), kHashSize),
                 absl::StrCat("contract ", ToHex(address))));
    RETURN_IF_ERROR(Annotate(
        CheckSize("executable_hash", info.executable_hash(), kHashSize),
        absl::StrCat("contract ", ToHex(address))));
  }
  for (const auto& [hash, code] : changes.codes) {
    RETURN_IF_ERROR(CheckSize("executable hash", hash, kHashSize));
    RETURN_IF_ERROR(
        Annotate(CheckSize("original_hash", code.original_hash(), kHashSize),
                 absl::StrCat("code record ", ToHex(hash))));
    const std::string executable =
        ExecutableHash(code.instrumenter_version(), code.wasm());
    if (executable != hash) {
      return absl::InvalidArgumentError(absl::StrCat(
          "code record stored under ", ToHex(hash), " has executable hash ",
          ToHex(executable), " (instrumenter version ",
          code.instrumenter_version(), ")"));
    }
  }
  for (const auto& [contract_and_key, value] : changes.storage) {
    RETURN_IF_ERROR(CheckSize("storage contract address",
                              contract_and_key.first, kAddressSize));
  }
  for (const auto& [key, value] : changes.bridge) {
    if (key.empty()) {
      return absl::InvalidArgumentError("empty bridge key");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReceipt(const Receipt& receipt, uint64_t height,
                             uint32_t index, std::string_view tx_hash) {
  if (receipt.tx_hash() != tx_hash) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tx_hash ", ToHex(receipt.tx_hash()),
        " is not the hash of transaction ", index, " (", ToHex(tx_hash), ")"));
  }
  if (receipt.block_height() != height || receipt.tx_index() != index) {
    return absl::InvalidArgumentError(absl::StrCat(
        "names position (", receipt.block_height(), ", ", receipt.tx_index(),
        "), want (", height, ", ", index, ")"));
  }
  if (receipt.status() == RECEIPT_STATUS_UNSPECIFIED) {
    return absl::InvalidArgumentError("status is unspecified");
  }
  if (receipt.status() != RECEIPT_STATUS_SUCCESS && receipt.events_size() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed with ", ReceiptStatus_Name(receipt.status()),
                     " but has ", receipt.events_size(), " events"));
  }
  if (!receipt.contract_address().empty()) {
    RETURN_IF_ERROR(CheckSize("contract_address", receipt.contract_address(),
                              kAddressSize));
  }
  for (int j = 0; j < receipt.events_size(); ++j) {
    const Event& e = receipt.events(j);
    std::string where = absl::StrCat("event ", j);
    RETURN_IF_ERROR(
        Annotate(CheckSize("contract", e.contract(), kAddressSize), where));
    if (e.name().empty() || e.name().size() > keys::kMaxEventNameBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": name of ", e.name().size(),
                       " bytes (must be 1..", keys::kMaxEventNameBytes, ")"));
    }
    if (e.block_height() != height || e.tx_index() != index ||
        e.event_index() != static_cast<uint32_t>(j)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": names position (", e.block_height(), ", ",
                       e.tx_index(), ", ", e.event_index(), "), want (", height,
                       ", ", index, ", ", j, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

Store::Store() = default;
Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const std::string& dir, const StoreOptions& options) {
  auto store = absl::WrapUnique(new Store());
  store->sync_ = options.sync;
  store->filter_policy_.reset(leveldb::NewBloomFilterPolicy(10));
  store->block_cache_.reset(leveldb::NewLRUCache(options.block_cache_bytes));

  leveldb::Options o;
  o.create_if_missing = true;
  o.paranoid_checks = true;
  if (options.env != nullptr) o.env = options.env;
  o.block_cache = store->block_cache_.get();
  o.filter_policy = store->filter_policy_.get();
  leveldb::DB* db = nullptr;
  RETURN_IF_ERROR(FromLevelDb(leveldb::DB::Open(o, dir, &db),
                              absl::StrCat("open ledger store ", dir)));
  store->db_.reset(db);
  RETURN_IF_ERROR(store->CheckVersions(dir, options.instrumenter_version));
  if (options.state_retain_heights < 1) {
    return absl::InvalidArgumentError(
        "open ledger store: state_retain_heights must be at least 1");
  }
  store->state_retain_heights_ = options.state_retain_heights;
  store->state_retain_ms_ = options.state_retain_ms;
  store->tree_db_source_ = NewLevelDbTreeNodeSource(store->db_.get());
  store->tree_cache_ = NewTreeNodeCache(store->tree_db_source_.get(),
                                        options.state_tree_cache_bytes);
  store->tree_ = std::make_unique<StateTree>(store->tree_cache_.get());

  // The head, if any, must name a stored block.
  ASSIGN_OR_RETURN(std::optional<ChainHead> head, store->GetHead());
  if (head.has_value()) {
    ASSIGN_OR_RETURN(std::optional<Block> block,
                     store->GetBlockByHeight(head->height));
    if (!block.has_value() || BlockHash(block->header()) != head->hash) {
      return absl::DataLossError(absl::StrCat(
          "open ledger store ", dir, ": head block ", head->height,
          block.has_value() ? " has a different hash" : " is missing"));
    }
  }
  return store;
}

absl::Status Store::CheckVersions(const std::string& dir,
                                  uint32_t instrumenter_version) {
  const std::string key = keys::FormatKey();
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  std::string written;  // by which versions, for the message
  if (value.has_value()) {
    if (value->size() < 4) {
      return CorruptRecord(key, absl::StrCat(value->size(), " bytes"));
    }
    const uint32_t format =
        DecodeBigEndian32(std::string_view(*value).substr(0, 4));
    if (format == kDataFormatVersion) {
      if (value->size() != kFormatRecordSize) {
        return CorruptRecord(key, absl::StrCat(value->size(), " bytes, want ",
                                               kFormatRecordSize));
      }
      const uint32_t instrumenter =
          DecodeBigEndian32(std::string_view(*value).substr(4, 4));
      if (instrumenter == instrumenter_version) return absl::OkStatus();
      written = absl::StrCat("data format ", format,
                             " with instrumenter version ", instrumenter);
    } else {
      written = absl::StrCat("data format ", format);
    }
  } else {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
    it->SeekToFirst();
    RETURN_IF_ERROR(FromLevelDb(it->status(), "open ledger store: scan"));
    if (!it->Valid()) {  // a new database: record the versions
      leveldb::WriteOptions wo;
      wo.sync = true;
      return FromLevelDb(
          db_->Put(wo, key,
                   EncodeBigEndian32(kDataFormatVersion) +
                       EncodeBigEndian32(instrumenter_version)),
          absl::StrCat("open ledger store ", dir, ": record the data format"));
    }
    written = "data format 0 (before data formats were recorded)";
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "ledger store ", dir, " was written by ", written,
      "; this binary uses data format ", kDataFormatVersion,
      " with instrumenter version ", instrumenter_version,
      " and cannot continue that chain: start a new one in an empty "
      "directory"));
}

absl::StatusOr<std::optional<std::string>> Store::Read(const std::string& key) {
  std::string value;
  leveldb::Status s = db_->Get(ReadOpts(), key, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromLevelDb(
      s, absl::StrCat("read ", keys::KeyKind(key), " ", ToHex(key))));
  return value;
}

absl::StatusOr<bool> Store::Exists(const std::string& key) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  return value.has_value();
}

absl::StatusOr<std::optional<ChainHead>> Store::GetHead() {
  const std::string key = keys::HeadKey();
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return std::nullopt;
  if (value->size() != kHeadRecordSize) {
    return CorruptRecord(
        key, absl::StrCat(value->size(), " bytes, want ", kHeadRecordSize));
  }
  return ChainHead{DecodeBigEndian64(std::string_view(*value).substr(0, 8)),
                   value->substr(8)};
}

absl::StatusOr<Account> Store::GetAccount(std::string_view address) {
  RETURN_IF_ERROR(CheckSize("address", address, kAddressSize));
  const std::string key = keys::AccountKey(address);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return Account();
  return Parse<Account>(key, *value);
}

absl::StatusOr<std::optional<ContractInfo>> Store::GetContract(
    std::string_view address) {
  RETURN_IF_ERROR(CheckSize("contract address", address, kAddressSize));
  const std::string key = keys::ContractKey(address);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return std::nullopt;
  return Parse<ContractInfo>(key, *value);
}

absl::StatusOr<std::optional<CodeRecord>> Store::GetCode(
    std::string_view executable_hash) {
  RETURN_IF_ERROR(CheckSize("executable hash", executable_hash, kHashSize));
  const std::string key = keys::CodeKey(executable_hash);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return std::nullopt;
  return Parse<CodeRecord>(key, *value);
}

absl::StatusOr<std::optional<std::string>> Store::GetStorage(
    std::string_view contract, std::string_view key) {
  RETURN_IF_ERROR(CheckSize("contract address", contract, kAddressSize));
  return Read(keys::StorageKey(contract, key));
}

absl::StatusOr<std::optional<std::string>> Store::GetBridge(
    std::string_view key) {
  return Read(keys::BridgeKey(key));
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
Store::ScanStorage(std::string_view contract) {
  RETURN_IF_ERROR(CheckSize("contract address", contract, kAddressSize));
  const std::string prefix = keys::StoragePrefix(contract);
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    out.emplace_back(std::string(AsView(it->key()).substr(prefix.size())),
                     it->value().ToString());
  }
  RETURN_IF_ERROR(FromLevelDb(
      it->status(), absl::StrCat("scan storage of ", ToHex(contract))));
  return out;
}

absl::StatusOr<std::optional<Block>> Store::GetBlockByHeight(uint64_t height) {
  const std::string key = keys::BlockKey(height);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(Block block, Parse<Block>(key, *value));
  if (block.header().height() != height) {
    return CorruptRecord(key,
                         absl::StrCat("holds block ", block.header().height()));
  }
  return block;
}

absl::StatusOr<std::optional<Block>> Store::GetBlockByHash(
    std::string_view block_hash) {
  RETURN_IF_ERROR(CheckSize("block hash", block_hash, kHashSize));
  const std::string key = keys::BlockHashKey(block_hash);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return std::nullopt;
  if (value->size() != 8) {
    return CorruptRecord(key, absl::StrCat(value->size(), " bytes, want 8"));
  }
  const uint64_t height = DecodeBigEndian64(*value);
  ASSIGN_OR_RETURN(std::optional<Block> block, GetBlockByHeight(height));
  if (!block.has_value() || BlockHash(block->header()) != block_hash) {
    return CorruptRecord(key, absl::StrCat("points at block ", height,
                                           " which does not have this hash"));
  }
  return block;
}

absl::StatusOr<std::optional<TxRecord>> Store::GetTransaction(
    std::string_view tx_hash) {
  RETURN_IF_ERROR(CheckSize("tx hash", tx_hash, kHashSize));
  const std::string key = keys::TxKey(tx_hash);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Read(key));
  if (!value.has_value()) return std::nullopt;
  return Parse<TxRecord>(key, *value);
}

absl::StatusOr<std::vector<Event>> Store::QueryEvents(const EventFilter& filter,
                                                      size_t* entries_read) {
  if (filter.from_height > filter.to_height) {
    return absl::InvalidArgumentError(
        absl::StrCat("event query: from_height ", filter.from_height,
                     " is above to_height ", filter.to_height));
  }
  if (filter.contract.has_value()) {
    RETURN_IF_ERROR(
        Annotate(CheckSize("contract address", *filter.contract, kAddressSize),
                 "event query"));
  }
  if (filter.name.has_value() &&
      (filter.name->empty() ||
       filter.name->size() > keys::kMaxEventNameBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "event query: an event name is 1..", keys::kMaxEventNameBytes,
        " bytes, got ", filter.name->size()));
  }
  size_t steps = 0;
  std::vector<Event> out;
  auto full = [&] { return filter.limit != 0 && out.size() >= filter.limit; };
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  if (filter.name.has_value()) {
    // The name index holds positions; each event is read from 'e'.
    std::string prefix, start;
    if (filter.contract.has_value()) {
      prefix = keys::EventByContractNamePrefix(*filter.contract, *filter.name);
      start = keys::EventByContractNameStart(*filter.contract, *filter.name,
                                             filter.from_height);
    } else {
      prefix = keys::EventByNamePrefix(*filter.name);
      start = keys::EventByNameStart(*filter.name, filter.from_height);
    }
    for (it->Seek(start);
         !full() && it->Valid() && it->key().starts_with(prefix); it->Next()) {
      ++steps;
      const std::string_view key = AsView(it->key());
      if (key.size() != prefix.size() + keys::kEventPositionSize) {
        return CorruptRecord(key, "key size");
      }
      const std::string_view pos = key.substr(prefix.size());
      const uint64_t height = DecodeBigEndian64(pos.substr(0, 8));
      if (height > filter.to_height) break;
      const std::string event_key =
          keys::EventByBlockKey(height, DecodeBigEndian32(pos.substr(8, 4)),
                                DecodeBigEndian32(pos.substr(12, 4)));
      ASSIGN_OR_RETURN(std::optional<std::string> bytes, Read(event_key));
      if (!bytes.has_value()) {
        return CorruptRecord(key, "names an event that is not stored");
      }
      ASSIGN_OR_RETURN(Event event, Parse<Event>(event_key, *bytes));
      if (event.name() != *filter.name ||
          (filter.contract.has_value() &&
           event.contract() != *filter.contract)) {
        return CorruptRecord(key, "names an event of another name or contract");
      }
      out.push_back(std::move(event));
    }
  } else {
    std::string prefix, start;
    if (filter.contract.has_value()) {
      prefix = keys::EventByContractPrefix(*filter.contract);
      start = keys::EventByContractStart(*filter.contract, filter.from_height);
    } else {
      prefix = keys::TablePrefix(keys::Table::kEventByBlock);
      start = keys::EventByBlockStart(filter.from_height);
    }
    for (it->Seek(start);
         !full() && it->Valid() && it->key().starts_with(prefix); it->Next()) {
      ++steps;
      ASSIGN_OR_RETURN(Event event,
                       Parse<Event>(AsView(it->key()), AsView(it->value())));
      if (event.block_height() > filter.to_height) break;
      out.push_back(std::move(event));
    }
  }
  RETURN_IF_ERROR(FromLevelDb(it->status(), "event query"));
  if (entries_read != nullptr) *entries_read = steps;
  return out;
}

absl::StatusOr<std::string> Store::StateDigest() {
  Sha256Hasher hasher;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = AsView(it->key());
    if (key.empty() || !keys::IsStateTable(static_cast<keys::Table>(key[0]))) {
      continue;
    }
    const std::string value = it->value().ToString();
    HashWriteRecord(key, &value, hasher);
  }
  RETURN_IF_ERROR(FromLevelDb(it->status(), "state digest"));
  return hasher.Finish();
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>>
Store::NextStateRecord(std::string_view after) {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  for (it->Seek(leveldb::Slice(after.data(), after.size())); it->Valid();
       it->Next()) {
    const std::string_view key = AsView(it->key());
    if (key == after || key.empty() ||
        !keys::IsStateTable(static_cast<keys::Table>(key[0]))) {
      continue;
    }
    return std::make_pair(std::string(key), it->value().ToString());
  }
  RETURN_IF_ERROR(FromLevelDb(it->status(), "state scan"));
  return std::nullopt;
}

absl::Status Store::ValidateCommit(const BlockCommit& commit,
                                   const std::vector<std::string>& tx_hashes) {
  const Block& block = commit.block;
  const BlockHeader& header = block.header();
  const uint64_t height = header.height();

  // Shape of the header and the changes.
  if (!block.has_header()) return absl::InvalidArgumentError("no header");
  if (height == 0) {
    return absl::InvalidArgumentError("height 0; the first block is 1");
  }
  if (header.chain_id().empty()) {
    return absl::InvalidArgumentError("empty chain_id");
  }
  RETURN_IF_ERROR(CheckSize("parent_hash", header.parent_hash(), kHashSize));
  RETURN_IF_ERROR(CheckSize("tx_root", header.tx_root(), kHashSize));
  RETURN_IF_ERROR(CheckSize("state_root", header.state_root(), kHashSize));
  RETURN_IF_ERROR(
      CheckSize("receipts_root", header.receipts_root(), kHashSize));
  RETURN_IF_ERROR(
      CheckSize("producer_pubkey", header.producer_pubkey(), kPublicKeySize));
  RETURN_IF_ERROR(ValidateSignatures(block));
  RETURN_IF_ERROR(ValidateChangeShapes(commit.changes));

  // Receipts against transactions.
  if (commit.receipts.size() != tx_hashes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(commit.receipts.size(), " receipts for ", tx_hashes.size(),
                     " transactions"));
  }
  for (size_t i = 0; i < tx_hashes.size(); ++i) {
    RETURN_IF_ERROR(
        Annotate(ValidateReceipt(commit.receipts[i], height,
                                 static_cast<uint32_t>(i), tx_hashes[i]),
                 absl::StrCat("receipt ", i)));
  }

  // Against the head.
  ASSIGN_OR_RETURN(std::optional<ChainHead> head, GetHead());
  if (!head.has_value()) {
    if (height != 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the store is empty; the first block must have height 1"));
    }
    if (header.parent_hash() != ZeroHash()) {
      return absl::FailedPreconditionError(
          "block 1 must have a parent_hash of 32 zero bytes");
    }
  } else {
    if (height != head->height + 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("does not extend head ", head->height));
    }
    if (header.parent_hash() != head->hash) {
      return absl::FailedPreconditionError(
          absl::StrCat("parent_hash ", ToHex(header.parent_hash()),
                       " is not the head's hash ", ToHex(head->hash)));
    }
    ASSIGN_OR_RETURN(std::optional<Block> parent,
                     GetBlockByHeight(head->height));
    if (!parent.has_value()) {
      return absl::DataLossError(
          absl::StrCat("head block ", head->height, " is missing"));
    }
    if (parent->header().chain_id() != header.chain_id()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "chain_id \"", header.chain_id(), "\" differs from the parent's \"",
          parent->header().chain_id(), "\""));
    }
    if (header.time_ms() < parent->header().time_ms()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "time_ms ", header.time_ms(), " is before the parent's ",
          parent->header().time_ms(), " (block times never go backwards)"));
    }
  }

  // Header commitments.
  if (header.tx_root() != ComputeTxRoot(block.txs())) {
    return absl::InvalidArgumentError(
        "tx_root is not ComputeTxRoot of the transactions");
  }
  if (header.receipts_root() != ComputeReceiptsRoot(commit.receipts)) {
    return absl::InvalidArgumentError(
        "receipts_root is not ComputeReceiptsRoot of the receipts");
  }
  // state_root is checked by CommitBlock against the tree's update.

  // Transactions are new.
  std::set<std::string_view> seen;
  for (const std::string& tx_hash : tx_hashes) {
    if (!seen.insert(tx_hash).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("transaction ", ToHex(tx_hash), " appears twice"));
    }
    ASSIGN_OR_RETURN(bool committed, Exists(keys::TxKey(tx_hash)));
    if (committed) {
      return absl::AlreadyExistsError(absl::StrCat(
          "transaction ", ToHex(tx_hash), " is already committed"));
    }
  }

  // References between records.
  for (const auto& [address, info] : commit.changes.contracts) {
    if (commit.changes.codes.contains(info.executable_hash())) continue;
    ASSIGN_OR_RETURN(bool stored,
                     Exists(keys::CodeKey(info.executable_hash())));
    if (!stored) {
      return absl::FailedPreconditionError(
          absl::StrCat("contract ", ToHex(address), " refers to code ",
                       ToHex(info.executable_hash()), " which is not stored"));
    }
  }
  std::string last_contract;
  for (const auto& [contract_and_key, value] : commit.changes.storage) {
    const std::string& contract = contract_and_key.first;
    if (contract == last_contract) continue;  // map order groups contracts
    last_contract = contract;
    if (commit.changes.contracts.contains(contract)) continue;
    ASSIGN_OR_RETURN(bool stored, Exists(keys::ContractKey(contract)));
    if (!stored) {
      return absl::FailedPreconditionError(absl::StrCat(
          "storage written for ", ToHex(contract), " which is not a contract"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Store::ComputeStateRoot(
    const StateChanges& changes) {
  absl::MutexLock lock(&commit_mu_);
  RETURN_IF_ERROR(ValidateChangeShapes(changes));
  ASSIGN_OR_RETURN(std::optional<ChainHead> head, GetHead());
  staged_tree_.reset();
  auto staged = std::make_unique<StagedTreeUpdate>();
  staged->head = head;
  staged->changes = StateTreeChangesOf(StateWrites(changes));
  ASSIGN_OR_RETURN(staged->update,
                   tree_->Update(head.has_value() ? head->height + 1 : 1,
                                 staged->changes, &staged->batch));
  std::string root = staged->update.root;
  staged_tree_ = std::move(staged);
  return root;
}

absl::StatusOr<StateTreeUpdate> Store::UpdateTree(
    uint64_t height,
    const std::map<std::string, std::optional<std::string>>& writes,
    leveldb::WriteBatch* batch) {
  std::unique_ptr<StagedTreeUpdate> staged = std::move(staged_tree_);
  StateTreeChanges changes = StateTreeChangesOf(writes);
  if (staged != nullptr) {
    ASSIGN_OR_RETURN(std::optional<ChainHead> head, GetHead());
    const bool same_head =
        staged->head.has_value() == head.has_value() &&
        (!head.has_value() || (staged->head->height == head->height &&
                               staged->head->hash == head->hash));
    const uint64_t next = head.has_value() ? head->height + 1 : 1;
    if (same_head && next == height && staged->changes == changes) {
      batch->Append(staged->batch);
      return std::move(staged->update);
    }
  }
  return tree_->Update(height, changes, batch);
}

// Bounds the heights one commit prunes, so that a store opened with a
// shorter retention catches up over several blocks instead of in one.
constexpr uint64_t kMaxPruneStepsPerCommit = 1024;

absl::StatusOr<uint64_t> Store::OldestRetained(const BlockHeader& header) {
  const uint64_t height = header.height();
  ASSIGN_OR_RETURN(uint64_t oldest, tree_->OldestVersion());
  // Versions below `limit` are old enough by count; of those, the ones whose
  // block is older than `cutoff` go. Never the version being committed.
  const uint64_t limit =
      height > state_retain_heights_ ? height - state_retain_heights_ + 1 : 0;
  const int64_t cutoff = header.time_ms() - state_retain_ms_;
  uint64_t p = oldest;
  for (uint64_t steps = 0;
       p < limit && p < height - 1 && steps < kMaxPruneStepsPerCommit;
       ++steps) {
    if (p > 0) {  // version 0, the empty tree, has no block
      ASSIGN_OR_RETURN(std::optional<Block> block, GetBlockByHeight(p));
      if (!block.has_value()) {
        return absl::DataLossError(absl::StrCat("block ", p, " is missing"));
      }
      if (block->header().time_ms() > cutoff) break;
    }
    ++p;
  }
  return p;
}

absl::Status Store::CommitBlock(const BlockCommit& commit) {
  absl::MutexLock lock(&commit_mu_);
  const Block& block = commit.block;
  const uint64_t height = block.header().height();
  const std::string context = absl::StrCat("commit block ", height);
  if (!write_error_.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(context, ": the store refuses writes after a failed one (",
                     write_error_.message(), "); reopen it"));
  }

  std::vector<std::string> tx_hashes;
  tx_hashes.reserve(block.txs_size());
  for (const SignedTransaction& stx : block.txs()) {
    tx_hashes.push_back(TxHash(stx));
  }
  RETURN_IF_ERROR(Annotate(ValidateCommit(commit, tx_hashes), context));

  // Everything below only stages writes; the batch is applied at once, and
  // only once the state root matched.
  leveldb::WriteBatch batch;
  const std::map<std::string, std::optional<std::string>> writes =
      StateWrites(commit.changes);
  absl::StatusOr<StateTreeUpdate> update = UpdateTree(height, writes, &batch);
  RETURN_IF_ERROR(Annotate(update.status(), context));
  if (update->root != block.header().state_root()) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": state_root ", ToHex(block.header().state_root()),
        " is not the state tree's root after the block's changes, ",
        ToHex(update->root)));
  }
  absl::StatusOr<uint64_t> oldest = OldestRetained(block.header());
  RETURN_IF_ERROR(Annotate(oldest.status(), context));
  RETURN_IF_ERROR(Annotate(tree_->Prune(*oldest, &batch).status(), context));
  for (const auto& [key, value] : writes) {
    if (value.has_value()) {
      batch.Put(key, *value);
    } else {
      batch.Delete(key);
    }
  }
  const std::string block_hash = BlockHash(block.header());
  batch.Put(keys::BlockKey(height), SerializeDeterministic(block));
  batch.Put(keys::BlockHashKey(block_hash), EncodeBigEndian64(height));
  for (int i = 0; i < block.txs_size(); ++i) {
    const Receipt& receipt = commit.receipts[i];
    TxRecord record;
    *record.mutable_tx() = block.txs(i);
    *record.mutable_receipt() = receipt;
    record.set_block_height(height);
    record.set_tx_index(static_cast<uint32_t>(i));
    record.set_block_hash(block_hash);
    batch.Put(keys::TxKey(tx_hashes[i]), SerializeDeterministic(record));
    for (const Event& event : receipt.events()) {
      const std::string bytes = SerializeDeterministic(event);
      batch.Put(
          keys::EventByBlockKey(height, event.tx_index(), event.event_index()),
          bytes);
      batch.Put(keys::EventByContractKey(event.contract(), height,
                                         event.tx_index(), event.event_index()),
                bytes);
      batch.Put(keys::EventByNameKey(event.name(), height, event.tx_index(),
                                     event.event_index()),
                "");
      batch.Put(
          keys::EventByContractNameKey(event.contract(), event.name(), height,
                                       event.tx_index(), event.event_index()),
          "");
    }
  }
  batch.Put(keys::HeadKey(), EncodeBigEndian64(height) + block_hash);

  leveldb::WriteOptions wo;
  wo.sync = sync_;
  absl::Status written = FromLevelDb(db_->Write(wo, &batch),
                                     absl::StrCat(context, ": write batch"));
  if (!written.ok()) {
    write_error_ = written;
    return written;
  }
  tree_cache_->Admit(update->nodes);
  return absl::OkStatus();
}

}  // namespace ballast::ledger
