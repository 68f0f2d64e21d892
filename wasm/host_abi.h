// The Ballast host ABI, version 1, in words: what a contract module may
// import, what it must export, and what each host function does. The
// machine-readable half is the table in host_functions.h (names, parameter
// names and kinds, results, gas rules, handlers), included below: it is the
// one source of truth for signatures and gas, and the contract SDK's
// ballast/abi.h and host_functions.js are generated from it at build time
// (ballast-abi-gen). A test checks that every import of every built contract
// is in the table, and that this text describes exactly its functions.
//
// Module shape
//   Imports: only functions from module "env" listed in kHostFunctions
//     (host_functions.h), with exactly the signature given there. No
//     imported memory, table or global.
//   Exports required: "memory" (the linear memory) and the function
//     "ballast_abi_v1" () -> () which marks the ABI version (the SDK defines
//     it; it is never called).
//   Methods: every other exported function of type () -> () whose name does
//     not start with a reserved prefix ("_", "ballast_", "emscripten_",
//     "stack") is a callable method. "init" is special: it runs once, at
//     deploy, and can never be called afterwards. Emscripten's own exports
//     ("_initialize", "__indirect_function_table", "__errno_location",
//     "stackSave", ...) are allowed and ignored; "_initialize" is run once
//     after each instantiation. Methods whose names start with "bridge_"
//     are the bridge's callbacks (bridge/core/host.h): only the bridge
//     module calls them, as a top-level call with its own address as the
//     caller; a transaction or a contract that calls one fails as a call
//     of a missing method does.
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
//   charges the gas its rule in the table gives (constants and reasons in
//   gas.h; the generated ballast/abi.h shows each rule), so a call that would
//   run out of gas fails before it has any effect; a charge is never given
//   back, also when the call then fails.
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
//   bl_send_packet(chan, chan_len, data, data_len, timeout_h, timeout_ms) -> ()
//                                     asks the bridge to send `data` on
//                                     channel `chan` of this contract's port
//                                     ("wasm.<hex address>"), timing out at
//                                     the destination's height `timeout_h` or
//                                     block time `timeout_ms` (0: none; one
//                                     is required). The bridge
//                                     commits it when the transaction
//                                     succeeds; if it cannot (no such open
//                                     channel, no timeout), the whole
//                                     transaction fails. Discarded, like
//                                     events, if the call fails. At most
//                                     16 KiB of data, 16 packets per
//                                     transaction
//   bl_abort(msg, msg_len) -> ()      ends the call as failed with msg;
//                                     never returns. The first 1024 bytes
//                                     are kept; bytes that are not valid
//                                     UTF-8 are shown as "\xNN"
//   bl_caller(dst20) -> ()            20 bytes: the immediate caller (the
//                                     signer for a top-level call, the calling
//                                     contract for a nested one)
//   bl_origin(dst20) -> ()            20 bytes: the transaction's signer
//   bl_self(dst20) -> ()              20 bytes: this contract's address
//   bl_block_height() -> i64          height of the block being built
//   bl_block_time() -> i64            block time, ms since the Unix epoch
//   bl_call(addr20, method, method_len, input, input_len) -> i32
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
//   bl_instantiate(template20, init, init_len, salt, salt_len, dst20) -> i32
//                                     creates a contract that runs the code
//                                     of the contract at template20 (and has
//                                     its interface), at the address
//                                     SHA-256("ballast/instantiate" || this
//                                     contract || salt)[0..20), and runs its
//                                     init with `init` (a template without
//                                     init takes none), this contract being
//                                     the caller and the creator. 0: created,
//                                     the address written to dst20. 1: no
//                                     contract at template20, the address is
//                                     taken (the salt was used before), or
//                                     the init aborted or trapped (nothing of
//                                     it is kept); bl_return_* holds the
//                                     reason. Out of gas and limits fail the
//                                     whole transaction, as for bl_call. The
//                                     contract exists only if this call
//                                     succeeds. Salt at most 64 bytes
//   bl_return_len() -> i32            length of the last bl_call's result
//                                     (0 before any bl_call)
//   bl_return_read(dst) -> ()         copies it to dst
//   bl_sha256(src, len, dst32) -> ()  writes 32 bytes
//   bl_gas_left() -> i64              gas remaining for the transaction
//   bl_log(msg, msg_len) -> ()        debug line for the node's log (the
//                                     first 1024 bytes, to Runtime's log
//                                     sink); no effect on state or consensus

#ifndef BALLAST_WASM_HOST_ABI_H_
#define BALLAST_WASM_HOST_ABI_H_

#include <cstdint>
#include <string_view>

#include "wasm/host_functions.h"  // IWYU pragma: export (kHostFunctions)

namespace ballast::wasm {

inline constexpr int kAbiVersion = 1;
inline constexpr std::string_view kHostModule = "env";
inline constexpr std::string_view kAbiMarkerExport = "ballast_abi_v1";
inline constexpr std::string_view kMemoryExport = "memory";
inline constexpr std::string_view kInitMethod = "init";
inline constexpr std::string_view kEmscriptenInitExport = "_initialize";
// Methods only the bridge module may call (its callbacks to applications,
// bridge/core/host.h); refused to transactions and to other contracts.
inline constexpr std::string_view kBridgeMethodPrefix = "bridge_";

// bl_abort and bl_log keep this many bytes of their message.
inline constexpr uint32_t kMaxMessageBytes = 1024;

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_HOST_ABI_H_
