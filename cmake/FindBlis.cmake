# Finds BLIS (Debian: libblis-dev, in one of its threading variants): STRATA_BLIS_FOUND,
# STRATA_BLIS_LIBRARY and STRATA_BLIS_INCLUDE_DIR. The header folder also holds BLIS's own cblas.h,
# so it goes on the one source that includes blis.h, never on a whole target (OpenBLAS's cblas.h
# must win everywhere else). The header is taken from the variant the library resolves to
# (Debian installs libblis.so as an alternative: blis-openmp, blis-pthread or blis-serial), since
# blis.h records the variant's threading model.
find_library(STRATA_BLIS_LIBRARY NAMES blis)
set(STRATA_BLIS_FOUND OFF)
if(STRATA_BLIS_LIBRARY)
  get_filename_component(blis_real "${STRATA_BLIS_LIBRARY}" REALPATH)
  get_filename_component(blis_dir "${blis_real}" DIRECTORY)
  get_filename_component(blis_variant "${blis_dir}" NAME)
  find_path(STRATA_BLIS_INCLUDE_DIR blis.h
            PATH_SUFFIXES ${blis_variant} blis blis-openmp blis-pthread blis-serial NO_CACHE)
  if(STRATA_BLIS_INCLUDE_DIR)
    set(STRATA_BLIS_FOUND ON)
  endif()
endif()
if(STRATA_BLIS_FOUND)
  message(STATUS "BLIS: ${STRATA_BLIS_LIBRARY} (${blis_real}), headers ${STRATA_BLIS_INCLUDE_DIR}")
else()
  message(STATUS "BLIS: not found (libblis-dev); the CPU GEMM uses OpenBLAS alone")
endif()
