;; A hand-written contract for runtime tests that do not depend on em++:
;; it exercises the instrumentation on shapes clang would fold away.
(module
  (import "env" "bl_input_len" (func $input_len (result i32)))
  (import "env" "bl_input_read" (func $input_read (param i32)))
  (import "env" "bl_output_write" (func $output_write (param i32 i32)))
  (import "env" "bl_abort" (func $abort (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "grow refused")
  (global $counter (mut i32) (i32.const 0))
  (type $void (func))
  (table 2 funcref)
  (elem (i32.const 0) $f32_sig)
  (func (export "ballast_abi_v1"))
  ;; Runs forever: only gas stops it.
  (func (export "spin") (loop $l (br $l)))
  ;; Recurses forever: only the call-depth limit stops it.
  (func $down (param i32) (result i32)
    (call $down (i32.add (local.get 0) (i32.const 1))))
  (func (export "recurse") (drop (call $down (i32.const 0))))
  ;; Grows memory by 100 pages (past the 32-page limit) and aborts if refused.
  (func (export "grow")
    (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1))
      (then (call $abort (i32.const 16) (i32.const 12)))))
  ;; Grows by one page, allowed; writes the new size (pages) as one byte.
  (func (export "grow_one")
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 0) (memory.size))
    (call $output_write (i32.const 0) (i32.const 1)))
  ;; Copies the input to the output.
  (func (export "echo")
    (call $input_read (i32.const 1024))
    (call $output_write (i32.const 1024) (call $input_len)))
  ;; Fills 64 KiB: charged per byte by the instrumentation.
  (func (export "fill") (memory.fill (i32.const 0) (i32.const 7) (i32.const 65536)))
  ;; `return` from inside nested blocks must still unwind the depth counter:
  ;; calls $early 2000 times in a loop (more than the depth limit).
  (func $early (param i32) (result i32)
    (block (block (if (local.get 0) (then (return (i32.const 5))))))
    (i32.const 6))
  (func (export "many_returns") (local $i i32)
    (loop $l
      (global.set $counter (i32.add (global.get $counter) (call $early (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2000))))
    (i32.store (i32.const 0) (global.get $counter))
    (call $output_write (i32.const 0) (i32.const 4)))
  ;; Traps.
  (func (export "trap") unreachable)
  (func (export "divide_by_zero") (drop (i32.div_u (i32.const 1) (call $input_len))))
  (func (export "oob") (drop (i32.load (i32.const 0x7ffffff0))))
  (func (export "fill_oob") (memory.fill (i32.const 131000) (i32.const 0) (i32.const 1000)))
  ;; INT32_MIN / -1 (the divisor from the input length, so nothing folds it).
  (func (export "overflow")
    (drop (i32.div_s (i32.const 0x80000000) (i32.sub (i32.const 0) (call $input_len)))))
  ;; call_indirect: a slot of another type, an empty slot, past the table.
  (func $f32_sig (param i32))
  (func (export "indirect_type") (call_indirect (type $void) (i32.const 0)))
  (func (export "indirect_null") (call_indirect (type $void) (i32.const 1)))
  (func (export "indirect_oob") (call_indirect (type $void) (i32.const 9)))
  ;; Aborts with the input as the message.
  (func (export "abort_input")
    (call $input_read (i32.const 1024))
    (call $abort (i32.const 1024) (call $input_len)))
  ;; Output of the largest size allowed (64 KiB), and one byte more: the
  ;; same instructions, so their gas differs only by the host call's charge.
  (func (export "output_max") (call $output_write (i32.const 0) (i32.const 65536)))
  (func (export "output_too_big") (call $output_write (i32.const 0) (i32.const 65537)))
  ;; Host access out of bounds: asks for output beyond memory.
  (func (export "host_oob") (call $output_write (i32.const 0x7fff0000) (i32.const 16)))
)
