(module
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1"))
  (global (export "_initialize") i32 (i32.const 0)))
