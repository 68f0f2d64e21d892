// The host function table and its handlers. Each handler runs after
// InvokeHostFunction has taken the upfront gas of its rule, and does, in
// order: check limits on its arguments -> bounds-check guest memory (also
// the ranges it will write, where their size is known, before any work the
// result comes from) -> (charge produced bytes) -> act through HostContext
// -> write its result. Nothing a handler does gives gas back.
// What each function means is in host_abi.h; the constants in gas.h.

#include "wasm/host_functions.h"

#include <algorithm>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "wasm/gas.h"
#include "wasm/host_abi.h"

namespace ballast::wasm {
namespace {

// ---- Handlers -------------------------------------------------------------

absl::Status ChargeProduced(HostContext& ctx, const HostCall& call,
                            uint64_t bytes) {
  return ctx.Charge(call.fn.gas.Produced(bytes));
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

absl::Status InputLen(HostContext& ctx, HostCall& call) {
  call.result = ctx.Input().size();
  return absl::OkStatus();
}

absl::Status InputRead(HostContext& ctx, HostCall& call) {
  std::string_view input = ctx.Input();
  RETURN_IF_ERROR(ChargeProduced(ctx, call, input.size()));
  return ctx.WriteGuest(call.args[0], input);
}

absl::Status OutputWrite(HostContext& ctx, HostCall& call) {
  const uint64_t len = call.args[1];
  if (len > ctx.limits().max_output_bytes) {
    return ctx.Fail(FailureKind::kLimit,
                    StrCat("output of ", len, " bytes exceeds the limit of ",
                           ctx.limits().max_output_bytes));
  }
  ASSIGN_OR_RETURN(std::string_view bytes, ctx.ReadGuest(call.args[0], len));
  ctx.SetOutput(std::string(bytes));
  return absl::OkStatus();
}

absl::Status StorageRead(HostContext& ctx, HostCall& call) {
  ASSIGN_OR_RETURN(std::string_view key_view,
                   ctx.ReadGuest(call.args[0], call.args[1]));
  const std::string key(key_view);
  ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.ReadStorage(key));
  if (!value.has_value()) {
    call.result = static_cast<uint32_t>(-1);
    return absl::OkStatus();
  }
  // The value's full length is charged, also when cap is smaller: asking for
  // the length costs what reading the value costs.
  RETURN_IF_ERROR(ChargeProduced(ctx, call, value->size()));
  const size_t n = std::min<uint64_t>(value->size(), call.args[3]);
  RETURN_IF_ERROR(
      ctx.WriteGuest(call.args[2], std::string_view(*value).substr(0, n)));
  call.result = value->size();
  return absl::OkStatus();
}

absl::Status StorageWrite(HostContext& ctx, HostCall& call) {
  const uint64_t key_len = call.args[1], val_len = call.args[3];
  const Limits& limits = ctx.limits();
  if (key_len > limits.max_storage_key_bytes ||
      val_len > limits.max_storage_value_bytes) {
    return ctx.Fail(
        FailureKind::kLimit,
        StrCat("storage entry of key ", key_len, " / value ", val_len,
               " bytes exceeds the limits of ", limits.max_storage_key_bytes,
               " / ", limits.max_storage_value_bytes));
  }
  ASSIGN_OR_RETURN(std::string_view key, ctx.ReadGuest(call.args[0], key_len));
  const std::string key_copy(key);
  ASSIGN_OR_RETURN(std::string_view value,
                   ctx.ReadGuest(call.args[2], val_len));
  ctx.WriteStorage(key_copy, std::string(value));
  return absl::OkStatus();
}

absl::Status StorageRemove(HostContext& ctx, HostCall& call) {
  const uint64_t key_len = call.args[1];
  if (key_len > ctx.limits().max_storage_key_bytes) {
    return ctx.Fail(
        FailureKind::kLimit,
        StrCat("storage key of ", key_len, " bytes exceeds the limit of ",
               ctx.limits().max_storage_key_bytes));
  }
  ASSIGN_OR_RETURN(std::string_view key, ctx.ReadGuest(call.args[0], key_len));
  ctx.WriteStorage(key, std::nullopt);
  return absl::OkStatus();
}

absl::Status EmitEvent(HostContext& ctx, HostCall& call) {
  const uint64_t name_len = call.args[1], data_len = call.args[3];
  const Limits& limits = ctx.limits();
  if (name_len == 0 || name_len > limits.max_event_name_bytes ||
      data_len > limits.max_event_data_bytes) {
    return ctx.Fail(
        FailureKind::kLimit,
        StrCat("event name of ", name_len, " bytes / data of ", data_len,
               " bytes outside the limits 1..", limits.max_event_name_bytes,
               " / ", limits.max_event_data_bytes));
  }
  if (ctx.EventCount() >= limits.max_events) {
    return ctx.Fail(FailureKind::kLimit,
                    StrCat("more than ", limits.max_events, " events"));
  }
  ASSIGN_OR_RETURN(std::string_view name_view,
                   ctx.ReadGuest(call.args[0], name_len));
  std::string name(name_view);
  ASSIGN_OR_RETURN(std::string_view data,
                   ctx.ReadGuest(call.args[2], data_len));
  if (!IsEventName(name)) {
    return ctx.Fail(FailureKind::kTrap, StrCat("bl_emit_event: event name '",
                                               name, "' is not an identifier"));
  }
  ctx.EmitEvent(std::move(name), std::string(data));
  return absl::OkStatus();
}

absl::Status SendPacket(HostContext& ctx, HostCall& call) {
  const uint64_t channel_len = call.args[1], data_len = call.args[3];
  const Limits& limits = ctx.limits();
  if (channel_len == 0 || channel_len > limits.max_channel_id_bytes ||
      data_len > limits.max_packet_data_bytes) {
    return ctx.Fail(
        FailureKind::kLimit,
        StrCat("packet channel of ", channel_len, " bytes / data of ", data_len,
               " bytes outside the limits 1..", limits.max_channel_id_bytes,
               " / ", limits.max_packet_data_bytes));
  }
  if (ctx.PacketCount() >= limits.max_packets) {
    return ctx.Fail(FailureKind::kLimit,
                    StrCat("more than ", limits.max_packets, " packets"));
  }
  ASSIGN_OR_RETURN(std::string_view channel_view,
                   ctx.ReadGuest(call.args[0], channel_len));
  std::string channel(channel_view);
  ASSIGN_OR_RETURN(std::string_view data,
                   ctx.ReadGuest(call.args[2], data_len));
  ctx.SendPacket(std::move(channel), std::string(data), call.args[4],
                 static_cast<int64_t>(call.args[5]));
  return absl::OkStatus();
}

absl::Status Abort(HostContext& ctx, HostCall& call) {
  ASSIGN_OR_RETURN(
      std::string_view message,
      ctx.ReadGuest(call.args[0],
                    std::min<uint64_t>(call.args[1], kMaxMessageBytes)));
  return ctx.Fail(FailureKind::kAbort, message);
}

absl::Status CallerAddress(HostContext& ctx, HostCall& call) {
  return ctx.WriteGuest(call.args[0], ctx.Caller());
}

absl::Status OriginAddress(HostContext& ctx, HostCall& call) {
  return ctx.WriteGuest(call.args[0], ctx.Origin());
}

absl::Status SelfAddress(HostContext& ctx, HostCall& call) {
  return ctx.WriteGuest(call.args[0], ctx.Self());
}

absl::Status BlockHeight(HostContext& ctx, HostCall& call) {
  call.result = ctx.BlockHeight();
  return absl::OkStatus();
}

absl::Status BlockTime(HostContext& ctx, HostCall& call) {
  call.result = static_cast<uint64_t>(ctx.BlockTime());
  return absl::OkStatus();
}

absl::Status Call(HostContext& ctx, HostCall& call) {
  const uint64_t method_len = call.args[2], input_len = call.args[4];
  ASSIGN_OR_RETURN(std::string_view target,
                   ctx.ReadGuest(call.args[0], kAddressSize));
  const std::string target_copy(target);
  if (method_len > ctx.limits().max_method_name_bytes) {
    return ctx.Fail(FailureKind::kLimit, "method name too long in bl_call");
  }
  ASSIGN_OR_RETURN(std::string_view method,
                   ctx.ReadGuest(call.args[1], method_len));
  const std::string method_copy(method);
  if (input_len > ctx.limits().max_input_bytes) {
    return ctx.Fail(FailureKind::kLimit, StrCat("bl_call input of ", input_len,
                                                " bytes exceeds the limit of ",
                                                ctx.limits().max_input_bytes));
  }
  ASSIGN_OR_RETURN(std::string_view input,
                   ctx.ReadGuest(call.args[3], input_len));
  ASSIGN_OR_RETURN(call.result, ctx.CallContract(target_copy, method_copy,
                                                 std::string(input)));
  return absl::OkStatus();
}

absl::Status Instantiate(HostContext& ctx, HostCall& call) {
  const uint64_t init_len = call.args[2], salt_len = call.args[4];
  const Limits& limits = ctx.limits();
  if (init_len > limits.max_input_bytes || salt_len > limits.max_salt_bytes) {
    return ctx.Fail(
        FailureKind::kLimit,
        StrCat("bl_instantiate init of ", init_len, " bytes / salt of ",
               salt_len, " bytes outside the limits ", limits.max_input_bytes,
               " / ", limits.max_salt_bytes));
  }
  ASSIGN_OR_RETURN(std::string_view tmpl,
                   ctx.ReadGuest(call.args[0], kAddressSize));
  std::string template_copy(tmpl);
  ASSIGN_OR_RETURN(std::string_view init,
                   ctx.ReadGuest(call.args[1], init_len));
  std::string init_copy(init);
  ASSIGN_OR_RETURN(std::string_view salt,
                   ctx.ReadGuest(call.args[3], salt_len));
  std::string salt_copy(salt);
  std::string address;
  ASSIGN_OR_RETURN(
      call.result,
      ctx.Instantiate(std::move(template_copy), std::move(init_copy),
                      std::move(salt_copy), &address));
  if (call.result == 0) RETURN_IF_ERROR(ctx.WriteGuest(call.args[5], address));
  return absl::OkStatus();
}

absl::Status ReturnLen(HostContext& ctx, HostCall& call) {
  call.result = ctx.ReturnData().size();
  return absl::OkStatus();
}

absl::Status ReturnRead(HostContext& ctx, HostCall& call) {
  std::string_view data = ctx.ReturnData();
  RETURN_IF_ERROR(ChargeProduced(ctx, call, data.size()));
  return ctx.WriteGuest(call.args[0], data);
}

absl::Status Sha256Of(HostContext& ctx, HostCall& call) {
  ASSIGN_OR_RETURN(std::string_view data,
                   ctx.ReadGuest(call.args[0], call.args[1]));
  const std::string digest = Sha256(data);
  return ctx.WriteGuest(call.args[2], digest);
}

absl::Status GasLeft(HostContext& ctx, HostCall& call) {
  call.result = static_cast<uint64_t>(ctx.GasLeft());
  return absl::OkStatus();
}

absl::Status Log(HostContext& ctx, HostCall& call) {
  // The whole range must be in memory (it is charged); the first
  // kMaxMessageBytes bytes are logged.
  ASSIGN_OR_RETURN(std::string_view message,
                   ctx.ReadGuest(call.args[0], call.args[1]));
  ctx.Log(message.substr(0, kMaxMessageBytes));
  return absl::OkStatus();
}

// ---- The table --------------------------------------------------------------

constexpr HostParam In(std::string_view name, uint32_t size = 0) {
  return {name, ParamKind::kGuestIn, size};
}
constexpr HostParam Out(std::string_view name, uint32_t size = 0) {
  return {name, ParamKind::kGuestOut, size};
}
constexpr HostParam Len(std::string_view name) {
  return {name, ParamKind::kLength};
}
constexpr HostParam I64(std::string_view name) {
  return {name, ParamKind::kI64};
}

// A gas rule whose per-byte terms name their parameter; Fn resolves the
// names, so a term over a missing or non-length parameter does not compile.
struct GasSpec {
  struct Term {
    std::string_view param;
    ByteRate rate;
    uint32_t max_bytes = UINT32_MAX;
  };
  int64_t base = 0;
  std::array<Term, 2> terms{};
  int num_terms = 0;
  ByteRate produced_rate;
  std::string_view produced;

