# cmake -P script, the build step of a contract that reuses another tree's
# em++ output (BALLAST_PREBUILT_CONTRACTS; see CMakeLists.txt):
#   cmake -DNAME=<contract> -DHERE=<this tree>/contracts
#         -DTHERE=<other tree>/contracts -DTOP=<source dir>
#         -DSOURCES=<sources;headers> -DGENERATED=<generated files here>
#         -P copy_prebuilt.cmake
# copies THERE/obj/NAME.unchecked.wasm to HERE/obj/, after checking that it
# exists and is newer than every file in SOURCES and than THERE's copy of
# every file in GENERATED, which must be equal to HERE's. Fails the build
# with the reason otherwise. (That its em++ command equals this tree's was
# checked at configure time.)
set(from ${THERE}/obj/${NAME}.unchecked.wasm)
string(REPLACE "${TOP}/" "" shown "${from}")
function(refuse)
  string(JOIN "" why ${ARGV})
  message(FATAL_ERROR "contract ${NAME}: ${shown} ${why}; build that tree "
          "first or configure without -DBALLAST_PREBUILT_CONTRACTS")
endfunction()

if(NOT EXISTS ${from})
  refuse("does not exist")
endif()
set(older_than ${SOURCES})
foreach(file IN LISTS GENERATED)
  string(REPLACE "${HERE}/" "${THERE}/" theirs "${file}")
  file(SHA256 ${file} here_hash)
  if(EXISTS ${theirs})
    file(SHA256 ${theirs} their_hash)
  endif()
  if(NOT EXISTS ${theirs} OR NOT here_hash STREQUAL their_hash)
    string(REPLACE "${TOP}/" "" theirs "${theirs}")
    refuse("was built against ${theirs}, which is missing or differs "
           "from this tree's")
  endif()
  list(APPEND older_than ${theirs})
endforeach()
foreach(file IN LISTS older_than)
  if("${file}" IS_NEWER_THAN "${from}")
    string(REPLACE "${TOP}/" "" file "${file}")
    refuse("is older than ${file}")
  endif()
endforeach()
file(COPY_FILE ${from} ${HERE}/obj/${NAME}.unchecked.wasm)
