// em++ --js-library stub: the host functions of Ballast host ABI v1
// (wasm/host_abi.h). Listing them here lets em++ keep undefined-symbol checks
// strict: a contract that imports anything else fails to link. The bodies are
// never used (contracts are built with -sSTANDALONE_WASM, no JS is emitted).
// The contracts test checks this list against kHostFunctions.
mergeInto(LibraryManager.library, {
  bl_input_len: function() {},
  bl_input_read: function() {},
  bl_output_write: function() {},
  bl_storage_read: function() {},
  bl_storage_write: function() {},
  bl_storage_remove: function() {},
  bl_emit_event: function() {},
  bl_abort: function() {},
  bl_caller: function() {},
  bl_origin: function() {},
  bl_self: function() {},
  bl_block_height: function() {},
  bl_block_time: function() {},
  bl_call: function() {},
  bl_return_len: function() {},
  bl_return_read: function() {},
  bl_sha256: function() {},
  bl_gas_left: function() {},
  bl_log: function() {},
});