  constexpr GasSpec PerByte(std::string_view param, ByteRate rate,
                            uint32_t max_bytes = UINT32_MAX) const {
    GasSpec s = *this;
    if (s.num_terms == static_cast<int>(s.terms.size())) {
      throw "too many per-byte terms";
    }
    s.terms[s.num_terms++] = {param, rate, max_bytes};
    return s;
  }
  constexpr GasSpec PerProducedByte(ByteRate rate,
                                    std::string_view what) const {
    GasSpec s = *this;
    s.produced_rate = rate;
    s.produced = what;
    return s;
  }
};

constexpr GasSpec Cost(int64_t base) {
  GasSpec s;
  s.base = base;
  return s;
}

constexpr HostFunction Fn(std::string_view name,
                          std::initializer_list<HostParam> params,
                          ResultKind result, GasSpec gas, HostHandler handler,
                          bool never_returns = false) {
  HostFunction f;
  f.name = name;
  f.result = result;
  f.never_returns = never_returns;
  f.handler = handler;
  for (const HostParam& p : params) {
    if (f.num_params == kMaxHostParams) throw "too many parameters";
    f.params[f.num_params++] = p;
  }
  f.gas.base = gas.base;
  f.gas.produced_rate = gas.produced_rate;
  f.gas.produced = gas.produced;
  for (int t = 0; t < gas.num_terms; ++t) {
    int index = -1;
    for (int i = 0; i < f.num_params; ++i) {
      if (f.params[i].name == gas.terms[t].param &&
          f.params[i].kind == ParamKind::kLength) {
        index = i;
      }
    }
    if (index < 0) throw "gas term over a parameter that is not a length";
    f.gas.per_arg_byte[t] = {index, gas.terms[t].rate, gas.terms[t].max_bytes};
  }
  return f;
}

constexpr ResultKind kNone = ResultKind::kNone;
constexpr ResultKind kI32 = ResultKind::kI32;
constexpr ResultKind kI64 = ResultKind::kI64;
constexpr bool kNeverReturns = true;
// A call that writes a 20-byte address.
constexpr int64_t kGasAddressOut = kGasHostCall + kGasCopied.Of(kAddressSize);

// Gas: kGasHostCall on every call, plus the bytes each function moves across
// the boundary or makes the node store, hash or call with (gas.h).
constexpr HostFunction kTable[] = {
    Fn("bl_input_len", {}, kI32, Cost(kGasHostCall), &InputLen),
    Fn("bl_input_read", {Out("dst")}, kNone,
       Cost(kGasHostCall).PerProducedByte(kGasCopied, "the input"), &InputRead),
    Fn("bl_output_write", {In("src"), Len("len")}, kNone,
       Cost(kGasHostCall).PerByte("len", kGasCopied), &OutputWrite),
    Fn("bl_storage_read", {In("key"), Len("key_len"), Out("dst"), Len("cap")},
       kI32,
       Cost(kGasHostCall + kGasStorageRead)
           .PerByte("key_len", kGasStorageReadBytes)
           .PerProducedByte(kGasStorageReadBytes,
                            "the stored value (all of it, also past cap)"),
       &StorageRead),
    Fn("bl_storage_write",
       {In("key"), Len("key_len"), In("val"), Len("val_len")}, kNone,
       Cost(kGasHostCall + kGasStorageWrite)
           .PerByte("key_len", kGasStorageWriteBytes)
           .PerByte("val_len", kGasStorageWriteBytes),
       &StorageWrite),
    Fn("bl_storage_remove", {In("key"), Len("key_len")}, kNone,
       Cost(kGasHostCall + kGasStorageRemove)
           .PerByte("key_len", kGasStorageWriteBytes),
       &StorageRemove),
    Fn("bl_emit_event",
       {In("name"), Len("name_len"), In("data"), Len("data_len")}, kNone,
       Cost(kGasHostCall + kGasEvent)
           .PerByte("name_len", kGasEventBytes)
           .PerByte("data_len", kGasEventBytes),
       &EmitEvent),
    Fn("bl_send_packet",
       {In("chan"), Len("chan_len"), In("data"), Len("data_len"),
        I64("timeout_h"), I64("timeout_ms")},
       kNone,
       Cost(kGasHostCall + kGasSendPacket)
           .PerByte("chan_len", kGasCopied)
           .PerByte("data_len", kGasPacketBytes),
       &SendPacket),
    Fn("bl_abort", {In("msg"), Len("msg_len")}, kNone,
       Cost(kGasHostCall).PerByte("msg_len", kGasCopied, kMaxMessageBytes),
       &Abort, kNeverReturns),
    Fn("bl_caller", {Out("dst20", kAddressSize)}, kNone, Cost(kGasAddressOut),
       &CallerAddress),
    Fn("bl_origin", {Out("dst20", kAddressSize)}, kNone, Cost(kGasAddressOut),
       &OriginAddress),
    Fn("bl_self", {Out("dst20", kAddressSize)}, kNone, Cost(kGasAddressOut),
       &SelfAddress),
    Fn("bl_block_height", {}, kI64, Cost(kGasHostCall), &BlockHeight),
    Fn("bl_block_time", {}, kI64, Cost(kGasHostCall), &BlockTime),
    Fn("bl_call",
       {In("addr20", kAddressSize), In("method"), Len("method_len"),
        In("input"), Len("input_len")},
       kI32,
       Cost(kGasHostCall + kGasContractCall + kGasCopied.Of(kAddressSize))
           .PerByte("method_len", kGasCopied)
           .PerByte("input_len", kGasCopied),
       &Call),
    Fn("bl_instantiate",
       {In("template20", kAddressSize), In("init"), Len("init_len"), In("salt"),
        Len("salt_len"), Out("dst20", kAddressSize)},
       kI32,
       Cost(kGasHostCall + kGasCreateContract + kGasCopied.Of(2 * kAddressSize))
           .PerByte("init_len", kGasCopied)
           .PerByte("salt_len", kGasCopied),
       &Instantiate),
    Fn("bl_return_len", {}, kI32, Cost(kGasHostCall), &ReturnLen),
    Fn("bl_return_read", {Out("dst")}, kNone,
       Cost(kGasHostCall).PerProducedByte(kGasCopied, "the call's result"),
       &ReturnRead),
    Fn("bl_sha256", {In("src"), Len("len"), Out("dst32", 32)}, kNone,
       Cost(kGasHostCall + kGasSha256).PerByte("len", kGasSha256Bytes),
       &Sha256Of),
    Fn("bl_gas_left", {}, kI64, Cost(kGasHostCall), &GasLeft),
    Fn("bl_log", {In("msg"), Len("msg_len")}, kNone,
       Cost(kGasHostCall).PerByte("msg_len", kGasCopied), &Log),
};

// The guest ranges the arguments alone define: a kGuestIn address and the
// kLength that follows it, a kGuestOut of fixed size. Checked before the
// per-byte charge, so that a bad pointer does not pay for work it never
// causes. (Ranges whose size the host learns later, such as bl_input_read's
// dst, are checked by the handler once it knows the size.)
absl::Status CheckGuestRanges(const HostFunction& fn, HostContext& ctx,
                              absl::Span<const uint64_t> args) {
  for (int i = 0; i < fn.num_params; ++i) {
    const HostParam& p = fn.params[i];
    if (p.kind == ParamKind::kGuestIn && i + 1 < fn.num_params &&
        fn.params[i + 1].kind == ParamKind::kLength) {
      // As much of it as the handler reads: a term's max_bytes (bl_abort).
      uint64_t len = args[i + 1];
      for (const ByteTerm& t : fn.gas.per_arg_byte) {
        if (t.param == i + 1) len = std::min<uint64_t>(len, t.max_bytes);
      }
      RETURN_IF_ERROR(ctx.ReadGuest(args[i], len).status());
    } else if (p.size != 0) {
      RETURN_IF_ERROR(ctx.ReadGuest(args[i], p.size).status());
    }
  }
  return absl::OkStatus();
}

// "3 per byte", "1 per 8 bytes", "3 per 2 bytes".
std::string DescribeRate(ByteRate r) {
  if (r.bytes == 1) return StrCat(r.gas, " per byte");
  return StrCat(r.gas, " per ", r.bytes, " bytes");
}

}  // namespace

constinit const absl::Span<const HostFunction> kHostFunctions(kTable);

int64_t GasRule::Upfront(absl::Span<const uint64_t> args) const {
  int64_t gas = base;
  for (const ByteTerm& t : per_arg_byte) {
    if (t.param < 0) continue;
    gas += t.rate.Of(std::min<uint64_t>(args[t.param], t.max_bytes));
  }
  return gas;
}

int FindHostFunction(std::string_view name) {
  for (size_t i = 0; i < kHostFunctions.size(); ++i) {
    if (kHostFunctions[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

ValType WasmTypeOf(ParamKind kind) {
  return kind == ParamKind::kI64 ? ValType::kI64 : ValType::kI32;
}

std::optional<ValType> WasmTypeOf(ResultKind kind) {
  switch (kind) {
    case ResultKind::kNone:
      return std::nullopt;
    case ResultKind::kI32:
      return ValType::kI32;
    case ResultKind::kI64:
      return ValType::kI64;
  }
  return std::nullopt;
}

std::string DescribeGas(const HostFunction& fn) {
  std::string out = StrCat(fn.gas.base);
  for (const ByteTerm& t : fn.gas.per_arg_byte) {
    if (t.param < 0) continue;
    out += StrCat(" + ", DescribeRate(t.rate), " of ", fn.params[t.param].name);
    if (t.max_bytes != UINT32_MAX) {
      out += StrCat(" (at most ", t.max_bytes, ")");
    }
  }
  if (fn.gas.produced_rate.gas != 0) {
    out += StrCat(" + ", DescribeRate(fn.gas.produced_rate), " of ",
                  fn.gas.produced);
  }
  return out;
}

absl::Status InvokeHostFunction(int index, HostContext& ctx,
                                absl::Span<const uint64_t> args,
                                uint64_t* result) {
  if (index < 0 || static_cast<size_t>(index) >= kHostFunctions.size() ||
      static_cast<int>(args.size()) != kHostFunctions[index].num_params) {
    // Engines resolve imports in the table and PrepareModule checks their
    // signatures: reaching this is a bug in an engine.
    return ctx.Fail(FailureKind::kInternal,
                    StrCat("host function ", index, " called with ",
                           args.size(), " arguments"));
  }
  const HostFunction& fn = kHostFunctions[index];
  RETURN_IF_ERROR(ctx.Charge(fn.gas.base));
  RETURN_IF_ERROR(CheckGuestRanges(fn, ctx, args));
  if (int64_t per_byte = fn.gas.Upfront(args) - fn.gas.base; per_byte != 0) {
    RETURN_IF_ERROR(ctx.Charge(per_byte));
  }
  HostCall call{fn, args};
  RETURN_IF_ERROR(fn.handler(ctx, call));
  *result = call.result;
  return absl::OkStatus();
}

}  // namespace ballast::wasm
