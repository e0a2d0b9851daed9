#!/usr/bin/env bash
# Builds Release (in build/) and runs the kernel micro-benchmark. Extra arguments go to it, e.g.
#   bash bench/run.sh --threads 1 --only matmul
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel "$(nproc)" --target bench_kernels
./build/bench/bench_kernels "$@"
