;; Valid wasm, but its data segment does not fit the one page of memory:
;; refused at deploy (PrepareModule); an engine given it unprepared traps at
;; instantiation, before any code runs.
(module
  (memory (export "memory") 1 1)
  (data (i32.const 65530) "0123456789")
  (func (export "ballast_abi_v1"))
  (func (export "run")))
