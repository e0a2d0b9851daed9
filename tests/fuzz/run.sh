#!/usr/bin/env bash
# Builds the model-file fuzz target (clang, libFuzzer + ASan + UBSan) in build-fuzz/ and runs it
# on the committed seed corpus for SECONDS (default 600) in one process.
#
#   tests/fuzz/run.sh [SECONDS]
#
# New inputs go to build-fuzz/fuzz_corpus (not committed); a crash, leak or sanitizer report
# stops the run, leaves the input in build-fuzz/artifacts/ and exits non-zero. Reproduce one with
#   build-fuzz/tests/fuzz/strata_fuzz_load_model build-fuzz/artifacts/crash-...
# The seeds: corpus/strata_* from strata_fuzz_make_corpus (regenerate with --make-corpus), the
# others are small Keras fixture files (../../../shared/fixtures/keras) copied unchanged.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${STRATA_FUZZ_BUILD:-$root/build-fuzz}
seconds=${1:-600}

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSTRATA_FUZZ=ON \
  -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_SAMPLES=OFF -DSTRATA_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$build" -j"${STRATA_FUZZ_BUILD_JOBS:-2}" --target strata_fuzz_load_model strata_fuzz_make_corpus

if [[ "$seconds" == "--make-corpus" ]]; then
  "$build/tests/fuzz/strata_fuzz_make_corpus" "$root/tests/fuzz/corpus"
  exit 0
fi

mkdir -p "$build/fuzz_corpus" "$build/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec nice -n 10 "$build/tests/fuzz/strata_fuzz_load_model" \
  -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
  -dict="$root/tests/fuzz/model_files.dict" -artifact_prefix="$build/artifacts/" \
  "$build/fuzz_corpus" "$root/tests/fuzz/corpus"
