#!/usr/bin/env bash
# Sets up, builds (Release, in build/) and runs the main job: samples/fashion_mnist_mlp (train with a
# progress bar, evaluate, save, reload).
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
bash scripts/setup.sh
source scripts/generator.sh
cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel "$(nproc)" --target fashion_mnist_mlp
echo "== built in $((SECONDS - start)) s; running samples/fashion_mnist_mlp"
./build/samples/fashion_mnist_mlp
