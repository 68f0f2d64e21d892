// Raw host imports of Ballast host ABI v1, one declaration per function of
// wasm/host_abi.h (which defines what each one does), with the same names and
// signatures: pointers and lengths are i32, heights and gas are i64. Contract
// authors use the typed helpers of ballast/contract.h instead.
//
// Keep in sync with wasm/host_abi.h and contracts/sdk/host_functions.js (the
// em++ --js-library stub that makes a misspelled import a link error); the
// contracts test checks all three against every built module.
//
// The SDK (sdk.cc) defines the required export "ballast_abi_v1".
//
// Off wasm (host tests) these are plain declarations with no definition.

#ifndef BALLAST_CONTRACTS_SDK_BALLAST_ABI_H_
#define BALLAST_CONTRACTS_SDK_BALLAST_ABI_H_

#include <cstdint>

#if defined(__wasm__)
#define BALLAST_IMPORT(name) \
  __attribute__((import_module("env"), import_name(name)))
#define BALLAST_EXPORT(name) __attribute__((export_name(name)))
#else
#define BALLAST_IMPORT(name)
#define BALLAST_EXPORT(name)
#endif

extern "C" {

BALLAST_IMPORT("bl_input_len") int32_t bl_input_len();
BALLAST_IMPORT("bl_input_read") void bl_input_read(void* dst);
BALLAST_IMPORT("bl_output_write")
void bl_output_write(const void* src, uint32_t len);
BALLAST_IMPORT("bl_storage_read")
int32_t bl_storage_read(const void* key, uint32_t key_len, void* dst,
                        uint32_t cap);
BALLAST_IMPORT("bl_storage_write")
void bl_storage_write(const void* key, uint32_t key_len, const void* val,
                      uint32_t val_len);
BALLAST_IMPORT("bl_storage_remove")
void bl_storage_remove(const void* key, uint32_t key_len);
BALLAST_IMPORT("bl_emit_event")
void bl_emit_event(const void* name, uint32_t name_len, const void* data,
                   uint32_t data_len);
[[noreturn]] BALLAST_IMPORT("bl_abort") void bl_abort(const void* msg,
                                                      uint32_t msg_len);
BALLAST_IMPORT("bl_caller") void bl_caller(void* dst20);
BALLAST_IMPORT("bl_origin") void bl_origin(void* dst20);
BALLAST_IMPORT("bl_self") void bl_self(void* dst20);
BALLAST_IMPORT("bl_block_height") int64_t bl_block_height();
BALLAST_IMPORT("bl_block_time") int64_t bl_block_time();
BALLAST_IMPORT("bl_call")
int32_t bl_call(const void* addr20, const void* method, uint32_t method_len,
                const void* input, uint32_t input_len);
BALLAST_IMPORT("bl_return_len") int32_t bl_return_len();
BALLAST_IMPORT("bl_return_read") void bl_return_read(void* dst);
BALLAST_IMPORT("bl_sha256")
void bl_sha256(const void* src, uint32_t len, void* dst32);
BALLAST_IMPORT("bl_gas_left") int64_t bl_gas_left();
BALLAST_IMPORT("bl_log") void bl_log(const void* msg, uint32_t msg_len);

}  // extern "C"

#endif  // BALLAST_CONTRACTS_SDK_BALLAST_ABI_H_
