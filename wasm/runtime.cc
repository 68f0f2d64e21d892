// Execution of one contract call: a CallSession owns the gas budget and a
// stack of frames, one per contract on the call stack. Each frame collects
// its own writes and events; a frame that succeeds merges them into its
// parent (or the outcome), a frame that fails drops them.
//
// Host functions: the engine calls CallSession::Invoke with the function's
// index in kHostFunctions; InvokeHostFunction (host_functions.cc) charges
// the function's gas rule and runs its handler, which sees the call through
// the HostContext that CallSession implements.
//
// Gas lives in the instance's "ballast_gas" global while wasm runs and in
// CallSession::gas_ while the host runs: Invoke reads it from the calling
// instance and writes it back afterwards, also when the host function
// failed, so that a charge is never given back.
//
// Failures are either recoverable or fatal. An abort or a trap in a nested
// call is recoverable: bl_call returns 1 to the caller. Running out of gas,
// breaking a limit, the deadline and a failing ChainState are fatal: they
// unwind every frame and fail the whole call. Either way the callee's gas
// stays used: there is one counter for the whole call (gas_ here, the
// running instance's global while wasm runs), and nothing adds back to it.
//
// Each contract frame is charged, before the work: code loading (by code
// size, cached or not) before the module is looked up in the cache, and
// instantiation (base + initial memory pages) before the instance exists.
//
// Deadlines: the Watchdog (one thread per Runtime) calls Expire() on a
// session whose deadline passed; see runtime.h for the benign race.

#include "wasm/runtime.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "wasm/gas.h"
#include "wasm/host_abi.h"
#include "wasm/host_functions.h"

namespace ballast::wasm {

namespace {

bool IsFatal(FailureKind kind) {
  return kind == FailureKind::kOutOfGas || kind == FailureKind::kLimit ||
         kind == FailureKind::kDeadline || kind == FailureKind::kInternal;
}

constexpr char kDeadlineReason[] = "wall-time deadline exceeded";

}  // namespace

// One contract call and everything it calls.
class CallSession final : public HostDispatcher, public HostContext {
 public:
  CallSession(Runtime& runtime, ChainState& state, const CallRequest& request)
      : runtime_(runtime),
        limits_(runtime.limits_),
        state_(state),
        request_(request),
        gas_(static_cast<int64_t>(
            std::min<uint64_t>(request.gas_limit, INT64_MAX))) {}

  CallOutcome Run() {
    CallOutcome out;
    Frame root;
    FrameResult r = RunFrame(request_.contract, request_.method, request_.input,
                             request_.sender, &root);
    out.gas_used =
        request_.gas_limit - static_cast<uint64_t>(std::max<int64_t>(gas_, 0));
    if (r.kind != FailureKind::kNone) {
      out.status = r.status;
      out.failure = r.kind;
      if (r.kind == FailureKind::kOutOfGas ||
          r.kind == FailureKind::kDeadline) {
        out.gas_used = request_.gas_limit;
      }
      return out;
    }
    out.output = std::move(r.output);
    out.writes = std::move(root.writes);
    out.events = std::move(root.events);
    out.packets = std::move(root.packets);
    for (Created& c : root.created) out.created.push_back(std::move(c.info));
    return out;
  }

  // HostDispatcher.
  absl::Status Invoke(int index, Instance& caller,
                      absl::Span<const uint64_t> args,
                      uint64_t* result) override;

  // HostContext, for the host function running in the innermost frame.
  absl::Status Charge(int64_t amount) override {
    gas_ -= amount;
    if (expired_.load(std::memory_order_relaxed)) {
      gas_ = std::min<int64_t>(gas_, -1);
      return Fail(FailureKind::kDeadline, kDeadlineReason);
    }
    if (gas_ < 0) {
      return Fail(FailureKind::kOutOfGas,
                  StrCat("gas limit ", request_.gas_limit, " reached"));
    }
    return absl::OkStatus();
  }
  int64_t GasLeft() const override { return std::max<int64_t>(gas_, 0); }

