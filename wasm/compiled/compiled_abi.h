/* The one entry point of a compiled contract's shared object, shared by the
 * glue that c_source.cc generates (C) and the engine that loads it (C++).
 * Bump kCompiledAbiVersion with any change here. */

#ifndef BALLAST_WASM_COMPILED_COMPILED_ABI_H_
#define BALLAST_WASM_COMPILED_COMPILED_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Trap codes beyond wasm_rt_trap_t (wasm-rt.h). */
#define BALLAST_TRAP_HOST 100  /* a host function failed; its status waits */
#define BALLAST_TRAP_NOMEM 101 /* the runtime could not allocate */

/* The host dispatcher: returns 0, or nonzero when the call must end (the
 * engine keeps the host's status). args are zero-extended to 64 bits. */
typedef int (*ballast_invoke_fn)(void* ctx, int host_index,
                                 const uint64_t* args, uint32_t nargs,
                                 uint64_t* result);

struct ballast_memory_view {
  uint8_t* data;
  uint32_t pages, max_pages, size; /* wasm_rt_memory_t's layout */
};

struct ballast_contract_v1 {
  uint32_t abi_version;
  uint32_t method_count;
  /* Hex SHA-256 of the wasm code this object was generated from: the
   * engine checks it names the module it meant to load. */
  const char* code_sha256;
  /* The module's one-time init; 0 or a trap code. Called once, by the
   * engine, right after loading. frame_slot returns the calling thread's
   * slot for the innermost guarded frame (the engine's thread-local; the
   * object keeps no thread-local storage), shared by every object. */
  int (*init)(void** (*frame_slot)(void));
  /* A new instance (NULL if out of memory); *trap is 0 or the code of a
   * trap while instantiating, after which the instance must only be
   * freed. */
  void* (*instantiate)(ballast_invoke_fn invoke, void* ctx, int* trap);
  void (*free_instance)(void* instance);
  /* Runs method i; 0 or a trap code. */
  int (*call)(void* instance, uint32_t method);
  /* The instrumentation's counters (NULL if the module has none) and the
   * memory. The gas counter is volatile in the generated code, so a write
   * from another thread (the deadline) is seen at the next charge. */
  volatile int64_t* (*gas)(void* instance);
  uint32_t* (*depth)(void* instance);
  struct ballast_memory_view* (*memory)(void* instance);
};

#define BALLAST_COMPILED_ABI_VERSION 3

#ifdef __cplusplus
}
#endif

#endif /* BALLAST_WASM_COMPILED_COMPILED_ABI_H_ */
