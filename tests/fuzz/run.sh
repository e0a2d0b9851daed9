#!/usr/bin/env bash
# Builds the model-file fuzz target (clang, libFuzzer + ASan + UBSan) and runs it on the committed
# seed corpus for SECONDS (default 600), in one process.
#
#   tests/fuzz/run.sh [SECONDS]          # the loader's sources instrumented (quick to build)
#   tests/fuzz/run.sh --full [SECONDS]   # the whole library instrumented (-DSTRATA_FUZZ=ON)
#   tests/fuzz/run.sh --make-corpus      # rewrites corpus/strata_* (needs the --full build)
#   tests/fuzz/run.sh --function [SECONDS]  # the function-file target (load_function), loader mode
#   tests/fuzz/run.sh --tflite [SECONDS]    # the .tflite target (st::lite::Interpreter), loader mode
#
# Default mode: the loader's own sources (LOADER_SOURCES below: zip, HDF5, formats, config
# registries, shape / add_weight checks) and the target are compiled by clang with coverage,
# ASan and UBSan into one executable, which links the Release library of build/ for the rest
# (layers' kernels, backend); the executable's definitions take precedence (-rdynamic). Build
# build/ first (cmake --build build --target strata). ASan's allocator and leak checker cover
# the whole process. --full instruments everything but takes long to build on a small machine.
#
# New inputs go to build-fuzz/fuzz_corpus_<target> (not committed); a crash, leak or sanitizer report
# stops the run, leaves the input in build-fuzz/artifacts/ and exits non-zero. Reproduce with
#   build-fuzz/strata_fuzz_load_model build-fuzz/artifacts/crash-...
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${STRATA_FUZZ_BUILD:-$root/build-fuzz}
mode=loader
target=load_model
if [[ "${1:-}" == "--full" ]]; then mode=full; shift; fi
if [[ "${1:-}" == "--function" ]]; then target=load_function; shift; fi
if [[ "${1:-}" == "--tflite" ]]; then target=load_tflite; shift; fi
seconds=${1:-600}
mkdir -p "$out"

if [[ "$mode" == "full" || "$seconds" == "--make-corpus" ]]; then
  cmake -S "$root" -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSTRATA_FUZZ=ON \
    -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_SAMPLES=OFF -DSTRATA_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
  cmake --build "$out" -j"${STRATA_FUZZ_BUILD_JOBS:-2}" --target strata_fuzz_$target strata_fuzz_make_corpus
  if [[ "$seconds" == "--make-corpus" ]]; then
    "$out/tests/fuzz/strata_fuzz_make_corpus" "$root/tests/fuzz/corpus"
    exit 0
  fi
  fuzzer="$out/tests/fuzz/strata_fuzz_$target"
else
  release="$root/build"
  [[ -f "$release/libstrata.so" ]] || { echo "run.sh: build $release first (cmake --build build --target strata)" >&2; exit 2; }
  LOADER_SOURCES=(
    framework/graph/export.cpp framework/graph/kernel_call.cpp framework/graph/concrete_graph.cpp
    framework/graph/control_flow_record.cpp
    backend/kernel_checks.cpp framework/shape.cpp
  )
  [[ "$target" == load_tflite ]] && LOADER_SOURCES=(
    models/lite/reader.cpp models/lite/ops.cpp models/lite/ops_lstm.cpp models/lite/ops_more.cpp
    models/lite/interpreter.cpp backend/cpu/lite/kernels.cpp backend/cpu/lite/softmax_int8.cpp
    backend/cpu/lite/lstm_int8.cpp backend/cpu/lite/pool_elementwise.cpp
  )
  [[ "$target" == load_function || "$target" == load_tflite ]] || LOADER_SOURCES=(
    models/saving/saving.cpp models/saving/model_config.cpp models/saving/weights.cpp
    models/saving/legacy_h5.cpp models/saving/keras3_weights.cpp models/saving/keras_archive.cpp
    models/saving/zip_archive.cpp models/saving/hdf5.cpp
    models/functional_config.cpp layers/registry.cpp layers/layer.cpp framework/shape.cpp
  )
  flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
         -fno-sanitize-recover=undefined -I"$release/include" -I"$release/generated/lite" -I/usr/include/hdf5/serial)
  objects=()
  for source in "${LOADER_SOURCES[@]}" tests/fuzz/fuzz_$target.cpp; do
    object="$out/obj/${source//\//_}.o"
    mkdir -p "$out/obj"
    if [[ ! -f "$object" || "$root/$source" -nt "$object" ]]; then
      echo "run.sh: compiling $source"
      nice -n 10 clang++ "${flags[@]}" -c "$root/$source" -o "$object"
    fi
    objects+=("$object")
  done
  fuzzer="$out/strata_fuzz_$target"
  clang++ -fsanitize=fuzzer,address,undefined -rdynamic "${objects[@]}" -o "$fuzzer" \
    -L"$release" -lstrata -Wl,-rpath,"$release" -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lz
fi

mkdir -p "$out/fuzz_corpus_$target" "$out/artifacts"
dict=()
[[ "$target" == load_model ]] && dict=(-dict="$root/tests/fuzz/model_files.dict")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec nice -n 10 "$fuzzer" \
  -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 -print_final_stats=1 \
  "${dict[@]}" -artifact_prefix="$out/artifacts/" \
  "$out/fuzz_corpus_$target" "$root/tests/fuzz/corpus"