  // Records a failure of the current frame and returns the status that
  // makes the engine unwind.
  absl::Status Fail(FailureKind kind, std::string_view reason) override {
    const Frame& f = *stack_.back();
    // Guest text (abort messages, method names) may be any bytes; receipts
    // carry it in a protobuf string, which must be UTF-8.
    absl::Status status(
        StatusCodeOf(kind),
        SanitizeUtf8(
            StrCat(Where(f), ": ", FailureKindName(kind), ": ", reason)));
    pending_ = Pending{kind, status};
    if (IsFatal(kind)) fatal_ = pending_;
    return status;
  }

  const Limits& limits() const override { return limits_; }

  absl::StatusOr<std::string_view> ReadGuest(uint64_t ptr,
                                             uint64_t len) override {
    ASSIGN_OR_RETURN(absl::Span<uint8_t> span, Guest(ptr, len));
    return std::string_view(reinterpret_cast<const char*>(span.data()),
                            span.size());
  }

  absl::Status WriteGuest(uint64_t ptr, std::string_view bytes) override {
    ASSIGN_OR_RETURN(absl::Span<uint8_t> span, Guest(ptr, bytes.size()));
    if (!bytes.empty()) std::memcpy(span.data(), bytes.data(), bytes.size());
    return absl::OkStatus();
  }

  std::string_view Input() const override { return stack_.back()->input; }
  void SetOutput(std::string bytes) override {
    stack_.back()->output = std::move(bytes);
  }
  std::string_view Caller() const override { return stack_.back()->caller; }
  std::string_view Origin() const override { return request_.sender; }
  std::string_view Self() const override { return stack_.back()->contract; }
  uint64_t BlockHeight() const override { return request_.block.height; }
  int64_t BlockTime() const override { return request_.block.time_ms; }

  absl::StatusOr<std::optional<std::string>> ReadStorage(
      std::string_view key) override {
    auto k = std::make_pair(stack_.back()->contract, std::string(key));
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      auto found = (*it)->writes.find(k);
      if (found != (*it)->writes.end()) return found->second;
    }
    auto value = state_.GetStorage(k.first, k.second);
    if (!value.ok()) {
      return Fail(FailureKind::kInternal,
                  StrCat("reading storage: ", value.status().message()));
    }
    return *std::move(value);
  }

  void WriteStorage(std::string_view key,
                    std::optional<std::string> value) override {
    Frame& f = *stack_.back();
    f.writes[{f.contract, std::string(key)}] = std::move(value);
  }

  size_t EventCount() const override {
    size_t n = 0;
    for (const Frame* f : stack_) n += f->events.size();
    return n;
  }

  void EmitEvent(std::string name, std::string data) override {
    Frame& f = *stack_.back();
    f.events.push_back(Event{f.contract, std::move(name), std::move(data)});
  }

  size_t PacketCount() const override {
    size_t n = 0;
    for (const Frame* f : stack_) n += f->packets.size();
    return n;
  }

  void SendPacket(std::string channel, std::string data,
                  uint64_t timeout_height, int64_t timeout_ms) override {
    Frame& f = *stack_.back();
    f.packets.push_back(PacketSend{f.contract, std::move(channel),
                                   std::move(data), timeout_height,
                                   timeout_ms});
  }

  absl::StatusOr<uint32_t> CallContract(std::string target, std::string method,
                                        std::string input) override;
  absl::StatusOr<uint32_t> Instantiate(std::string template_addr,
                                       std::string init, std::string salt,
                                       std::string* address) override;

  std::string_view ReturnData() const override {
    return stack_.back()->return_data;
  }

  // Called by the watchdog thread (under its lock) once the deadline has
  // passed, and again every millisecond until the call ends.
  void Expire() {
    expired_.store(true, std::memory_order_relaxed);
    absl::MutexLock lock(&running_mu_);
    if (running_ != nullptr) running_->ExhaustGasFromOtherThread();
  }

  void Log(std::string_view message) override {
    if (runtime_.log_sink_) {
      runtime_.log_sink_(stack_.back()->contract, SanitizeUtf8(message));
    }
  }

 private:
  struct Created {
    CreatedContract info;
    ContractCode code;  // the template's
  };

