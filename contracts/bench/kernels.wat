;; Gas-fairness kernels (issue 7): hand-written so that each method does
;; exactly the work it is named after, in a shape clang cannot fold.
;; tools/bench (GasFairness/*) runs every method through the runtime and
;; reports nanoseconds per gas unit. Input: little-endian u32 fields,
;; read to address 0: n (repetitions) at 0, a second u32 at 4, an address or
;; address prefix from 8. Contracts of this module are installed at
;; addresses that differ only in their last byte: "the next contract" is this
;; contract's address with the last byte plus one.
(module
  (import "env" "bl_input_read" (func $input_read (param i32)))
  (import "env" "bl_self" (func $self (param i32)))
  (import "env" "bl_call" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "bl_storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "bl_storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "bl_emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "env" "bl_sha256" (func $sha256 (param i32 i32 i32)))
  (type $void (func))
  (memory (export "memory") 1 32)
  (table 2 funcref)
  (elem (i32.const 0) $nop $many_locals)
  ;; Method names for bl_call.
  (data (i32.const 128) "chain")
  (data (i32.const 144) "sha256_oob")
  (data (i32.const 160) "noop")
  (data (i32.const 176) "sha256_trap")
  ;; A 64-byte event name (the limit), an identifier.
  (data (i32.const 512) "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
  (func (export "ballast_abi_v1"))
  (func $nop)
  (func (export "noop"))

  ;; Reads the input to address 0 and returns n.
  (func $n (result i32)
    (call $input_read (i32.const 0))
    (i32.load (i32.const 0)))
  ;; Grows memory to `pages` pages.
  (func $grow_to (param $pages i32)
    (drop (memory.grow (i32.sub (local.get $pages) (memory.size)))))
  ;; Writes the next contract's address (self, last byte + 1) to 64..84.
  (func $next
    (call $self (i32.const 64))
    (i32.store8 (i32.const 83) (i32.add (i32.load8_u (i32.const 83)) (i32.const 1))))

  ;; A tight loop: n iterations of a decrement and a conditional branch.
  (func (export "loop") (local $i i32)
    (local.set $i (call $n))
    (loop $l
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n calls of a function with 1000 locals (the interpreter zeroes them on
  ;; every entry).
  (func $many_locals
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
  )
  (func (export "locals") (local $i i32)
    (local.set $i (call $n))
    (loop $l
      (call $many_locals)
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n indirect calls of an empty function.
  (func (export "call_indirect") (local $i i32)
    (local.set $i (call $n))
    (loop $l
      (call_indirect (type $void) (i32.const 0))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n recursions to depth d (input u32 at 4).
  (func $down (param $d i32)
    (if (local.get $d)
      (then (call $down (i32.sub (local.get $d) (i32.const 1))))))
  (func (export "recurse") (local $i i32) (local $d i32)
    (local.set $i (call $n))
    (local.set $d (i32.load (i32.const 4)))
    (loop $l
      (call $down (local.get $d))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n memory.fill of 2 MiB (the whole memory at the 32-page limit).
  (func (export "fill") (local $i i32)
    (local.set $i (call $n))
    (call $grow_to (i32.const 32))
    (loop $l
      (memory.fill (i32.const 0) (local.get $i) (i32.const 0x200000))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n memory.copy of 1 MiB.
  (func (export "copy") (local $i i32)
    (local.set $i (call $n))
    (call $grow_to (i32.const 32))
    (loop $l
      (memory.copy (i32.const 0x100000) (i32.const 0) (i32.const 0x100000))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n bl_sha256 of all of memory but the 32 bytes the digest goes to.
  (func (export "sha256") (local $i i32)
    (local.set $i (call $n))
    (call $grow_to (i32.const 32))
    (loop $l
      (call $sha256 (i32.const 0) (i32.const 0x1fffe0) (i32.const 0x1fffe0))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; One bl_sha256 of 2 MiB whose digest goes out of bounds: traps.
  (func (export "sha256_oob")
    (call $grow_to (i32.const 32))
    (call $sha256 (i32.const 0) (i32.const 0x200000) (i32.const 0xffffff00)))

  ;; One bl_sha256 of 2 MiB - 32 bytes that succeeds, then a trap: the work
  ;; is done and the call fails after it.
  (func (export "sha256_trap")
    (call $grow_to (i32.const 32))
    (call $sha256 (i32.const 0) (i32.const 0x1fffe0) (i32.const 0x1fffe0))
    unreachable)

  ;; n nested calls of the next contract's sha256_oob (u32 at 4 = 0) or
  ;; sha256_trap (= 1); each fails (a trap, which the caller survives).
  (func (export "nested_fail") (local $i i32) (local $name i32) (local $len i32)
    (local.set $i (call $n))
    (local.set $name (i32.const 144))
    (local.set $len (i32.const 10))
    (if (i32.load (i32.const 4))
      (then (local.set $name (i32.const 176)) (local.set $len (i32.const 11))))
    (call $next)
    (loop $l
      (if (i32.ne (call $call (i32.const 64) (local.get $name) (local.get $len)
                              (i32.const 0) (i32.const 0)) (i32.const 1))
        (then unreachable))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n storage writes of the largest entry (256-byte key, 64 KiB value),
  ;; each to a new key (its first 4 bytes are the counter, n down to 1).
  (func (export "storage_write") (local $i i32)
    (local.set $i (call $n))
    (call $grow_to (i32.const 3))
    (loop $l
      (i32.store (i32.const 256) (local.get $i))
      (call $storage_write (i32.const 256) (i32.const 256)
                           (i32.const 0x10000) (i32.const 0x10000))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n reads of the entry storage_write with n = 1 wrote; traps unless it is
  ;; there and 64 KiB long.
  (func (export "storage_read") (local $i i32)
    (local.set $i (call $n))
    (call $grow_to (i32.const 3))
    (i32.store (i32.const 256) (i32.const 1))
    (loop $l
      (if (i32.ne (call $storage_read (i32.const 256) (i32.const 256)
                                      (i32.const 0x10000) (i32.const 0x10000))
                  (i32.const 0x10000))
        (then unreachable))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n events of the largest size (64-byte name, 16 KiB data).
  (func (export "events") (local $i i32)
    (local.set $i (call $n))
    (loop $l
      (call $emit_event (i32.const 512) (i32.const 64)
                        (i32.const 1024) (i32.const 0x4000))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; Input u32 d: calls the next contract's chain with d - 1 while d > 0.
  ;; Traps if a nested call fails, so a broken chain cannot pass as cheap.
  (func (export "chain") (local $d i32)
    (call $input_read (i32.const 0))
    (local.set $d (i32.load (i32.const 0)))
    (if (local.get $d)
      (then
        (call $next)
        (i32.store (i32.const 0) (i32.sub (local.get $d) (i32.const 1)))
        (if (call $call (i32.const 64) (i32.const 128) (i32.const 5)
                        (i32.const 0) (i32.const 4))
          (then unreachable)))))
  ;; n chains of depth d (input u32 at 4) below this contract.
  (func (export "chain_loop") (local $i i32)
    (local.set $i (call $n))
    (call $next)
    (loop $l
      (if (call $call (i32.const 64) (i32.const 128) (i32.const 5)
                      (i32.const 4) (i32.const 4))
        (then unreachable))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))

  ;; n calls of "noop" at the address at 8..28. With u32 k at 4 greater
  ;; than zero, the address's last 4 bytes (24..28) cycle through k values:
  ;; call j (0..n-1) goes to index (start + j) mod k, with start the u32 at
  ;; 28, so that consecutive calls of this method continue the cycle.
  (func (export "call_noop") (local $i i32) (local $k i32) (local $j i32)
    (local.set $i (call $n))
    (local.set $k (i32.load (i32.const 4)))
    (local.set $j (i32.load (i32.const 28)))
    (loop $l
      (if (local.get $k)
        (then
          (i32.store (i32.const 24) (i32.rem_u (local.get $j) (local.get $k)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))))
      (if (call $call (i32.const 8) (i32.const 160) (i32.const 4)
                      (i32.const 0) (i32.const 0))
        (then unreachable))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i))))
)
