// The contract SDK: what a contract's .cc uses besides its generated
// interface header. Thin, typed wrappers over the host ABI: ballast/abi.h,
// the raw import declarations, is generated at build time from the
// runtime's host function table (ballast-abi-gen, wasm/host_functions.h);
// what each host function does is written in wasm/host_abi.h.
//
// A contract runs single-threaded, one call at a time; nothing here is
// thread-safe or needs to be. Every failure path ends the call through
// Abort(): the host then discards the call's writes and events and reports
// the message. Nothing returns an error code for "impossible" host results.
//
// Typical handler (see contracts/token/token.cc):
//
//   TransferResponse Token::transfer(const TransferRequest& request) {
//     ballast::Address to = ballast::ParseAddress(request.to, "transfer: to");
//     uint64_t balance = ballast::LoadU64(BalanceKey(ballast::Caller()));
//     ballast::Require(balance >= request.amount, "insufficient balance");
//     ...
//     ballast::Emit(TransferEvent{...});
//     return {};
//   }

#ifndef BALLAST_CONTRACTS_SDK_BALLAST_CONTRACT_H_
#define BALLAST_CONTRACTS_SDK_BALLAST_CONTRACT_H_

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ballast/abi.h"

// Marks a function as a wasm export named `name` (nothing off wasm).
#if defined(__wasm__)
#define BALLAST_EXPORT(name) __attribute__((export_name(name)))
#else
#define BALLAST_EXPORT(name)
#endif

namespace ballast {

// A 20-byte account or contract address (the ABI's raw form).
class Address {
 public:
  static constexpr size_t kSize = 20;