  struct Frame {
    std::string contract;
    std::string caller;
    std::string method;
    std::string_view input;
    std::string output;
    std::string return_data;  // result of the last bl_call
    WriteSet writes;
    std::vector<Event> events;
    std::vector<PacketSend> packets;
    // Contracts this frame (and the callees that succeeded) created; they
    // exist for the rest of the call only if the frame succeeds.
    std::vector<Created> created;
    bool instantiating = false;  // the init of a contract being created
  };

  // The code of `contract`: one created during this call (by a frame still
  // on the stack), else the chain's.
  absl::StatusOr<std::optional<ContractCode>> LookupCode(
      std::string_view contract) {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      for (const Created& c : (*it)->created) {
        if (c.info.address == contract) return c.code;
      }
    }
    return state_.GetCode(contract);
  }

  struct FrameResult {
    FailureKind kind = FailureKind::kNone;
    absl::Status status;
    std::string output;
  };

  // A failure raised by a host function, kept until the engine unwinds.
  struct Pending {
    FailureKind kind;
    absl::Status status;
  };

  FrameResult RunFrame(const std::string& contract, std::string_view method,
                       std::string_view input, const std::string& caller,
                       Frame* frame);
  FrameResult Classify(const absl::Status& engine_status, Instance* instance,
                       const Frame& frame);

  std::string Where(const Frame& f) const {
    return StrCat("contract ", ToHex(f.contract), " method ", f.method);
  }

  // [ptr, ptr + len) of the calling instance's memory, or a trap.
  absl::StatusOr<absl::Span<uint8_t>> Guest(uint64_t ptr, uint64_t len) {
    absl::Span<uint8_t> memory = caller_->Memory();
    if (ptr > memory.size() || len > memory.size() - ptr) {
      return Fail(FailureKind::kTrap,
                  StrCat("out of bounds: host access [", ptr, ", ", ptr + len,
                         ") outside memory of ", memory.size(), " bytes"));
    }
    return memory.subspan(ptr, len);
  }

  Runtime& runtime_;
  const Limits& limits_;
  ChainState& state_;
  const CallRequest& request_;
  int64_t gas_;
  std::vector<Frame*> stack_;
  // The compiled modules this call has loaded (and paid for), by code hash:
  // warm for its later frames. At most gas_limit / kGasCodeLoad of code.
  absl::flat_hash_map<std::string, std::shared_ptr<const CompiledModule>>
      loaded_;
  Instance* caller_ = nullptr;  // the instance whose host call is running
  std::optional<Pending> pending_;
  std::optional<Pending> fatal_;
  std::atomic<bool> expired_{false};
  // The innermost instance, for the watchdog. Changed (and an instance
  // destroyed) only by the call's thread, under the lock.
  absl::Mutex running_mu_;
  Instance* running_ ABSL_GUARDED_BY(running_mu_) = nullptr;
};

