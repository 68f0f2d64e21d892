(module
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1"))
  (func (export "transfer") (param i32)))
