// The Ballast host ABI, version 1: the one place that defines what a contract
// module may import, what it must export, and what each host function does.
// The runtime's host functions (CallSession::Invoke in runtime.cc) and the
// contract SDK (contracts/sdk/ballast/abi.h) both follow this file; a test
// checks that every import of every built contract is listed here.
//
// Module shape
//   Imports: only functions from module "env" listed in kHostFunctions, with
//     exactly the signature given. No imported memory, table or global.
//   Exports required: "memory" (the linear memory) and the function
//     "ballast_abi_v1" () -> () which marks the ABI version (the SDK defines
//     it; it is never called).
//   Methods: every other exported function of type () -> () whose name does
//     not start with a reserved prefix ("_", "ballast_", "emscripten_",
//     "stack") is a callable method. "init" is special: it runs once, at
//     deploy, and can never be called afterwards. Emscripten's own exports
//     ("_initialize", "__indirect_function_table", "__errno_location",
//     "stackSave", ...) are allowed and ignored; "_initialize" is run once
//     after each instantiation.
//   Clang may merge identical empty functions, so "ballast_abi_v1" and
//     "_initialize" can be the same function; nothing depends on them
//     being distinct.
//   Forbidden: a start function, floating-point instructions or values
//     (refused at deploy, naming the function), imports of anything else,
//     more than one memory, memories beyond the page limit, functions that
//     return more than one value.
//
// Conventions
//   Pointers and lengths are i32 offsets into the caller's linear memory; a
//   range outside memory traps with "out of bounds". Addresses are 20 raw
//   bytes. Integers are little-endian wasm values. Every host function first
//   charges gas (see gas.h), so a call that would run out of gas traps before
//   it has any effect.
//
// Host functions ("env" module)
//   bl_input_len() -> i32             length of this call's input message
//   bl_input_read(dst) -> ()          copies the whole input to dst
//   bl_output_write(src, len) -> ()   sets this call's result bytes
//                                     (a later write replaces an earlier one)
//   bl_storage_read(key, key_len, dst, cap) -> i32
//                                     -1 if the key is absent; otherwise the
//                                     value's full length, having copied
//                                     min(length, cap) bytes to dst
//   bl_storage_write(key, key_len, val, val_len) -> ()
//   bl_storage_remove(key, key_len) -> ()
//                                     storage is private to the executing
//                                     contract; writes are visible to later
//                                     reads in the same transaction and are
//                                     discarded if the call fails
//   bl_emit_event(name, name_len, data, data_len) -> ()
//                                     data is the event message (protobuf);
//                                     name is the message name in the
//                                     contract's interface and must be an
//                                     identifier ([A-Za-z_][A-Za-z0-9_]*),
//                                     else the call traps
//   bl_abort(msg, msg_len) -> ()      ends the call as failed with msg;
//                                     never returns. The first 1024 bytes
//                                     are kept; bytes that are not valid
//                                     UTF-8 are shown as "\xNN"
//   bl_caller(dst) -> ()              20 bytes: the immediate caller (the
//                                     signer for a top-level call, the calling
//                                     contract for a nested one)
//   bl_origin(dst) -> ()              20 bytes: the transaction's signer
//   bl_self(dst) -> ()                20 bytes: this contract's address
//   bl_block_height() -> i64          height of the block being built
//   bl_block_time() -> i64            block time, ms since the Unix epoch
//   bl_call(addr, method, method_len, input, input_len) -> i32
//                                     synchronous call of another contract.
//                                     0: success, result readable with
//                                     bl_return_*. 1: the callee aborted or
//                                     trapped; its writes and events are
//                                     discarded and bl_return_* holds the
//                                     error message. Running out of gas and
//                                     breaking a limit (depth, sizes) are not
//                                     recoverable: they fail the whole
//                                     transaction. Re-entrancy rule: a
//                                     contract that is already on the call
//                                     stack cannot be called again (this is a
//                                     failure of kind 1), so call cycles end.
//                                     Calling "init", a reserved export, a
//                                     missing method or an address without a
//                                     contract is also a failure of kind 1.
//   bl_return_len() -> i32            length of the last bl_call's result
//                                     (0 before any bl_call)
//   bl_return_read(dst) -> ()         copies it to dst
//   bl_sha256(src, len, dst) -> ()    writes 32 bytes
//   bl_gas_left() -> i64              gas remaining for the transaction
//   bl_log(msg, msg_len) -> ()        debug line for the node's log (the
//                                     first 1024 bytes, to Runtime's log
//                                     sink); no effect on state or consensus

