// Resource limits of the contract runtime. Every limit is enforced by the
// runtime (deploy-time checks, instrumentation or host functions), never
// left to the engine, so that a call fails the same way under any engine.
// Breaking one is a distinct failure (FailureKind::kLimit) naming the limit.

#ifndef BALLAST_WASM_LIMITS_H_
#define BALLAST_WASM_LIMITS_H_

#include <cstdint>

namespace ballast::wasm {

struct Limits {
  // Size of the wasm binary as submitted for deploy.
  uint32_t max_code_bytes = 512 * 1024;
  // Linear memory, in 64 KiB pages, initial and after every memory.grow.
  // A module declaring more initial pages is refused at deploy; growing past
  // it makes memory.grow return -1, as the wasm spec allows.
  uint32_t max_memory_pages = 32;
  // Wasm call frames inside one contract call (instrumented counter; below
  // the interpreter's native limit of ~1365 frames).
  uint32_t max_call_depth = 1000;
  // Nested contract-to-contract calls (the top-level call is depth 1).
  uint32_t max_contract_depth = 8;
  // Bytes of a call's input and of its output.
  uint32_t max_input_bytes = 64 * 1024;
  uint32_t max_output_bytes = 64 * 1024;
  // Storage entries.
  uint32_t max_storage_key_bytes = 256;
  uint32_t max_storage_value_bytes = 64 * 1024;
  // Events, per event and per transaction.
  uint32_t max_event_name_bytes = 64;
  uint32_t max_event_data_bytes = 16 * 1024;
  uint32_t max_events = 256;
  // Packets sent through the bridge (bl_send_packet), per packet and per
  // transaction; a channel id's bytes.
  uint32_t max_packet_data_bytes = 16 * 1024;
  uint32_t max_packets = 16;
  uint32_t max_channel_id_bytes = 64;
  // The salt of bl_instantiate.
  uint32_t max_salt_bytes = 64;
  // Method names (wasm export names that can be called).
  uint32_t max_method_name_bytes = 64;
  // Module shape.
  // Structured control instructions (block, loop, if) open inside one
  // another, in a function body. Deploy refuses a deeper module before any
  // recursive pass runs: an iterative scan of the raw bytes comes first
  // (prepare.cc). wabt 1.0.32's binary writer and its IR's destructors
  // recurse once per level (its reader, validator and interpreter loader do
  // not), and so the deepest native recursion of a deploy is proportional
  // to this limit plus the 2 levels the instrumentation adds; at the limit
  // PrepareModule runs on a 256 KiB thread stack (tests/wasm/nesting_test.cc).
  // wabt 1.0.33 caps its reader at 16384 levels; LLVM lowers a switch to one
  // block per case, so 1024 still admits a contract with a 1000-case switch.
  // Only nesting deepens recursion: a long flat list is walked and freed in
  // a loop, and the IR's size is bounded by max_code_bytes (at most one
  // instruction per byte of code).
  uint32_t max_control_nesting = 1024;
  uint32_t max_functions = 10000;
  uint32_t max_locals_per_function = 1024;
  uint32_t max_globals = 1024;
  uint32_t max_table_elements = 4096;
};

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_LIMITS_H_
