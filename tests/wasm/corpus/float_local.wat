(module
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1"))
  (func $keeps_float (export "m") (local f32)))
