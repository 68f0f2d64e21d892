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
// breaking a limit and a failing ChainState are fatal: they unwind every
// frame and fail the whole call.

#include "wasm/runtime.h"

#include <cstring>

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
         kind == FailureKind::kInternal;
}

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
      if (r.kind == FailureKind::kOutOfGas) out.gas_used = request_.gas_limit;
      return out;
    }
    out.output = std::move(r.output);
    out.writes = std::move(root.writes);
    out.events = std::move(root.events);
    return out;
  }

  // HostDispatcher.
  absl::Status Invoke(int index, Instance& caller,
                      absl::Span<const uint64_t> args,
                      uint64_t* result) override;

  // HostContext, for the host function running in the innermost frame.
  absl::Status Charge(int64_t amount) override {
    gas_ -= amount;
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

  absl::StatusOr<uint32_t> CallContract(std::string target, std::string method,
                                        std::string input) override;

  std::string_view ReturnData() const override {
    return stack_.back()->return_data;
  }

  void Log(std::string_view message) override {
    if (runtime_.log_sink_) {
      runtime_.log_sink_(stack_.back()->contract, SanitizeUtf8(message));
    }
  }

 private:
  struct Frame {
    std::string contract;
    std::string caller;
    std::string method;
    std::string_view input;
    std::string output;
    std::string return_data;  // result of the last bl_call
    WriteSet writes;
    std::vector<Event> events;
  };

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
  Instance* caller_ = nullptr;  // the instance whose host call is running
  std::optional<Pending> pending_;
  std::optional<Pending> fatal_;
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
  if (method == kInitMethod ? !(request_.is_deploy && stack_.size() == 1)
                            : IsReservedExportName(method)) {
    return fail(FailureKind::kInvalid,
                StrCat("'", method, "' cannot be called"));
  }
  auto code = state_.GetCode(contract);
  if (!code.ok()) {
    return fail(FailureKind::kInternal,
                StrCat("loading code: ", code.status().message()));
  }
  if (!code->has_value()) {
    return fail(FailureKind::kInvalid, "no contract at this address");
  }
  auto compiled = runtime_.Compiled(**code);
  if (!compiled.ok()) {
    return fail(FailureKind::kInternal,
                std::string(compiled.status().message()));
  }
  if (absl::Status s =
          Charge(kGasInstantiate + static_cast<int64_t>((*code)->code.size()) /
                                       kCodeBytesPerInstantiateGas);
      !s.ok()) {
    pending_.reset();
    return FrameResult{FailureKind::kOutOfGas, s, ""};
  }
  auto instance = (*compiled)->Instantiate(this);
  if (!instance.ok()) {
    return fail(FailureKind::kTrap, std::string(instance.status().message()));
  }
  Instance& inst = **instance;

  // "_initialize" (static constructors, optional), then the method.
  for (std::string_view name : {kEmscriptenInitExport, method}) {
    inst.SetGas(gas_);
    absl::Status s = inst.Call(name);
    gas_ = inst.Gas();
    if (s.ok()) continue;
    if (name == kEmscriptenInitExport && absl::IsNotFound(s)) continue;
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
  // A trap inside wasm: the counters tell whether it was ours.
  FailureKind kind = FailureKind::kTrap;
  std::string reason(engine_status.message());
  if (instance->Gas() < 0) {
    kind = FailureKind::kOutOfGas;
    reason = StrCat("gas limit ", request_.gas_limit, " reached");
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
    f.return_data = std::move(r.output);
    return 0;
  }
  if (IsFatal(r.kind)) return r.status;  // unwinds the caller too; fatal_ set
  f.return_data = std::string(r.status.message());
  return 1;
}

Runtime::Runtime(std::unique_ptr<Engine> engine, Limits limits)
    : engine_(std::move(engine)), limits_(limits) {}

Runtime::~Runtime() = default;

absl::StatusOr<PreparedModule> Runtime::Prepare(std::string_view wasm) const {
  return PrepareModule(wasm, limits_);
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Runtime::Compiled(
    const ContractCode& code) {
  {
    absl::MutexLock lock(&mu_);
    auto it = compiled_.find(code.code_hash);
    if (it != compiled_.end()) return it->second;
  }
  auto compiled = engine_->Compile(code.code);
  if (!compiled.ok()) return compiled.status();
  absl::MutexLock lock(&mu_);
  constexpr size_t kMaxCached = 256;
  if (compiled_.size() >= kMaxCached) compiled_.clear();
  compiled_[code.code_hash] = *compiled;
  return *compiled;
}

CallOutcome Runtime::Call(const CallRequest& request, ChainState& state) {
  return CallSession(*this, state, request).Run();
}

}  // namespace ballast::wasm
