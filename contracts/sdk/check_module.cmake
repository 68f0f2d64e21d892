# Checks a contract module built by em++ against the shape the runtime accepts
# (wasm/host_abi.h), so a bad module fails the build, not a deploy:
#   - imports: functions from "env" named bl_* only (the exact list and
#     signatures are checked by tests/contracts against kHostFunctions);
#   - exports "memory" and "ballast_abi_v1";
#   - one memory, at most 32 pages (2 MiB) maximum;
#   - module size at most 512 KiB;
#   - no f32/f64 types or instructions, unless ALLOW_FLOAT.
# Usage: cmake -DWASM=<file> -DWASM2WAT=<wasm2wat> [-DALLOW_FLOAT=ON]
#              -P check_module.cmake

set(max_pages 32)
set(max_bytes 524288)

file(SIZE ${WASM} size)
if(size GREATER max_bytes)
  message(FATAL_ERROR "${WASM}: ${size} bytes, over the ${max_bytes}-byte limit")
endif()

execute_process(COMMAND ${WASM2WAT} ${WASM} OUTPUT_VARIABLE wat
                ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${WASM}: wasm2wat failed: ${err}")
endif()
# ';' separates CMake list items; wat only has it in (;N;) comments.
string(REPLACE ";" "" wat "${wat}")

string(REGEX MATCHALL "\\(import \"[^\"]*\" \"[^\"]*\" \\([a-z]+" imports
       "${wat}")
foreach(import IN LISTS imports)
  if(NOT import MATCHES "^\\(import \"env\" \"bl_[a-z0-9_]+\" \\(func$")
    message(FATAL_ERROR "${WASM}: forbidden import ${import}); contracts "
                        "import only host functions env.bl_* (host_abi.h)")
  endif()
endforeach()

foreach(export memory ballast_abi_v1)
  if(NOT wat MATCHES "\\(export \"${export}\"")
    message(FATAL_ERROR "${WASM}: missing export \"${export}\"")
  endif()
endforeach()

string(REGEX MATCHALL "\\(memory \\([0-9]+\\)[^)]*\\)" memories "${wat}")
list(LENGTH memories num_memories)
if(NOT num_memories EQUAL 1)
  message(FATAL_ERROR "${WASM}: ${num_memories} memories, expected one")
endif()
if(NOT memories MATCHES "^\\(memory \\(0\\) ([0-9]+) ([0-9]+)\\)$")
  message(FATAL_ERROR "${WASM}: memory ${memories} has no maximum")
endif()
if(CMAKE_MATCH_2 GREATER max_pages OR CMAKE_MATCH_1 GREATER CMAKE_MATCH_2)
  message(FATAL_ERROR "${WASM}: memory ${memories} exceeds ${max_pages} pages")
endif()

if(NOT ALLOW_FLOAT)
  # Ignore names and data: drop quoted strings and $identifiers.
  string(REGEX REPLACE "\"[^\"]*\"" "\"\"" code "${wat}")
  string(REGEX REPLACE "\\$[^ ()\n]*" "$" code "${code}")
  string(REGEX MATCH "[^\n]*[^a-z0-9_](f32|f64)[^\n]*" line "${code}")
  if(line)
    message(FATAL_ERROR "${WASM}: floating point is refused at deploy, found: "
                        "${line}\n(look for float/double or a libc function "
                        "that uses them)")
  endif()
endif()