  Address() = default;  // all zero bytes
  // nullopt unless `bytes` is exactly 20 bytes.
  static std::optional<Address> FromBytes(std::string_view bytes);

  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), kSize};
  }
  std::string str() const { return std::string(bytes()); }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* data() { return bytes_.data(); }

  bool operator==(const Address&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

// The address in `bytes` (usually a `bytes` field of a request); aborts with
// "<what>: address must be 20 bytes, got N" otherwise.
Address ParseAddress(std::string_view bytes, std::string_view what);

// A generated message struct (see <name>.ballast.h).
template <class M>
concept Message = requires(const M& cm, M& m, std::string* out,
                           std::string_view in) {
  cm.Encode(out);
  { m.Decode(in) } -> std::same_as<bool>;
  { M::kName } -> std::convertible_to<std::string_view>;
};

// ---- Failure --------------------------------------------------------------

// Ends the call as failed with `message`; its writes and events are dropped.
[[noreturn]] void Abort(std::string_view message);
// Aborts with the concatenation of `parts`, so that the message is only built
// on the failure path: Abort({"need ", ToDecimal(n)}).
[[noreturn]] void Abort(std::initializer_list<std::string_view> parts);
// Aborts with `message` unless `condition` holds.
inline void Require(bool condition, std::string_view message) {
  if (!condition) Abort(message);
}
// A debug line in the node's log; no effect on state.
void Log(std::string_view message);

// ---- Input and output -----------------------------------------------------

// The call's input bytes (the encoded request message).
std::string Input();
// Sets the call's result bytes (a later call replaces an earlier one).
void SetOutput(std::string_view bytes);
template <Message M>
void SetOutput(const M& message) {
  std::string out;
  message.Encode(&out);
  SetOutput(std::string_view(out));
}

// ---- Context --------------------------------------------------------------

Address Caller();  // immediate caller: the signer, or the calling contract
Address Origin();  // the transaction's signer
Address Self();    // this contract
uint64_t BlockHeight();
int64_t BlockTime();  // ms since the Unix epoch
int64_t GasLeft();

// ---- Storage (private to this contract) -----------------------------------

// The value at `key`, or nullopt if absent.
std::optional<std::string> Load(std::string_view key);
void Store(std::string_view key, std::string_view value);
void Remove(std::string_view key);

// uint64 values are stored as 8 bytes little-endian. LoadU64 gives 0 for an
// absent key and aborts if the stored value is not 8 bytes.
uint64_t LoadU64(std::string_view key);
void StoreU64(std::string_view key, uint64_t value);

// Messages are stored encoded. LoadMessage returns false if the key is absent
// and aborts if the stored bytes do not decode.
template <Message M>
bool LoadMessage(std::string_view key, M* message) {
  std::optional<std::string> bytes = Load(key);
  if (!bytes) return false;
  if (!message->Decode(*bytes)) Abort({"storage: corrupt ", M::kName});
  return true;
}
template <Message M>
void StoreMessage(std::string_view key, const M& message) {
  std::string bytes;
  message.Encode(&bytes);
  Store(key, bytes);
}

// Keys: prefix followed by raw 20-byte addresses. Give every kind of entry a
// distinct prefix, none a prefix of another, and build all keys of a
// contract in one place: the layout is consensus-critical.
std::string Key(std::string_view prefix, const Address& a);
std::string Key(std::string_view prefix, const Address& a, const Address& b);

// ---- Events ---------------------------------------------------------------

// Emits `event` under its message name (e.g. "TransferEvent").
template <Message E>
void Emit(const E& event) {
  static_assert(E::kIsEvent, "events are messages whose names end in Event");
  std::string data;
  event.Encode(&data);
  bl_emit_event(E::kName.data(), E::kName.size(), data.data(), data.size());
}

// ---- Calls to other contracts ---------------------------------------------

// ok: `data` is the callee's output. !ok: the callee aborted or trapped (its
// writes and events are discarded; so is a call to a contract already on the
// call stack) and `data` is the error message. Running out of gas or breaking
// a limit fails the whole transaction instead of returning.
struct RawCallResult {
  bool ok = false;
  std::string data;
};
RawCallResult CallRaw(const Address& contract, std::string_view method,
                      std::string_view input);

template <class Resp>
struct CallResult {
  bool ok = false;
  Resp value;         // the decoded response, if ok
  std::string error;  // the callee's error message, if !ok
};
// Calls `method` with an encoded `request`. A response that does not decode
// as Resp aborts (the callee does not implement the expected interface).
template <Message Resp, Message Req>
CallResult<Resp> Call(const Address& contract, std::string_view method,
                      const Req& request) {
  std::string input;
  request.Encode(&input);
  RawCallResult raw = CallRaw(contract, method, input);
  CallResult<Resp> result;
  result.ok = raw.ok;
  if (!raw.ok) {
    result.error = std::move(raw.data);
  } else if (!result.value.Decode(raw.data)) {
    Abort({"call ", method, ": malformed response"});
  }
  return result;
}

// The response of a call that must succeed, or an abort with "<what>: " and
// the callee's message, so that nothing partial is ever written:
//   Must(TokenClient(token).transfer({...}), "withdraw: collateral");
template <class Resp>
Resp Must(CallResult<Resp> result, std::string_view what) {
  if (!result.ok) Abort({what, ": ", result.error});
  return std::move(result.value);
}

// ---- Creating contracts ---------------------------------------------------

// Creates a contract running the code (and interface) of `template_contract`
// at an address given by this contract and `salt` (wasm/host_abi.h,
// bl_instantiate), and runs its init with the encoded `init`. ok: `address`
// is the new contract. !ok: `error` says why (no template, the salt was used
// before, the init failed).
struct InstantiateResult {
  bool ok = false;
  Address address;
  std::string error;
};
InstantiateResult Instantiate(const Address& template_contract,
                              std::string_view init, std::string_view salt);

// ---- The bridge (bridge/README.md) ---------------------------------------

// Asks the bridge to send `data` on `channel` of this contract's port
// ("wasm." + its address in hex) once the transaction succeeds, timing out
// at the destination's height or block time in ms (0: none; one is
// required). If the bridge cannot (no such open channel, no timeout), the
// whole transaction fails.
void SendPacket(std::string_view channel, std::string_view data,
                uint64_t timeout_height, int64_t timeout_ms);

// The bridge module's address: the caller of the bridge_* callbacks (only
// the bridge can call them; checking the caller as well costs little).
Address BridgeAddress();
inline bool CalledByBridge() { return Caller() == BridgeAddress(); }

// ---- Hashing --------------------------------------------------------------

using Hash256 = std::array<uint8_t, 32>;
Hash256 Sha256(std::string_view data);
inline std::string_view AsBytes(const Hash256& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// ---- Checked arithmetic ---------------------------------------------------

// Abort with "<what>: overflow" (add, mul) or "<what>: underflow" (sub)
// instead of wrapping.
uint64_t CheckedAdd(uint64_t a, uint64_t b, std::string_view what);
uint64_t CheckedSub(uint64_t a, uint64_t b, std::string_view what);
uint64_t CheckedMul(uint64_t a, uint64_t b, std::string_view what);

// Decimal digits of `v`, for messages.
std::string ToDecimal(uint64_t v);

// ---- Methods --------------------------------------------------------------

// Defines a method export by hand, for methods that read and write raw bytes
// instead of messages (generated code uses it for every rpc):
//   BALLAST_METHOD(echo) { ballast::SetOutput(ballast::Input()); }
#define BALLAST_METHOD(name) \
  extern "C" BALLAST_EXPORT(#name) void ballast_method_##name()

namespace internal {
// The body of a generated method export: decode, handle, encode.
template <class Req, class Resp>
void Serve(Resp (*handler)(const Req&), std::string_view malformed) {
  Req request;
  if (!request.Decode(Input())) Abort(malformed);
  SetOutput(handler(request));
}
}  // namespace internal

}  // namespace ballast

#endif  // BALLAST_CONTRACTS_SDK_BALLAST_CONTRACT_H_
