;; Relays a call (gas_test.cc): a second code, for chains that alternate
;; between two codes. Two pages of memory, as gas.wat.
(module
  (import "env" "bl_input_len" (func $input_len (result i32)))
  (import "env" "bl_input_read" (func $input_read (param i32)))
  (import "env" "bl_call" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "ballast_abi_v1"))
  ;; Input: a 20-byte address, the method name's length (1 byte), the
  ;; method name, then the callee's input; calls it and ignores how it went.
  (func (export "relay") (local $m i32)
    (call $input_read (i32.const 1024))
    (local.set $m (i32.load8_u (i32.const 1044)))
    (drop (call $call (i32.const 1024) (i32.const 1045) (local.get $m)
                      (i32.add (i32.const 1045) (local.get $m))
                      (i32.sub (call $input_len)
                               (i32.add (i32.const 21) (local.get $m))))))
)
