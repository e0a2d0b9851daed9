# The installed headers: what the public entry points include, and nothing else. An internal
# header (a kernel's helpers, tensor_impl.hpp, the builtin tables of losses and metrics, the HDF5
# and zip readers) is never installed, so a downstream project cannot include it by accident, and a
# public header that starts including one is caught by tests/install (it would fail to compile
# against the installed package).
#
# strata_public_headers(<out var> <entry header>...): the entry headers (paths relative to the
# source root) and every "strata/..." header they include, transitively.
function(strata_public_headers out_var)
  set(pending ${ARGN})
  set(found)
  while(pending)
    list(POP_FRONT pending header)
    if(header IN_LIST found)
      continue()
    endif()
    if(NOT EXISTS "${PROJECT_SOURCE_DIR}/${header}")
      message(FATAL_ERROR "public header ${header} does not exist")
    endif()
    list(APPEND found "${header}")
    file(STRINGS "${PROJECT_SOURCE_DIR}/${header}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"strata/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"strata/([^\"]+)\".*" "\\1" included "${line}")
      list(APPEND pending "${included}")
    endforeach()
  endwhile()
  # An edit that adds an include to a public header reconfigures, so the installed set follows it.
  set(paths)
  foreach(header IN LISTS found)
    list(APPEND paths "${PROJECT_SOURCE_DIR}/${header}")
  endforeach()
  set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${paths})
  set(${out_var} ${found} PARENT_SCOPE)
endfunction()