CallSession::FrameResult CallSession::RunFrame(const std::string& contract,
                                               std::string_view method,
                                               std::string_view input,
                                               const std::string& caller,
                                               Frame* frame) {
  frame->contract = contract;
  frame->caller = caller;
  frame->method = std::string(method);
  frame->input = input;
  stack_.push_back(frame);
  struct Pop {
    std::vector<Frame*>* stack;
    ~Pop() { stack->pop_back(); }
  } pop{&stack_};

  auto fail = [&](FailureKind kind, std::string_view reason) {
    absl::Status s = Fail(kind, reason);
    pending_.reset();
    return FrameResult{kind, s, ""};
  };

  if (stack_.size() > limits_.max_contract_depth) {
    return fail(FailureKind::kLimit, StrCat("contract call depth over ",
                                            limits_.max_contract_depth));
  }
  if (input.size() > limits_.max_input_bytes) {
    return fail(FailureKind::kLimit, StrCat("input of ", input.size(),
                                            " bytes exceeds the limit of ",
                                            limits_.max_input_bytes));
  }
  if (method == kInitMethod ? !((request_.is_deploy && stack_.size() == 1) ||
                                frame->instantiating)
                            : IsReservedExportName(method)) {
    return fail(FailureKind::kInvalid,
                StrCat("'", method, "' cannot be called"));
  }
  if (method.starts_with(kBridgeMethodPrefix) &&
      !(request_.from_bridge && stack_.size() == 1)) {
    return fail(FailureKind::kInvalid,
                StrCat("'", method, "' can be called only by the bridge"));
  }
  auto code = LookupCode(contract);
  if (!code.ok()) {
    return fail(FailureKind::kInternal,
                StrCat("loading code: ", code.status().message()));
  }
  if (!code->has_value()) {
    return fail(FailureKind::kInvalid, "no contract at this address");
  }
  // Charged before the work, never given back (gas.h): instantiation, and
  // loading the code the first time this call uses it (the same whether
  // the node's cache has it or not). Later frames of the same code use the
  // module this call keeps, so they cannot miss.
  auto charged = [&](int64_t gas) -> std::optional<FrameResult> {
    absl::Status s = Charge(gas);
    if (s.ok()) return std::nullopt;
    FrameResult r{pending_->kind, s, ""};
    pending_.reset();
    return r;
  };
  std::shared_ptr<const CompiledModule> compiled;
  if (auto warm = loaded_.find((*code)->code_hash); warm != loaded_.end()) {
    compiled = warm->second;
  }
  const bool cold = compiled == nullptr;
  if (auto r = charged(kGasInstantiate +
                       (cold ? kGasCodeLoad.Of((*code)->code.size()) : 0))) {
    return *r;
  }
  if (cold) {
    auto loaded = runtime_.Compiled(**code);
    if (!loaded.ok()) {
      return fail(FailureKind::kInternal,
                  std::string(loaded.status().message()));
    }
    compiled = *std::move(loaded);
    loaded_.emplace((*code)->code_hash, compiled);
  }
  if (auto r = charged(kGasPerInitialPage *
                       int64_t{compiled->InitialMemoryPages()})) {
    return *r;
  }
  auto instance = compiled->Instantiate(this);
  if (!instance.ok()) {
    // An engine's own failure (InternalError: out of memory, an
    // unrecognised trap) is the node's, not the contract's.
    return fail(absl::IsInternal(instance.status()) ? FailureKind::kInternal
                                                    : FailureKind::kTrap,
                std::string(instance.status().message()));
  }
  Instance& inst = **instance;
  // Declared after `instance`, so it runs first: the watchdog stops seeing
  // the instance before it is destroyed.
  struct Running {
    CallSession* session;
    Instance* outer;
    Running(CallSession* s, Instance* inst) : session(s) {
      absl::MutexLock lock(&s->running_mu_);
      outer = s->running_;
      s->running_ = inst;
    }
    ~Running() {
      absl::MutexLock lock(&session->running_mu_);
      session->running_ = outer;
    }
  } running(this, &inst);

  // "_initialize" (static constructors, optional), then the method.
  for (std::string_view name : {kEmscriptenInitExport, method}) {
    // A deadline that passed between the watchdog's last write and here
    // must not be undone by this write.
    if (expired_.load(std::memory_order_relaxed))
      gas_ = std::min<int64_t>(gas_, 0);
    inst.SetGas(gas_);
    absl::Status s = inst.Call(name);
    gas_ = inst.Gas();
    if (s.ok()) continue;
    if (name == kEmscriptenInitExport && absl::IsNotFound(s)) continue;
    // A created contract whose code has no init takes no init input.
    if (frame->instantiating && absl::IsNotFound(s) && input.empty()) continue;
    if (absl::IsNotFound(s)) {
      return fail(FailureKind::kInvalid, "no such method");
    }
    return Classify(s, &inst, *frame);
  }
  return FrameResult{FailureKind::kNone, absl::OkStatus(),
                     std::move(frame->output)};
}

