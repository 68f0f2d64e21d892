(module
  (memory 1)
  (func (export "ballast_abi_v1")))
