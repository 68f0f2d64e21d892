;; Exact gas accounting (gas_test.cc): every method is one straight-line
;; body, so its wasm gas is its instruction count (noted per method), and
;; its host gas follows from the table in gas.h. The module has two pages
;; of memory and no _initialize.
(module
  (import "env" "bl_input_len" (func $input_len (result i32)))
  (import "env" "bl_input_read" (func $input_read (param i32)))
  (import "env" "bl_output_write" (func $output_write (param i32 i32)))
  (import "env" "bl_abort" (func $abort (param i32 i32)))
  (import "env" "bl_sha256" (func $sha256 (param i32 i32 i32)))
  (import "env" "bl_storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "bl_storage_remove" (func $storage_remove (param i32 i32)))
  (import "env" "bl_call" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "ballast_abi_v1"))
  ;; 4 instructions; hashes 1000 bytes into [64, 96).
  (func (export "hash") (call $sha256 (i32.const 0) (i32.const 1000) (i32.const 64)))
  ;; 4 instructions; the digest would end past memory: traps before hashing,
  ;; having paid bl_sha256's base.
  (func (export "hash_bad_dst") (call $sha256 (i32.const 0) (i32.const 1000) (i32.const 131070)))
  ;; 2 instructions; an input of more than 2 bytes ends past memory: traps
  ;; after the input's charge.
  (func (export "input_bad_dst") (call $input_read (i32.const 131070)))
  ;; 3 instructions; aborts with a 10-byte message.
  (func (export "abort") (call $abort (i32.const 0) (i32.const 10)))
  ;; 1 instruction.
  (func (export "trap") unreachable)
  ;; 1 instruction, then 1 per iteration, forever.
  (func (export "spin") (loop $l (br $l)))
  ;; 3 instructions; a key of 257 bytes is over the 256-byte key limit.
  (func (export "remove_long_key") (call $storage_remove (i32.const 0) (i32.const 257)))
  ;; 3 instructions; 65537 bytes is over the 64 KiB output limit.
  (func (export "output_too_big") (call $output_write (i32.const 0) (i32.const 65537)))
  ;; 6 instructions; reads an 8-byte key (fails when the state cannot read).
  (func (export "read") (drop (call $storage_read (i32.const 0) (i32.const 8) (i32.const 64) (i32.const 0))))
  ;; 11 instructions. Input: a 20-byte address, then a method name; calls
  ;; that method there with empty input and ignores how it went.
  (func (export "nest")
    (call $input_read (i32.const 1024))
    (drop (call $call (i32.const 1024) (i32.const 1044)
                      (i32.sub (call $input_len) (i32.const 20))
                      (i32.const 0) (i32.const 0))))
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
