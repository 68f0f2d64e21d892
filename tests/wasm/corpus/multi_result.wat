(module
  (memory (export "memory") 1)
  (func (export "ballast_abi_v1"))
  (func $pair (result i32 i32) (i32.const 1) (i32.const 2))
  (func (export "m") (call $pair) (drop) (drop)))
