#include "wasm/compiled/object_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/strings.h"

namespace ballast::wasm {
namespace {

namespace fs = std::filesystem;

// Larger objects are not read: nothing the compiler makes from a module
// within the deploy limits comes near it.
constexpr uintmax_t kMaxObjectBytes = uintmax_t{64} << 20;
constexpr char kMetaHeader[] = "ballast-compiled-object 1";

std::string MetaText(const ObjectCache::Entry& entry) {
  return StrCat(kMetaHeader, "\nsha256 ", ToHex(Sha256(entry.object)),
                "\nbytes ", entry.object.size(), "\nframe ",
                entry.largest_frame, "\n");
}

}  // namespace

ObjectCache::ObjectCache(std::string dir, size_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

std::optional<ObjectCache::Entry> ObjectCache::Get(const std::string& key,
                                                   std::string* problem) {
  const std::string so = dir_ + "/" + key + ".so";
  const std::string meta = dir_ + "/" + key + ".meta";
  std::error_code ec;
  if (!fs::exists(meta, ec) && !fs::exists(so, ec)) return std::nullopt;
  auto discard = [&](std::string why) -> std::optional<Entry> {
    *problem = StrCat("cached object ", key.substr(0, 16), " discarded: ", why);
    fs::remove(so, ec);
    fs::remove(meta, ec);
    return std::nullopt;
  };
  absl::StatusOr<std::string> record = ReadFile(meta);
  if (!record.ok()) return discard("no readable record");
  uintmax_t size = fs::file_size(so, ec);
  if (ec || size > kMaxObjectBytes) return discard("no readable object");
  absl::StatusOr<std::string> object = ReadFile(so);
  if (!object.ok()) return discard("no readable object");
  // The record is exactly what Put wrote for these bytes, frame included.
  std::vector<std::string> lines = absl::StrSplit(*record, '\n');
  size_t frame = 0;
  if (lines.size() != 5 || !absl::StartsWith(lines[3], "frame ") ||
      !absl::SimpleAtoi(lines[3].substr(6), &frame)) {
    return discard("malformed record");
  }
  Entry entry{*std::move(object), frame};
  if (MetaText(entry) != *record) return discard("the object does not match");
  fs::last_write_time(so, fs::file_time_type::clock::now(), ec);  // LRU
  return entry;
}

absl::Status ObjectCache::MakeDir() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || chmod(dir_.c_str(), 0700) != 0) {
    return absl::InternalError(StrCat("cannot create ", dir_));
  }
  return absl::OkStatus();
}

absl::Status ObjectCache::Put(const std::string& key, const Entry& entry) {
  if (absl::Status s = MakeDir(); !s.ok()) return s;
  // The object first: a record never names an object that is not there.
  WriteFileOptions options;
  options.mode = 0600;
  absl::Status s =
      WriteFileDurably(dir_ + "/" + key + ".so", entry.object, options);
  if (s.ok()) {
    s = WriteFileDurably(dir_ + "/" + key + ".meta", MetaText(entry), options);
  }
  if (!s.ok()) return s;
  Evict(key);
  return absl::OkStatus();
}

ObjectCache::KeyLock::~KeyLock() { close(fd_); }  // releases the flock

absl::StatusOr<std::unique_ptr<ObjectCache::KeyLock>> ObjectCache::LockKey(
    const std::string& key, const std::atomic<bool>& cancel) {
  if (absl::Status s = MakeDir(); !s.ok()) return s;
  const std::string path = dir_ + "/" + key + ".lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(StrCat("cannot open ", path));
  auto lock = std::make_unique<KeyLock>(fd);
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return absl::InternalError(StrCat("cannot lock ", path));
    }
    if (cancel.load()) return absl::CancelledError("stopped");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return lock;
}

void ObjectCache::Evict(const std::string& keep) {
  struct Object {
    fs::file_time_type used;
    uintmax_t bytes;
    std::string key;
  };
  std::vector<Object> objects;
  uintmax_t total = 0;
  std::error_code ec;
  for (const auto& file : fs::directory_iterator(dir_, ec)) {
    if (file.path().extension() != ".so") continue;
    Object o{file.last_write_time(ec), file.file_size(ec),
             file.path().stem().string()};
    if (ec) continue;
    total += o.bytes;
    objects.push_back(std::move(o));
  }
  std::sort(objects.begin(), objects.end(),
            [](const Object& a, const Object& b) { return a.used < b.used; });
  for (const Object& o : objects) {
    if (total <= max_bytes_) break;
    if (o.key == keep) continue;
    fs::remove(dir_ + "/" + o.key + ".so", ec);
    fs::remove(dir_ + "/" + o.key + ".meta", ec);
    fs::remove(dir_ + "/" + o.key + ".lock", ec);
    total -= o.bytes;
  }
}

}  // namespace ballast::wasm
