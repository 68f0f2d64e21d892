// The contract runtime: deploy-time preparation and the execution of one
// contract call (with its nested calls) against a read-only view of chain
// state. The runtime never writes state itself: a call returns its writes
// and events, and the caller (the node's executor) decides to apply them.
//
//   Runtime runtime(NewWabtInterpreterEngine());
//   ASSIGN_OR_RETURN(PreparedModule prepared, runtime.Prepare(wasm));
//   ... store prepared.code under the contract's address ...
//   CallOutcome out = runtime.Call(request, state);
//   if (out.status.ok()) apply(out.writes, out.events);
//
// Thread-safety: a Runtime may be shared; Call is safe to run concurrently
// (each call has its own instances; the compiled-module cache is locked).
// The ChainState passed to Call is used only by that call's thread.
//
// Wall-time deadlines: wabt's Func::Call cannot be interrupted, so a call
// with a finite CallRequest::deadline is watched by the runtime's watchdog
// thread (started on the first such call, one per Runtime). When the
// deadline passes, the watchdog sets the running instance's gas counter to
// zero (Instance::ExhaustGasFromOtherThread), and keeps doing so every
// millisecond until the call ends: the counter is a plain global that the
// interpreter updates without synchronization, so a zero written between
// the code's read and write of it is lost (the benign race) and written
// again. The next charge then traps and the call fails as
// FailureKind::kDeadline with gas_used = gas_limit. Host functions check
// the expiry on every charge. Only queries use deadlines: block execution
// must not (gas.h).

#ifndef BALLAST_WASM_RUNTIME_H_
#define BALLAST_WASM_RUNTIME_H_

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "wasm/engine.h"
#include "wasm/failure.h"  // FailureKind, StatusCodeOf
#include "wasm/limits.h"
#include "wasm/prepare.h"

namespace ballast::wasm {

// A deployed contract's executable code, as the chain stores it.
struct ContractCode {
  // Identifies `code` (the cache key): the node passes the executable hash,
  // which covers the instrumenter version and the instrumented module.
  std::string code_hash;
  std::string code;  // PreparedModule::code
};

// What the runtime reads of the chain. Implemented by the node's executor
// over its block overlay and the ledger; the runtime includes nothing of
// either. Addresses are 20 raw bytes.
class ChainState {
 public:
  virtual ~ChainState() = default;
  virtual absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) = 0;
  // nullopt if no contract lives at `contract`.
  virtual absl::StatusOr<std::optional<ContractCode>> GetCode(
      std::string_view contract) = 0;
};

struct BlockInfo {
  uint64_t height = 0;
  int64_t time_ms = 0;
};

struct CallRequest {
  std::string contract;  // 20 bytes
  std::string method;
  std::string input;
  std::string sender;  // 20 bytes: the signer; caller and origin of the call
  uint64_t gas_limit = 0;
  BlockInfo block;
  bool is_deploy = false;  // only then may method be "init"
  // The bridge module calls an application's callback: only then may the
  // (top-level) method start with kBridgeMethodPrefix (host_abi.h). The
  // executor sets `sender` to the bridge's address.
  bool from_bridge = false;
  // Past this wall time the call fails as FailureKind::kDeadline. For
  // queries only: a block's transactions must run without one (gas.h).
  absl::Time deadline = absl::InfiniteFuture();
};

// (contract, key) -> new value, or nullopt for a removal. Ordered, so that
// applying it is deterministic.
using WriteSet =
    std::map<std::pair<std::string, std::string>, std::optional<std::string>>;

struct Event {
  std::string contract;
  std::string name;
  std::string data;
};

// A packet a contract asked the bridge to send (bl_send_packet).
struct PacketSend {
  std::string contract;  // the sender: the packet leaves from its port
  std::string channel;
  std::string data;
  uint64_t timeout_height = 0;
  int64_t timeout_ms = 0;
};

// A contract a contract created (bl_instantiate).
struct CreatedContract {
  std::string address;           // InstantiatedAddress(creator, salt)
  std::string creator;           // the creating contract
  std::string template_address;  // whose code (and interface) it runs
};

// The address bl_instantiate gives: the first 20 bytes of
// SHA-256("ballast/instantiate" || creator(20) || salt).
std::string InstantiatedAddress(std::string_view creator,
                                std::string_view salt);

struct CallOutcome {
  // OK, or why the call failed: "contract <hex> method <name>: <kind>:
  // <reason>", naming the contract where the failure happened, with code
  // StatusCodeOf(failure).
  absl::Status status;
  FailureKind failure = FailureKind::kNone;
  std::string output;
  // Everything charged, also by a call that failed (a charge is never given
  // back), including all its nested calls whatever their outcome; the whole
  // gas_limit when the call ran out of gas or past its deadline.
  uint64_t gas_used = 0;
  WriteSet writes;                       // empty unless status is OK
  std::vector<Event> events;             // empty unless status is OK
  std::vector<PacketSend> packets;       // empty unless status is OK
  std::vector<CreatedContract> created;  // empty unless status is OK
};

class Runtime {
 public:
  explicit Runtime(std::unique_ptr<Engine> engine, Limits limits = Limits());
  ~Runtime();

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Receives bl_log lines: the contract's address and the message (at most
  // kMaxMessageBytes bytes, sanitized to UTF-8). Called on the calling thread,
  // during Call; it must not call back into the runtime. Set it before any
  // Call.
  using LogSink =
      std::function<void(std::string_view contract, std::string_view message)>;
  void set_log_sink(LogSink sink) { log_sink_ = std::move(sink); }

  const Limits& limits() const { return limits_; }
  const Engine& engine() const { return *engine_; }

  // Deploy-time checks and instrumentation (see prepare.h).
  absl::StatusOr<PreparedModule> Prepare(std::string_view wasm) const;

  // Runs request.method of request.contract with nested calls, charging at
  // most request.gas_limit. Never returns partial writes.
  CallOutcome Call(const CallRequest& request, ChainState& state);

  // The compiled-module cache: an LRU keyed by code hash, holding modules
  // whose code adds up to at most `bytes` (default kModuleCacheBytes,
  // gas.h); the most recently used module is always kept. Whether a call
  // hits it never changes its gas.
  void set_module_cache_bytes(size_t bytes);
  struct CacheStats {
    size_t modules = 0;
    size_t code_bytes = 0;
    uint64_t compilations = 0;  // cache misses since construction
  };
  CacheStats cache_stats();

 private:
  friend class CallSession;
  class Watchdog;

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compiled(
      const ContractCode& code);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct CacheEntry {
    std::shared_ptr<const CompiledModule> module;
    size_t code_bytes = 0;
    std::list<std::string>::iterator lru;  // position in lru_
  };

  std::unique_ptr<Engine> engine_;
  Limits limits_;
  LogSink log_sink_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CacheEntry> compiled_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  size_t cache_limit_ ABSL_GUARDED_BY(mu_);
  size_t cache_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t compilations_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_RUNTIME_H_
