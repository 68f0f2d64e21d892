(module
  (memory (export "memory") 1)
  (func $boot)
  (start $boot)
  (func (export "ballast_abi_v1")))
