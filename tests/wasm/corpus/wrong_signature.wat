(module
  (import "env" "bl_input_len" (func (result i64)))
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1")))
