// The compiled engine's cache of shared objects on disk, so that a node
// restarted (or a module evicted from memory) does not compile again.
//
// <dir>/<key>.so is the object and <key>.meta its record: the SHA-256 and
// size of the .so and the largest native frame. The key (computed by the
// engine) is a hash of everything the object is made from: the generated
// C, the runtime, the compiler's identity and flags. Every Get verifies the
// object against its record; a file that does not match is removed, never
// loaded. Writes are atomic (a temporary file renamed). The total size of
// the objects is capped: the least recently used go first.
//
// Thread-safe: no (the engine calls it under its lock). Processes may share
// a dir (the tests' processes do; each node has its own): LockKey makes
// each object compile once, and a file replaced while another process reads
// it fails verification and costs a compile, never a wrong load.

#ifndef BALLAST_WASM_COMPILED_OBJECT_CACHE_H_
#define BALLAST_WASM_COMPILED_OBJECT_CACHE_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ballast::wasm {

class ObjectCache {
 public:
  struct Entry {
    std::string object;  // the .so's bytes
    size_t largest_frame = 0;
  };

  // Touches nothing on disk; the first Put creates `dir` (mode 0700).
  ObjectCache(std::string dir, size_t max_bytes);

  // The entry for `key` if it is there and verifies. A corrupt or foreign
  // one is removed, and `*problem` says what was wrong.
  std::optional<Entry> Get(const std::string& key, std::string* problem);

  // Stores `entry` under `key`, then removes the least recently used
  // objects (never this one) while the total is over the cap.
  absl::Status Put(const std::string& key, const Entry& entry);

  // An exclusive lock on `key` across processes (flock of <dir>/<key>.lock),
  // released when the returned value is destroyed. The engine holds it from
  // Get to Put, so processes sharing the dir compile an object once. Waits
  // for the lock; Cancelled if `*cancel` becomes true meanwhile.
  class KeyLock {
   public:
    explicit KeyLock(int fd) : fd_(fd) {}
    KeyLock(const KeyLock&) = delete;
    KeyLock& operator=(const KeyLock&) = delete;
    ~KeyLock();

   private:
    int fd_;
  };
  absl::StatusOr<std::unique_ptr<KeyLock>> LockKey(
      const std::string& key, const std::atomic<bool>& cancel);

 private:
  // Creates dir_ (mode 0700) if it is not there.
  absl::Status MakeDir() const;
  void Evict(const std::string& keep);

  std::string dir_;
  size_t max_bytes_;
};

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_COMPILED_OBJECT_CACHE_H_
