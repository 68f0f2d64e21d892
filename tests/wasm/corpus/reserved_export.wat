(module
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1"))
  (global (export "ballast_gas") (mut i64) (i64.const 0)))
