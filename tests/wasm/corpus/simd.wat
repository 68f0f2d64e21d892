(module
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1"))
  (func (export "m") (drop (v128.const i32x4 0 0 0 0))))
