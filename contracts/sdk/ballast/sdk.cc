// The contract SDK's compiled part, linked into every contract module:
//   - the ABI marker export "ballast_abi_v1" (host ABI v1, wasm/host_abi.h);
//   - definitions that keep Emscripten's libc from importing anything but
//     env.bl_*: abort() (reached from libc++ on allocation failure or a
//     broken precondition) ends in _Exit, which here aborts the call instead
//     of importing wasi_snapshot_preview1.proc_exit; and
//     emscripten_notify_memory_growth, which malloc's sbrk would import, is a
//     no-op (the host re-reads memory on every host call anyway);
//   - the non-template helpers of ballast/contract.h.
//
// Storage format of StoreU64: 8 bytes, little-endian.

#include <cstddef>
#include <cstdlib>

#include "ballast/contract.h"

extern "C" {

BALLAST_EXPORT("ballast_abi_v1") void ballast_abi_v1() {}

#if defined(__wasm__)
void emscripten_notify_memory_growth(size_t) {}

void _Exit(int) {
  static constexpr char kMessage[] = "abort() called in contract";
  bl_abort(kMessage, sizeof(kMessage) - 1);
}
#endif

}  // extern "C"

namespace ballast {

std::optional<Address> Address::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) return std::nullopt;
  Address a;
  for (size_t i = 0; i < kSize; ++i) {
    a.bytes_[i] = static_cast<uint8_t>(bytes[i]);
  }
  return a;
}

Address ParseAddress(std::string_view bytes, std::string_view what) {
  std::optional<Address> a = Address::FromBytes(bytes);
  if (!a) {
    Abort({what, ": address must be 20 bytes, got ", ToDecimal(bytes.size())});
  }
  return *a;
}

void Abort(std::string_view message) {
  bl_abort(message.data(), message.size());
}

void Abort(std::initializer_list<std::string_view> parts) {
  std::string m;
  for (std::string_view part : parts) m.append(part);
  Abort(m);
}

void Log(std::string_view message) { bl_log(message.data(), message.size()); }

std::string Input() {
  std::string in(static_cast<size_t>(bl_input_len()), '\0');
  if (!in.empty()) bl_input_read(in.data());
  return in;
}

void SetOutput(std::string_view bytes) {
  bl_output_write(bytes.data(), bytes.size());
}

Address Caller() {
  Address a;
  bl_caller(a.data());
  return a;
}

InstantiateResult Instantiate(const Address& template_contract,
                              std::string_view init, std::string_view salt) {
  InstantiateResult result;
  const int32_t status =
      bl_instantiate(template_contract.data(), init.data(), init.size(),
                     salt.data(), salt.size(), result.address.data());
  result.ok = status == 0;
  if (!result.ok) {
    result.error.resize(static_cast<size_t>(bl_return_len()));
    if (!result.error.empty()) bl_return_read(result.error.data());
  }
  return result;
}

void SendPacket(std::string_view channel, std::string_view data,
                uint64_t timeout_height, int64_t timeout_ms) {
  bl_send_packet(channel.data(), channel.size(), data.data(), data.size(),
                 static_cast<int64_t>(timeout_height), timeout_ms);
}

Address BridgeAddress() {
  Address a;  // 0x000000000000000000000000000000000000 0b1d
  a.data()[18] = 0x0b;
  a.data()[19] = 0x1d;
  return a;
}

Address Origin() {
  Address a;
  bl_origin(a.data());
  return a;
}

Address Self() {
  Address a;
  bl_self(a.data());
  return a;
}

uint64_t BlockHeight() { return static_cast<uint64_t>(bl_block_height()); }
int64_t BlockTime() { return bl_block_time(); }
int64_t GasLeft() { return bl_gas_left(); }

std::optional<std::string> Load(std::string_view key) {
  // One host call for small values, a second one for large values.
  char buf[256];
  int32_t n = bl_storage_read(key.data(), key.size(), buf, sizeof(buf));
  if (n < 0) return std::nullopt;
  if (static_cast<size_t>(n) <= sizeof(buf)) return std::string(buf, n);
  std::string value(static_cast<size_t>(n), '\0');
  bl_storage_read(key.data(), key.size(), value.data(), value.size());
  return value;
}

void Store(std::string_view key, std::string_view value) {
  bl_storage_write(key.data(), key.size(), value.data(), value.size());
}

void Remove(std::string_view key) { bl_storage_remove(key.data(), key.size()); }

uint64_t LoadU64(std::string_view key) {
  uint8_t buf[8];
  int32_t n = bl_storage_read(key.data(), key.size(), buf, sizeof(buf));
  if (n < 0) return 0;
  if (n != 8) Abort("storage: corrupt uint64 value");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(buf[i]) << (8 * i);
  return v;
}

void StoreU64(std::string_view key, uint64_t value) {
  uint8_t buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<uint8_t>(value >> (8 * i));
  bl_storage_write(key.data(), key.size(), buf, sizeof(buf));
}

std::string Key(std::string_view prefix, const Address& a) {
  std::string k;
  k.reserve(prefix.size() + Address::kSize);
  k.append(prefix).append(a.bytes());
  return k;
}

std::string Key(std::string_view prefix, const Address& a, const Address& b) {
  std::string k;
  k.reserve(prefix.size() + 2 * Address::kSize);
  k.append(prefix).append(a.bytes()).append(b.bytes());
  return k;
}

RawCallResult CallRaw(const Address& contract, std::string_view method,
                      std::string_view input) {
  int32_t status = bl_call(contract.data(), method.data(), method.size(),
                           input.data(), input.size());
  RawCallResult result;
  result.ok = status == 0;
  result.data.resize(static_cast<size_t>(bl_return_len()));
  if (!result.data.empty()) bl_return_read(result.data.data());
  return result;
}

Hash256 Sha256(std::string_view data) {
  Hash256 h;
  bl_sha256(data.data(), data.size(), h.data());
  return h;
}

uint64_t CheckedAdd(uint64_t a, uint64_t b, std::string_view what) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) Abort({what, ": overflow"});
  return r;
}

uint64_t CheckedSub(uint64_t a, uint64_t b, std::string_view what) {
  uint64_t r;
  if (__builtin_sub_overflow(a, b, &r)) Abort({what, ": underflow"});
  return r;
}

uint64_t CheckedMul(uint64_t a, uint64_t b, std::string_view what) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) Abort({what, ": overflow"});
  return r;
}

std::string ToDecimal(uint64_t v) {
  char buf[20];
  size_t n = 0;
  do {
    buf[sizeof(buf) - ++n] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return std::string(buf + sizeof(buf) - n, n);
}

}  // namespace ballast
