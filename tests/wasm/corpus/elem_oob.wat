;; Valid wasm, but its element segment does not fit the table of two
;; elements: refused at deploy (PrepareModule).
(module
  (memory (export "memory") 1 1)
  (table 2 funcref)
  (elem (i32.const 1) $run $run)
  (func (export "ballast_abi_v1"))
  (func $run (export "run")))
