#!/usr/bin/env bash
# Installs a Strata build into <work dir>/prefix and builds a downstream project against the
# installed package (find_package(strata), strata::strata), then runs it and checks its output.
# With STRATA_CHECK_ADD_SUBDIRECTORY=1 it also builds the same project through add_subdirectory
# on the source tree (a second full library build, so off by default in the test suite; without it
# the add_subdirectory variant is only configured).
# Usage: tests/install/run.sh <strata build dir> <work dir>
set -euo pipefail
if (($# != 2)); then
  echo "usage: $0 <strata build dir> <work dir>" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source_root=$(cd "$here/../.." && pwd)
jobs=$(nproc)

check_output() {  # <program> <label>
  local out
  out=$("$1")
  echo "$out"
  grep -qF 'sum: strata.Tensor([4. 6.], shape=(2,), dtype=float32)' <<<"$out" \
    || { echo "FAIL ($2): unexpected sum" >&2; exit 1; }
  grep -qx 'gradient: 6' <<<"$out" || { echo "FAIL ($2): unexpected gradient" >&2; exit 1; }
  echo "ok ($2)"
}

# 1. find_package against the installed package
rm -rf "$work/prefix" "$work/downstream"
cmake --install "$build" --prefix "$work/prefix"
# Only the public API is installed: the internal headers stay in the source tree.
for private in framework/tensor_impl.hpp losses/builtin.hpp metrics/builtin.hpp backend/cpu/cpu_backend.hpp \
               models/step_functions.hpp framework/graph/tracer.hpp models/saving/hdf5.hpp framework/ops/op_support.hpp; do
  [[ -e "$source_root/$private" ]] || { echo "FAIL: $private is not in the source tree (update this list)" >&2; exit 1; }
  [[ ! -e "$work/prefix/include/strata/$private" ]] || { echo "FAIL: internal header $private is installed" >&2; exit 1; }
done
# Every installed header compiles on its own terms: one translation unit includes them all, so a
# public header that includes an uninstalled one fails here.
all_headers="$work/all_headers.cpp"
(cd "$work/prefix/include" && find strata -name '*.hpp' | sort | sed 's|.*|#include <&>|') >"$all_headers"
echo "installed headers: $(wc -l <"$all_headers")"
cmake -S "$here" -B "$work/downstream" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DSTRATA_ALL_HEADERS_SOURCE="$all_headers"
grep -q "strata_DIR:PATH=$work/prefix/" "$work/downstream/CMakeCache.txt" \
  || { echo "FAIL: find_package(strata) did not use the installed package" >&2; exit 1; }
cmake --build "$work/downstream" --parallel "$jobs"
check_output "$work/downstream/downstream" "find_package"

# 2. add_subdirectory on the source tree
rm -rf "$work/subdirectory"
cmake -S "$here" -B "$work/subdirectory" -DSTRATA_SOURCE_DIR="$source_root" -DCMAKE_BUILD_TYPE=Release
if [[ "${STRATA_CHECK_ADD_SUBDIRECTORY:-0}" == 1 ]]; then
  cmake --build "$work/subdirectory" --parallel "$jobs"
  check_output "$work/subdirectory/downstream" "add_subdirectory"
else
  echo "ok (add_subdirectory: configured; STRATA_CHECK_ADD_SUBDIRECTORY=1 builds and runs it too)"
fi
