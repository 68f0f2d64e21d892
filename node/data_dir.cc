#include "node/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "wasm/gas.h"

namespace ballast::node {
namespace {

constexpr char kLockFile[] = "node.lock";
constexpr char kChainIdFile[] = "chain_id";
constexpr char kKeyFile[] = "producer.key";
constexpr char kLedgerDir[] = "ledger";
constexpr char kApiAddrFile[] = "api.addr";
constexpr char kDevClockFile[] = "dev-clock";
constexpr size_t kMaxSmallFile = 4096;

std::string WithoutTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

absl::Status ValidateChainId(const std::string& id) {
  if (id.empty() || id.size() > 64) {
    return absl::InvalidArgumentError(
        StrCat("chain id must be 1..64 characters, got ", id.size()));
  }
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
          c == '.')) {
      return absl::InvalidArgumentError(StrCat(
          "chain id '", id, "' may only hold letters, digits, '-', '_', '.'"));
    }
  }
  return absl::OkStatus();
}

// An exclusive flock on DIR/node.lock, or FailedPrecondition if another
// open file description holds it. The lock goes with the descriptor: a
// killed process releases it, and no stale lock file can block a start.
absl::StatusOr<int> Lock(const std::string& dir) {
  const std::string path = StrCat(dir, "/", kLockFile);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        StrCat("open ", path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          StrCat("data dir ", dir,
                 " is in use by another process (is a ballastd running on "
                 "it?)"));
    }
    return absl::UnavailableError(
        StrCat("lock ", path, ": ", std::strerror(err)));
  }
  return fd;
}

absl::StatusOr<std::string> LoadChainId(const std::string& dir,
                                        const std::string& wanted) {
  const std::string path = StrCat(dir, "/", kChainIdFile);
  ASSIGN_OR_RETURN(std::optional<std::string> stored,
                   ReadFileIfExists(path, {.max_bytes = kMaxSmallFile}));
  if (stored.has_value()) {
    std::string id = WithoutTrailingNewlines(*std::move(stored));
    if (absl::Status valid = ValidateChainId(id); !valid.ok()) {
      return absl::DataLossError(StrCat(path, ": ", valid.message()));
    }
    if (!wanted.empty() && wanted != id) {
      return absl::FailedPreconditionError(
          StrCat("data dir ", dir, " holds chain '", id, "', not '", wanted,
                 "' (use another --data-dir)"));
    }
    return id;
  }
  if (wanted.empty()) {
    return absl::InvalidArgumentError(
        StrCat("data dir ", dir, " is new: --chain-id is required"));
  }
  RETURN_IF_ERROR(ValidateChainId(wanted));
  RETURN_IF_ERROR(WriteFileDurably(path, wanted + "\n", {.mode = 0644}));
  return wanted;
}

// The key in DIR/`file`, created (mode 0600) if missing and `create`;
// nullopt if missing and not `create`.
absl::StatusOr<std::optional<KeyPair>> LoadKey(const std::string& dir,
                                               const std::string& file,
                                               bool create) {
  const std::string path = StrCat(dir, "/", file);
  ASSIGN_OR_RETURN(
      std::optional<std::string> stored,
      ReadFileIfExists(path, {.max_bytes = kMaxSmallFile, .owner_only = true}));
  if (stored.has_value()) {
    auto secret = FromHex(WithoutTrailingNewlines(*std::move(stored)));
    if (!secret.ok()) return Annotate(secret.status(), path);
    auto key = KeyPairFromSecret(*secret);
    if (!key.ok()) return Annotate(key.status(), path);
    return key;
  }
  if (!create) return std::nullopt;
  KeyPair key = GenerateKeyPair();
  RETURN_IF_ERROR(WriteFileDurably(path, ToHex(key.secret_key) + "\n",
                                   {.mode = 0600, .fail_if_exists = true}));
  return key;
}

std::string CoSignerKeyFile(int i) { return StrCat("cosigner-", i, ".key"); }

}  // namespace

