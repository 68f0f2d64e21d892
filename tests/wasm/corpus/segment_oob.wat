;; Valid, and passes the deploy checks, but its data segment does not fit the
;; one page of memory: instantiation traps before any code runs.
(module
  (memory (export "memory") 1 1)
  (data (i32.const 65530) "0123456789")
  (func (export "ballast_abi_v1"))
  (func (export "run")))
