(module
  (import "env" "bl_launch_missiles" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1")))
