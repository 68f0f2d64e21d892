(module
  (memory (export "memory") 64)
  (func (export "ballast_abi_v1")))