CallSession::FrameResult CallSession::Classify(
    const absl::Status& engine_status, Instance* instance, const Frame& frame) {
  if (fatal_.has_value()) {
    pending_.reset();
    return FrameResult{fatal_->kind, fatal_->status, ""};
  }
  if (pending_.has_value()) {
    FrameResult r{pending_->kind, pending_->status, ""};
    pending_.reset();
    return r;
  }
  // A trap inside wasm: the counters tell whether it was ours. An engine's
  // InternalError (trap.h) is the node's failure, not the contract's.
  FailureKind kind = FailureKind::kTrap;
  std::string reason(engine_status.message());
  if (absl::IsInternal(engine_status)) {
    kind = FailureKind::kInternal;
  } else if (instance->Gas() < 0) {
    if (expired_.load(std::memory_order_relaxed)) {
      kind = FailureKind::kDeadline;
      reason = kDeadlineReason;
    } else {
      kind = FailureKind::kOutOfGas;
      reason = StrCat("gas limit ", request_.gas_limit, " reached");
    }
  } else if (instance->Depth() > limits_.max_call_depth) {
    kind = FailureKind::kLimit;
    reason = StrCat("wasm call depth over ", limits_.max_call_depth, " frames");
  }
  absl::Status s = Fail(kind, reason);
  pending_.reset();
  return FrameResult{kind, s, ""};
}

absl::Status CallSession::Invoke(int index, Instance& caller,
                                 absl::Span<const uint64_t> args,
                                 uint64_t* result) {
  gas_ = caller.Gas();
  Instance* outer = caller_;
  caller_ = &caller;
  absl::Status s = InvokeHostFunction(index, *this, args, result);
  caller_ = outer;
  // Also after a failure: what the host function was charged stays charged.
  // After the deadline, keep the counter exhausted.
  if (expired_.load(std::memory_order_relaxed)) {
    gas_ = std::min<int64_t>(gas_, 0);
  }
  caller.SetGas(gas_);
  return s;
}

absl::StatusOr<uint32_t> CallSession::CallContract(std::string target,
                                                   std::string method,
                                                   std::string input) {
  Frame& f = *stack_.back();
  for (const Frame* on_stack : stack_) {
    if (on_stack->contract == target) {
      f.return_data = StrCat("re-entrancy refused: contract ", ToHex(target),
                             " is already on the call stack");
      return 1;
    }
  }
  Frame callee;
  FrameResult r = RunFrame(target, method, input, f.contract, &callee);
  if (r.kind == FailureKind::kNone) {
    for (auto& [k, v] : callee.writes) f.writes[k] = std::move(v);
    for (Event& e : callee.events) f.events.push_back(std::move(e));
    for (PacketSend& p : callee.packets) f.packets.push_back(std::move(p));
    for (Created& c : callee.created) f.created.push_back(std::move(c));
    f.return_data = std::move(r.output);
    return 0;
  }
  if (IsFatal(r.kind)) return r.status;  // unwinds the caller too; fatal_ set
  f.return_data = std::string(r.status.message());
  return 1;
}

absl::StatusOr<uint32_t> CallSession::Instantiate(std::string template_addr,
                                                  std::string init,
                                                  std::string salt,
                                                  std::string* address) {
  Frame& f = *stack_.back();
  auto code = LookupCode(template_addr);
  if (!code.ok()) {
    return Fail(FailureKind::kInternal,
                StrCat("loading code: ", code.status().message()));
  }
  if (!code->has_value()) {
    f.return_data =
        StrCat("instantiate: no contract at template 0x", ToHex(template_addr));
    return 1;
  }
  std::string created = InstantiatedAddress(f.contract, salt);
  auto existing = LookupCode(created);
  if (!existing.ok()) {
    return Fail(FailureKind::kInternal,
                StrCat("loading code: ", existing.status().message()));
  }
  if (existing->has_value()) {
    f.return_data = StrCat("instantiate: a contract already lives at 0x",
                           ToHex(created), " (this salt was used before)");
    return 1;
  }
  Frame callee;
  callee.instantiating = true;
  callee.created.push_back(
      Created{CreatedContract{created, f.contract, std::move(template_addr)},
              **std::move(code)});
  FrameResult r = RunFrame(created, kInitMethod, init, f.contract, &callee);
  if (r.kind == FailureKind::kNone) {
    for (auto& [k, v] : callee.writes) f.writes[k] = std::move(v);
    for (Event& e : callee.events) f.events.push_back(std::move(e));
    for (PacketSend& p : callee.packets) f.packets.push_back(std::move(p));
    for (Created& c : callee.created) f.created.push_back(std::move(c));
    f.return_data = created;
    *address = std::move(created);
    return 0;
  }
  if (IsFatal(r.kind)) return r.status;
  f.return_data = std::string(r.status.message());
  return 1;
}

