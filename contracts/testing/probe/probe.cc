// Probe: a test contract for the runtime's tests. What each method does is
// specified in probe.proto (including the raw methods defined here by hand).
//
// Storage: the keys are whatever the tests pass (store, load, remove, run),
// plus "init" written by init. Loops and recursion go through volatile
// objects so that clang keeps them as written.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ballast/contract.h"
#include "testing/probe/probe.ballast.h"

namespace ballast::probe {
namespace {

volatile uint64_t g_spins = 0;
volatile uint32_t g_sink = 0;

uint32_t RecurseStep(uint32_t n, uint32_t frame_bytes);
// Called through a volatile pointer: the compiler cannot see the callee, so
// it can neither turn the recursion into a loop nor fold it.
uint32_t (*volatile g_recurse)(uint32_t, uint32_t) = &RecurseStep;

uint32_t RecurseStep(uint32_t n, uint32_t frame_bytes) {
  if (frame_bytes > 0) {
    auto* frame = static_cast<volatile uint8_t*>(__builtin_alloca(frame_bytes));
    frame[0] = static_cast<uint8_t>(n);
    frame[frame_bytes - 1] = static_cast<uint8_t>(n);
  }
  if (n == 0) return 0;
  uint32_t reached = g_recurse(n - 1, frame_bytes) + 1;
  g_sink = reached;
  return reached;
}

CallResponse DoCall(const CallRequest& request) {
  Address callee = ParseAddress(request.address, "call: address");
  RawCallResult result = CallRaw(callee, request.method, request.input);
  return {.status = result.ok ? 0u : 1u, .output = std::move(result.data)};
}

void EmitProbe(const std::string& data, uint32_t index) {
  Emit(ProbeEvent{.data = data, .index = index});
}

}  // namespace

// ---- Raw methods --------------------------------------------------------

BALLAST_METHOD(echo) { SetOutput(Input()); }

BALLAST_METHOD(noop) {}

BALLAST_METHOD(spin) {
  for (;;) g_spins = g_spins + 1;
}

BALLAST_METHOD(trap) { __builtin_trap(); }

BALLAST_METHOD(abort_with) { Abort(Input()); }

BALLAST_METHOD(hash) { SetOutput(AsBytes(Sha256(Input()))); }

// Asks the bridge to send the input on channel-0 of this contract's port,
// timing out at height 1000; the transaction fails unless that channel is
// open (a probe consents to no channel, so it never is).
BALLAST_METHOD(send_packet) { SendPacket("channel-0", Input(), 1000, 0); }

BALLAST_METHOD(output_twice) {
  SetOutput(std::string_view("first"));
  SetOutput(Input());
}

// ---- Service methods ----------------------------------------------------

InitResponse Probe::init(const InitRequest& request) {
  Store("init", request.data);
  if (request.fail) Abort("init: asked to fail");
  if (!request.clone_salt.empty()) {
    InstantiateResult clone = Instantiate(Self(), "", request.clone_salt);
    if (!clone.ok) Abort({"init: clone failed: ", clone.error});
    Store("clone", clone.address.bytes());
  }
  return {};
}

RecurseResponse Probe::recurse(const RecurseRequest& request) {
  return {.depth = g_recurse(request.depth, request.frame_bytes)};
}

GrowResponse Probe::grow(const GrowRequest& request) {
  size_t previous = __builtin_wasm_memory_grow(0, request.pages);
  return {.result = previous == static_cast<size_t>(-1)
                        ? -1
                        : static_cast<int32_t>(previous),
          .pages_now = static_cast<uint32_t>(__builtin_wasm_memory_size(0))};
}

AllocResponse Probe::alloc(const AllocRequest& request) {
  std::string block(request.bytes, '\0');
  volatile char* p = block.data();
  for (size_t i = 0; i < block.size(); i += 4096) p[i] = 1;
  return {.pages_now = static_cast<uint32_t>(__builtin_wasm_memory_size(0))};
}

DivideResponse Probe::divide(const DivideRequest& request) {
  volatile int64_t divisor = request.divisor;
  return {.quotient = request.dividend / divisor};
}

StoreResponse Probe::store(const StoreRequest& request) {
  Store(request.key, request.value);
  return {};
}

LoadResponse Probe::load(const LoadRequest& request) {
  std::optional<std::string> value = Load(request.key);
  if (!value) return {};
  return {.found = true, .value = std::move(*value)};
}

RemoveResponse Probe::remove(const RemoveRequest& request) {
  Remove(request.key);
  return {};
}

EmitResponse Probe::emit(const EmitRequest& request) {
  uint32_t count = request.count == 0 ? 1 : request.count;
  for (uint32_t i = 0; i < count; ++i) EmitProbe(request.data, i);
  return {};
}

LogResponse Probe::log(const LogRequest& request) {
  Log(request.message);
  return {};
}

InfoResponse Probe::info(const InfoRequest&) {
  return {.caller = Caller().str(),
          .origin = Origin().str(),
          .self = Self().str(),
          .block_height = static_cast<int64_t>(BlockHeight()),
          .block_time = BlockTime(),
          .gas_left = GasLeft()};
}

CallResponse Probe::call(const CallRequest& request) { return DoCall(request); }

InstantiateResponse Probe::instantiate(const InstantiateRequest& request) {
  Address tmpl =
      ParseAddress(request.template_contract, "instantiate: template");
  InstantiateResult created = Instantiate(tmpl, request.init, request.salt);
  InstantiateResponse response;
  response.status = created.ok ? 0u : 1u;
  if (!created.ok) {
    response.output = created.error;
    return response;
  }
  response.address = created.address.str();
  if (!request.then_method.empty()) {
    RawCallResult r =
        CallRaw(created.address, request.then_method, request.then_input);
    if (!r.ok) Abort({"instantiate: then_method failed: ", r.data});
    response.output = r.data;
  }
  if (request.abort_after) Abort("instantiate: asked to abort after");
  return response;
}

CallResponse Probe::call_then_abort(const CallRequest& request) {
  CallResponse response = DoCall(request);
  Abort({"call_then_abort: status ", ToDecimal(response.status)});
}

CallResponse Probe::store_then_call(const StoreThenCallRequest& request) {
  Store(request.key, request.value);
  return DoCall(request.call.value_or(CallRequest{}));
}

CallResponse Probe::call_then_store(const CallThenStoreRequest& request) {
  CallResponse response = DoCall(request.call.value_or(CallRequest{}));
  Store(request.key, request.value);
  return response;
}

CallResponse Probe::reenter(const ReenterRequest& request) {
  RawCallResult result = CallRaw(Self(), request.method, request.input);
  return {.status = result.ok ? 0u : 1u, .output = std::move(result.data)};
}

RunResponse Probe::run(const RunRequest& request) {
  RunResponse response;
  for (const Op& op : request.ops) {
    OpResult& result = response.results.emplace_back();
    switch (op.kind) {
      case OpKind::OP_KIND_STORE:
        Store(op.key, op.value);
        break;
      case OpKind::OP_KIND_REMOVE:
        Remove(op.key);
        break;
      case OpKind::OP_KIND_LOAD:
        if (std::optional<std::string> value = Load(op.key)) {
          result.found = true;
          result.data = std::move(*value);
        }
        break;
      case OpKind::OP_KIND_EMIT:
        EmitProbe(op.value, 0);
        break;
      case OpKind::OP_KIND_CALL: {
        CallResponse call = DoCall(op.call.value_or(CallRequest{}));
        result.status = call.status;
        result.data = std::move(call.output);
        break;
      }
      case OpKind::OP_KIND_ABORT:
        Abort(op.value);
      case OpKind::OP_KIND_LOG:
        Log(op.value);
        break;
      default:
        break;
    }
  }
  return response;
}

}  // namespace ballast::probe
