// Execution of one contract call: a CallSession owns the gas budget and a
// stack of frames, one per contract on the call stack. Each frame collects
// its own writes and events; a frame that succeeds merges them into its
// parent (or the outcome), a frame that fails drops them.
//
// Gas lives in the instance's "ballast_gas" global while wasm runs and in
// CallSession::gas_ while the host runs: every host function reads it from
// the calling instance, charges, and writes it back before returning.
//
// Failures are either recoverable or fatal. An abort or a trap in a nested
// call is recoverable: bl_call returns 1 to the caller. Running out of gas,
// breaking a limit and a failing ChainState are fatal: they unwind every
// frame and fail the whole call.

#include "wasm/runtime.h"

#include <cstring>

#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "wasm/gas.h"
#include "wasm/host_abi.h"

namespace ballast::wasm {

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return "ok";
    case FailureKind::kInvalid:
      return "invalid";
    case FailureKind::kAbort:
      return "aborted";
    case FailureKind::kTrap:
      return "trapped";
    case FailureKind::kOutOfGas:
      return "out of gas";
    case FailureKind::kLimit:
      return "limit exceeded";
    case FailureKind::kInternal:
      return "internal";
  }
  return "unknown";
}

namespace {

absl::StatusCode CodeFor(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return absl::StatusCode::kOk;
    case FailureKind::kInvalid:
      return absl::StatusCode::kInvalidArgument;
    case FailureKind::kAbort:
      return absl::StatusCode::kFailedPrecondition;
    case FailureKind::kTrap:
      return absl::StatusCode::kAborted;
    case FailureKind::kOutOfGas:
    case FailureKind::kLimit:
      return absl::StatusCode::kResourceExhausted;
    case FailureKind::kInternal:
      return absl::StatusCode::kInternal;
  }
  return absl::StatusCode::kUnknown;
}

// Event names are message names: [A-Za-z_][A-Za-z0-9_]*.
bool IsEventName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

bool IsFatal(FailureKind kind) {
  return kind == FailureKind::kOutOfGas || kind == FailureKind::kLimit ||
         kind == FailureKind::kInternal;
}

}  // namespace

// One contract call and everything it calls.
class CallSession final : public HostDispatcher {
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

  absl::Status Invoke(int index, Instance& caller,
                      absl::Span<const uint64_t> args,
                      uint64_t* result) override;

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

  // Records a failure of the current frame and returns the status that
  // makes the engine unwind.
  absl::Status Fail(FailureKind kind, std::string_view reason) {
    const Frame& f = *stack_.back();
    // Guest text (abort messages, method names) may be any bytes; receipts
    // carry it in a protobuf string, which must be UTF-8.
    absl::Status status(
        CodeFor(kind),
        SanitizeUtf8(
            StrCat(Where(f), ": ", FailureKindName(kind), ": ", reason)));
    pending_ = Pending{kind, status};
    if (IsFatal(kind)) fatal_ = pending_;
    return status;
  }

