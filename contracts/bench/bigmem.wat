;; The largest memory a module may declare (32 pages, Limits::
;; max_memory_pages): every instantiation allocates and zeroes 2 MiB.
;; tools/bench's GasFairness/instantiate_max_memory calls its noop.
(module
  (memory (export "memory") 32 32)
  (func (export "ballast_abi_v1"))
  (func (export "noop")))