#ifndef BALLAST_WASM_HOST_ABI_H_
#define BALLAST_WASM_HOST_ABI_H_

#include <array>
#include <string_view>

namespace ballast::wasm {

inline constexpr int kAbiVersion = 1;
inline constexpr std::string_view kHostModule = "env";
inline constexpr std::string_view kAbiMarkerExport = "ballast_abi_v1";
inline constexpr std::string_view kMemoryExport = "memory";
inline constexpr std::string_view kInitMethod = "init";
inline constexpr std::string_view kEmscriptenInitExport = "_initialize";

// Value types that may appear in host signatures.
enum class ValType { kI32, kI64 };

// A host function's name and signature (at most one result).
struct HostFunctionSignature {
  std::string_view name;
  std::array<ValType, 5> params;
  int num_params;
  bool has_result;
  ValType result;
};

namespace abi_detail {
constexpr auto I32 = ValType::kI32;
constexpr auto I64 = ValType::kI64;
constexpr HostFunctionSignature Fn(std::string_view name,
                                   std::initializer_list<ValType> params,
                                   bool has_result = false,
                                   ValType result = I32) {
  HostFunctionSignature s{
      name, {}, static_cast<int>(params.size()), has_result, result};
  int i = 0;
  for (ValType p : params) s.params[i++] = p;
  return s;
}
}  // namespace abi_detail

// Every host function of ABI v1, in a fixed order (the order has no meaning
// for contracts: imports are resolved by name).
inline constexpr std::array<HostFunctionSignature, 19> kHostFunctions = {
    abi_detail::Fn("bl_input_len", {}, true, abi_detail::I32),
    abi_detail::Fn("bl_input_read", {abi_detail::I32}),
    abi_detail::Fn("bl_output_write", {abi_detail::I32, abi_detail::I32}),
    abi_detail::Fn(
        "bl_storage_read",
        {abi_detail::I32, abi_detail::I32, abi_detail::I32, abi_detail::I32},
        true, abi_detail::I32),
    abi_detail::Fn("bl_storage_write", {abi_detail::I32, abi_detail::I32,
                                        abi_detail::I32, abi_detail::I32}),
    abi_detail::Fn("bl_storage_remove", {abi_detail::I32, abi_detail::I32}),
    abi_detail::Fn("bl_emit_event", {abi_detail::I32, abi_detail::I32,
                                     abi_detail::I32, abi_detail::I32}),
    abi_detail::Fn("bl_abort", {abi_detail::I32, abi_detail::I32}),
    abi_detail::Fn("bl_caller", {abi_detail::I32}),
    abi_detail::Fn("bl_origin", {abi_detail::I32}),
    abi_detail::Fn("bl_self", {abi_detail::I32}),
    abi_detail::Fn("bl_block_height", {}, true, abi_detail::I64),
    abi_detail::Fn("bl_block_time", {}, true, abi_detail::I64),
    abi_detail::Fn("bl_call",
                   {abi_detail::I32, abi_detail::I32, abi_detail::I32,
                    abi_detail::I32, abi_detail::I32},
                   true, abi_detail::I32),
    abi_detail::Fn("bl_return_len", {}, true, abi_detail::I32),
    abi_detail::Fn("bl_return_read", {abi_detail::I32}),
    abi_detail::Fn("bl_sha256",
                   {abi_detail::I32, abi_detail::I32, abi_detail::I32}),
    abi_detail::Fn("bl_gas_left", {}, true, abi_detail::I64),
    abi_detail::Fn("bl_log", {abi_detail::I32, abi_detail::I32}),
};

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_HOST_ABI_H_