  absl::Status Charge(int64_t amount) {
    gas_ -= amount;
    if (gas_ < 0) {
      return Fail(FailureKind::kOutOfGas,
                  StrCat("gas limit ", request_.gas_limit, " reached"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<absl::Span<uint8_t>> Guest(Instance& instance, uint64_t ptr,
                                            uint64_t len) {
    absl::Span<uint8_t> memory = instance.Memory();
    if (ptr > memory.size() || len > memory.size() - ptr) {
      return Fail(FailureKind::kTrap,
                  StrCat("out of bounds: host access [", ptr, ", ", ptr + len,
                         ") outside memory of ", memory.size(), " bytes"));
    }
    return memory.subspan(ptr, len);
  }

  absl::StatusOr<std::string> GuestString(Instance& instance, uint64_t ptr,
                                          uint64_t len) {
    auto span = Guest(instance, ptr, len);
    if (!span.ok()) return span.status();
    return std::string(reinterpret_cast<const char*>(span->data()),
                       span->size());
  }

  absl::Status WriteGuest(Instance& instance, uint64_t ptr,
                          std::string_view bytes) {
    auto span = Guest(instance, ptr, bytes.size());
    if (!span.ok()) return span.status();
    if (!bytes.empty()) std::memcpy(span->data(), bytes.data(), bytes.size());
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> ReadStorage(
      const std::string& contract, const std::string& key) {
    auto k = std::make_pair(contract, key);
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      auto found = (*it)->writes.find(k);
      if (found != (*it)->writes.end()) return found->second;
    }
    auto value = state_.GetStorage(contract, key);
    if (!value.ok()) {
      return Fail(FailureKind::kInternal,
                  StrCat("reading storage: ", value.status().message()));
    }
    return *value;
  }

  size_t TotalEvents() const {
    size_t n = 0;
    for (const Frame* f : stack_) n += f->events.size();
    return n;
  }

  Runtime& runtime_;
  const Limits& limits_;
  ChainState& state_;
  const CallRequest& request_;
  int64_t gas_;
  std::vector<Frame*> stack_;
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
                                 absl::Span<const uint64_t> a,
                                 uint64_t* result) {
  gas_ = caller.Gas();
  Frame& f = *stack_.back();
  const std::string_view name = kHostFunctions[index].name;
  auto charge = [&](int64_t amount) { return Charge(kGasHostCall + amount); };
  absl::Status s;

  // Each host function: charge, bounds-check guest memory, act, write back.
  if (name == "bl_input_len") {
    s = charge(0);
    *result = f.input.size();
  } else if (name == "bl_input_read") {
    s = charge(kGasPerByteCopied * f.input.size());
    if (s.ok()) s = WriteGuest(caller, a[0], f.input);
  } else if (name == "bl_output_write") {
    if (a[1] > limits_.max_output_bytes) {
      s = Fail(FailureKind::kLimit,
               StrCat("output of ", a[1], " bytes exceeds the limit of ",
                      limits_.max_output_bytes));
    } else {
      s = charge(kGasPerByteCopied * a[1]);
      if (s.ok()) {
        auto bytes = GuestString(caller, a[0], a[1]);
        s = bytes.status();
        if (s.ok()) f.output = *std::move(bytes);
      }
    }
  } else if (name == "bl_storage_read") {
    s = charge(kGasStorageRead + kGasPerStorageReadByte * a[1]);
    absl::StatusOr<std::string> key;
    if (s.ok()) key = GuestString(caller, a[0], a[1]);
    if (s.ok()) s = key.status();
    absl::StatusOr<std::optional<std::string>> value;
    if (s.ok()) value = ReadStorage(f.contract, *key);
    if (s.ok()) s = value.status();
    if (s.ok() && !value->has_value()) {
      *result = static_cast<uint32_t>(-1);
    } else if (s.ok()) {
      const std::string& v = **value;
      s = Charge(kGasPerStorageReadByte * v.size());
      size_t n = std::min<uint64_t>(v.size(), a[3]);
      if (s.ok())
        s = WriteGuest(caller, a[2], std::string_view(v).substr(0, n));
      *result = v.size();
    }
  } else if (name == "bl_storage_write") {
    if (a[1] > limits_.max_storage_key_bytes ||
        a[3] > limits_.max_storage_value_bytes) {
      s = Fail(
          FailureKind::kLimit,
          StrCat("storage entry of key ", a[1], " / value ", a[3],
                 " bytes exceeds the limits of ", limits_.max_storage_key_bytes,
                 " / ", limits_.max_storage_value_bytes));
    } else {
      s = charge(kGasStorageWrite + kGasPerStorageWriteByte * (a[1] + a[3]));
      absl::StatusOr<std::string> key, value;
      if (s.ok()) key = GuestString(caller, a[0], a[1]);
      if (s.ok()) s = key.status();
      if (s.ok()) value = GuestString(caller, a[2], a[3]);
      if (s.ok()) s = value.status();
      if (s.ok()) f.writes[{f.contract, *std::move(key)}] = *std::move(value);
    }
  } else if (name == "bl_storage_remove") {
    s = charge(kGasStorageRemove + kGasPerStorageWriteByte * a[1]);
    absl::StatusOr<std::string> key;
    if (s.ok()) key = GuestString(caller, a[0], a[1]);
    if (s.ok()) s = key.status();
    if (s.ok()) f.writes[{f.contract, *std::move(key)}] = std::nullopt;
  } else if (name == "bl_emit_event") {
    if (a[1] == 0 || a[1] > limits_.max_event_name_bytes ||
        a[3] > limits_.max_event_data_bytes) {
      s = Fail(
          FailureKind::kLimit,
          StrCat("event name of ", a[1], " bytes / data of ", a[3],
                 " bytes outside the limits 1..", limits_.max_event_name_bytes,
                 " / ", limits_.max_event_data_bytes));
    } else if (TotalEvents() >= limits_.max_events) {
      s = Fail(FailureKind::kLimit,
               StrCat("more than ", limits_.max_events, " events"));
    } else {
      s = charge(kGasEvent + kGasPerEventByte * (a[1] + a[3]));
      absl::StatusOr<std::string> event_name, data;
      if (s.ok()) event_name = GuestString(caller, a[0], a[1]);
      if (s.ok()) s = event_name.status();
      if (s.ok()) data = GuestString(caller, a[2], a[3]);
      if (s.ok()) s = data.status();
      if (s.ok() && !IsEventName(*event_name)) {
        s = Fail(FailureKind::kTrap,
                 StrCat("bl_emit_event: event name '", *event_name,
                        "' is not an identifier"));
      }
      if (s.ok()) {
        f.events.push_back(
            Event{f.contract, *std::move(event_name), *std::move(data)});
      }
    }
  } else if (name == "bl_abort") {
    s = charge(kGasPerByteCopied * std::min<uint64_t>(a[1], 1024));
    absl::StatusOr<std::string> msg;
    if (s.ok()) msg = GuestString(caller, a[0], std::min<uint64_t>(a[1], 1024));
    if (s.ok()) s = msg.status();
    if (s.ok()) s = Fail(FailureKind::kAbort, *msg);
  } else if (name == "bl_caller") {
    s = charge(0);
    if (s.ok()) s = WriteGuest(caller, a[0], f.caller);
  } else if (name == "bl_origin") {
    s = charge(0);
    if (s.ok()) s = WriteGuest(caller, a[0], request_.sender);
  } else if (name == "bl_self") {
    s = charge(0);
    if (s.ok()) s = WriteGuest(caller, a[0], f.contract);
  } else if (name == "bl_block_height") {
    s = charge(0);
    *result = request_.block.height;
  } else if (name == "bl_block_time") {
    s = charge(0);
    *result = static_cast<uint64_t>(request_.block.time_ms);
  } else if (name == "bl_call") {
    s = charge(kGasContractCall + kGasPerByteCopied * a[4]);
    absl::StatusOr<std::string> target, method, input;
    if (s.ok()) target = GuestString(caller, a[0], kAddressSize);
    if (s.ok()) s = target.status();
    if (s.ok() && a[2] > limits_.max_method_name_bytes) {
      s = Fail(FailureKind::kLimit, "method name too long in bl_call");
    }
    if (s.ok()) method = GuestString(caller, a[1], a[2]);
    if (s.ok()) s = method.status();
    if (s.ok() && a[4] > limits_.max_input_bytes) {
      s = Fail(FailureKind::kLimit,
               StrCat("bl_call input of ", a[4], " bytes exceeds the limit of ",
                      limits_.max_input_bytes));
    }
    if (s.ok()) input = GuestString(caller, a[3], a[4]);
    if (s.ok()) s = input.status();
    if (s.ok()) {
      bool reentrant = false;
      for (const Frame* on_stack : stack_) {
        if (on_stack->contract == *target) reentrant = true;
      }
      if (reentrant) {
        f.return_data = StrCat("re-entrancy refused: contract ", ToHex(*target),
                               " is already on the call stack");
        *result = 1;
      } else {
        Frame callee;
        FrameResult r = RunFrame(*target, *method, *input, f.contract, &callee);
        if (r.kind == FailureKind::kNone) {
          for (auto& [k, v] : callee.writes) f.writes[k] = std::move(v);
          for (Event& e : callee.events) f.events.push_back(std::move(e));
          f.return_data = std::move(r.output);
          *result = 0;
        } else if (IsFatal(r.kind)) {
          s = r.status;  // unwinds the caller too; fatal_ is set
        } else {
          f.return_data = std::string(r.status.message());
          *result = 1;
        }
      }
    }
  } else if (name == "bl_return_len") {
    s = charge(0);
    *result = f.return_data.size();
  } else if (name == "bl_return_read") {
    s = charge(kGasPerByteCopied * f.return_data.size());
    if (s.ok()) s = WriteGuest(caller, a[0], f.return_data);
  } else if (name == "bl_sha256") {
    s = charge(kGasSha256 + kGasPerSha256Byte * a[1]);
    absl::StatusOr<std::string> data;
    if (s.ok()) data = GuestString(caller, a[0], a[1]);
    if (s.ok()) s = data.status();
    if (s.ok()) s = WriteGuest(caller, a[2], Sha256(*data));
  } else if (name == "bl_gas_left") {
    s = charge(0);
    *result = static_cast<uint64_t>(std::max<int64_t>(gas_, 0));
  } else if (name == "bl_log") {
    s = charge(kGasPerByteCopied * a[1]);
    absl::StatusOr<std::string> msg;
    if (s.ok()) s = Guest(caller, a[0], a[1]).status();
    if (s.ok()) msg = GuestString(caller, a[0], std::min<uint64_t>(a[1], 1024));
    if (s.ok()) s = msg.status();
    if (s.ok() && runtime_.log_sink_) {
      runtime_.log_sink_(f.contract, SanitizeUtf8(*msg));
    }
  } else {
    s = Fail(FailureKind::kInternal,
             StrCat("host function ", name, " has no implementation"));
  }
  if (s.ok()) caller.SetGas(gas_);
  return s;
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