std::string InstantiatedAddress(std::string_view creator,
                                std::string_view salt) {
  Sha256Hasher h;
  h.Update("ballast/instantiate");
  h.Update(creator);
  h.Update(salt);
  return h.Finish().substr(0, kAddressSize);
}

// Watches calls with a deadline: one thread, started by the first Watch.
class Runtime::Watchdog {
 public:
  ~Watchdog() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
      cv_.Signal();
    }
    if (thread_.joinable()) thread_.join();
  }

  void Watch(CallSession* session, absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    watched_[session] = deadline;
    cv_.Signal();
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  }

  // After Unwatch returns, Expire is not running for `session` and never
  // will again.
  void Unwatch(CallSession* session) {
    absl::MutexLock lock(&mu_);
    watched_.erase(session);
    cv_.Signal();
  }

 private:
  void Loop() {
    absl::MutexLock lock(&mu_);
    while (!stop_) {
      const absl::Time now = absl::Now();
      absl::Time next = absl::InfiniteFuture();
      for (auto& [session, deadline] : watched_) {
        if (deadline <= now) {
          session->Expire();
          // Again soon: the write may have been lost to the race.
          next = std::min(next, now + absl::Milliseconds(1));
        } else {
          next = std::min(next, deadline);
        }
      }
      // Wakes at `next`, or when a call is watched or unwatched, or stop_.
      cv_.WaitWithDeadline(&mu_, next);
    }
  }

  absl::Mutex mu_;
  std::map<CallSession*, absl::Time> watched_ ABSL_GUARDED_BY(mu_);
  absl::CondVar cv_;  // signalled by Watch, Unwatch and the destructor
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

Runtime::Runtime(std::unique_ptr<Engine> engine, Limits limits)
    : engine_(std::move(engine)),
      limits_(limits),
      cache_limit_(kModuleCacheBytes),
      watchdog_(std::make_unique<Watchdog>()) {}

Runtime::~Runtime() = default;

absl::StatusOr<PreparedModule> Runtime::Prepare(std::string_view wasm) const {
  return PrepareModule(wasm, limits_);
}

void Runtime::set_module_cache_bytes(size_t bytes) {
  absl::MutexLock lock(&mu_);
  cache_limit_ = bytes;
  EvictLocked();
}

Runtime::CacheStats Runtime::cache_stats() {
  absl::MutexLock lock(&mu_);
  return CacheStats{compiled_.size(), cache_bytes_, compilations_};
}

void Runtime::EvictLocked() {
  while (cache_bytes_ > cache_limit_ && lru_.size() > 1) {
    auto it = compiled_.find(lru_.back());
    cache_bytes_ -= it->second.code_bytes;
    compiled_.erase(it);
    lru_.pop_back();
  }
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Runtime::Compiled(
    const ContractCode& code) {
  {
    absl::MutexLock lock(&mu_);
    auto it = compiled_.find(code.code_hash);
    if (it != compiled_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.module;
    }
    ++compilations_;
  }
  // Compiled outside the lock; two calls missing on the same code at once
  // both compile it, and the second result replaces nothing.
  auto compiled = engine_->Compile(code.code);
  if (!compiled.ok()) return compiled.status();
  absl::MutexLock lock(&mu_);
  if (compiled_.contains(code.code_hash)) return *compiled;
  lru_.push_front(code.code_hash);
  compiled_[code.code_hash] =
      CacheEntry{*compiled, code.code.size(), lru_.begin()};
  cache_bytes_ += code.code.size();
  EvictLocked();
  return *compiled;
}

CallOutcome Runtime::Call(const CallRequest& request, ChainState& state) {
  CallSession session(*this, state, request);
  if (request.deadline == absl::InfiniteFuture()) return session.Run();
  watchdog_->Watch(&session, request.deadline);
  CallOutcome out = session.Run();
  watchdog_->Unwatch(&session);
  return out;
}

}  // namespace ballast::wasm