absl::StatusOr<std::unique_ptr<DataDir>> DataDir::Open(
    const std::string& path, const std::string& chain_id, int signing_keys) {
  if (signing_keys < 0 || signing_keys > kMaxSigningKeys) {
    return absl::InvalidArgumentError(StrCat(
        "signing keys must be 1..", kMaxSigningKeys, ", got ", signing_keys));
  }
  if (path.empty()) return absl::InvalidArgumentError("--data-dir is required");
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::UnavailableError(
        StrCat("create data dir ", path, ": ", ec.message()));
  }
  ASSIGN_OR_RETURN(int lock_fd, Lock(path));
  // From here the destructor releases the lock on every return.
  std::unique_ptr<DataDir> dir(new DataDir(path, lock_fd));
  ASSIGN_OR_RETURN(dir->chain_id_, LoadChainId(path, chain_id));
  const bool is_new = !std::filesystem::exists(StrCat(path, "/", kKeyFile));
  ASSIGN_OR_RETURN(std::optional<KeyPair> producer,
                   LoadKey(path, kKeyFile, /*create=*/true));
  dir->producer_ = *std::move(producer);
  const int wanted = signing_keys == 0 ? 1 : signing_keys;
  for (int i = 1; i < kMaxSigningKeys; ++i) {
    ASSIGN_OR_RETURN(std::optional<KeyPair> key,
                     LoadKey(path, CoSignerKeyFile(i),
                             /*create=*/is_new && i < wanted));
    if (!key.has_value()) break;
    dir->co_signers_.push_back(*std::move(key));
  }
  const int held = 1 + static_cast<int>(dir->co_signers_.size());
  if (signing_keys != 0 && held != signing_keys) {
    return absl::FailedPreconditionError(
        StrCat("data dir ", path, " holds ", held, " signing keys, not the ",
               signing_keys,
               " asked for (the number is fixed when a data dir is created)"));
  }
  return dir;
}

DataDir::DataDir(std::string path, int lock_fd)
    : path_(std::move(path)), lock_fd_(lock_fd) {}

DataDir::~DataDir() { ::close(lock_fd_); }  // releases the flock

std::string DataDir::ledger_dir() const {
  return StrCat(path_, "/", kLedgerDir);
}

std::string DataDir::api_addr_file() const {
  return StrCat(path_, "/", kApiAddrFile);
}

absl::StatusOr<int64_t> DataDir::ReadDevClockOffset() const {
  const std::string path = StrCat(path_, "/", kDevClockFile);
  ASSIGN_OR_RETURN(std::optional<std::string> text,
                   ReadFileIfExists(path, {.max_bytes = kMaxSmallFile}));
  if (!text.has_value()) return 0;
  std::string_view v = *text;
  if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  int64_t offset = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), offset);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return absl::DataLossError(
        StrCat(path,
               " does not hold a clock offset in ms (one integer); "
               "remove it to start the dev clock at the wall clock"));
  }
  return offset;
}

absl::Status DataDir::WriteDevClockOffset(int64_t offset_ms) const {
  return WriteFileDurably(StrCat(path_, "/", kDevClockFile),
                          StrCat(offset_ms, "\n"));
}

absl::StatusOr<std::unique_ptr<ledger::Store>> DataDir::OpenStore(
    ledger::StoreOptions options) const {
  options.instrumenter_version = wasm::kInstrumenterVersion;
  auto store = ledger::Store::Open(ledger_dir(), options);
  if (absl::IsFailedPrecondition(store.status())) {
    // Store::Open's only FailedPrecondition: a store of other versions.
    return absl::FailedPreconditionError(
        StrCat(store.status().message(), " (another --data-dir), or reset ",
               path_, " (the devnet: bash tools/devnet --reset)"));
  }
  if (!store.ok()) return Annotate(store.status(), "open ledger");
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, (*store)->GetHead());
  if (head.has_value()) {
    ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                     (*store)->GetBlockByHeight(head->height));
    if (block.has_value() && block->header().chain_id() != chain_id_) {
      return absl::FailedPreconditionError(
          StrCat("the ledger in ", path_, " is chain '",
                 block->header().chain_id(), "', not '", chain_id_, "'"));
    }
  }
  return store;
}

}  // namespace ballast::node
