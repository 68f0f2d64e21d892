(module
  (memory (export "memory") 1)
  (table 5000 funcref)
  (func (export "ballast_abi_v1")))
