(module
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "ballast_abi_v1")))
