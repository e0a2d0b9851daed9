#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: a Release build in build/ (tests, samples, bench,
# and the install + downstream-project check), then an AddressSanitizer + UndefinedBehaviorSanitizer
# build of the tests of the memory-handling code in build-asan/. Fails on the first failure. Uses
# every core.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
jobs=$(nproc)
phase_start=$SECONDS
phase() {  # prints how long the previous phase took
  echo "== $1 ($((SECONDS - phase_start)) s)"
  phase_start=$SECONDS
}

bash scripts/setup.sh
phase "setup done"

source scripts/generator.sh

# Without a GPU (CI) the CUDA backend, where nvcc exists, is compiled for one architecture: that
# checks that it compiles at half the nvcc time; a GPU machine builds every architecture.
cuda_args=()
if nvidia-smi -L >/dev/null 2>&1; then cuda_args=("-DCMAKE_CUDA_ARCHITECTURES=80;90"); else cuda_args=(-DCMAKE_CUDA_ARCHITECTURES=90); fi

# --- Release ---
# The benchmarks are not tests: bench/run.sh builds them.
cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_BENCH=OFF "${cuda_args[@]}"
cmake --build build --parallel "$jobs"
phase "release build done"
ctest --test-dir build --parallel "$jobs" --output-on-failure
phase "release tests done"

# --- AddressSanitizer + UndefinedBehaviorSanitizer (tests only) ---
# -O0 -g1 (line tables only): the instrumented build is what bounds the time of this script on two
# cores, and -O0 compiles the xtensor-heavy kernels ~40% faster than -O1 (measured: binary.cpp,
# unary.cpp, reduce.cpp and test_ops_forward.cpp take 91 s instead of 157 s of CPU), while the tests
# themselves need only ~30 s of CPU under ASan either way. Stack traces keep file:line.
# STRATA_CUDA=OFF: nvcc code is not instrumented anyway, compiling it again would cost minutes of
# the budget, and ASan's shadow memory conflicts with the CUDA driver's address reservations on a
# GPU machine (the Release build above compiles the CUDA backend and runs its tests).
# Only the tests of the code that handles raw memory and untrusted bytes run instrumented: every
# backend kernel (tests/backend, and the convolution / pooling cases), tensors, ops, autodiff, the
# data readers (tests/framework), every model-file reader and writer (test_saving*, the zip
# archive) and the CLI. Layers, models, losses, metrics and callbacks are compositions of those ops
# and run in the Release build above; building them a second time instrumented cost ~10 minutes of
# a two-core CI machine.
cmake -S . -B build-asan $(generator build-asan) -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DSTRATA_SANITIZE=ON -DSTRATA_BUILD_SAMPLES=OFF -DSTRATA_BUILD_BENCH=OFF -DSTRATA_CUDA=OFF \
  -DSTRATA_TEST_FILES_REGEX="/(backend|framework|graph|tools)/|/models/test_compiled_steps|/models/test_(saving|zip)|/layers/test_conv_pool_norm"
cmake --build build-asan --parallel "$jobs"
phase "sanitizer build done"

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:print_stacktrace=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
# Two doctest processes (backend + framework, and the rest), one per core, instead of a process per
# case through ctest: ASan's start-up in each of 330 processes made that 3.5x slower (223 s
# against 62 s on one core, measured).
asan_tests=build-asan/tests/strata_tests
shards=('-sf=*/backend/*,*/framework/*' '-sfe=*/backend/*,*/framework/*')
pids=()
for i in "${!shards[@]}"; do
  "$asan_tests" "${shards[$i]}" >"build-asan/shard$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    failed=1
    echo "== sanitizer shard $i (${shards[$i]}) failed:"
  fi
  tail -n 40 "build-asan/shard$i.log"
done
[[ $failed == 0 ]] || exit 1
phase "sanitizer tests done"

echo "test.sh: all passed in $((SECONDS - start)) s"
