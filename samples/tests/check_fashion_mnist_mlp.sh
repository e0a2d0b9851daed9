#!/usr/bin/env bash
# ctest sample_fashion_mnist_mlp: check_fashion_mnist_mlp.sh <fashion_mnist_mlp executable>
# The main job, one epoch: it trains to a sensible accuracy, the restored model scores the same,
# and fit's compiled steps print what the eager run prints.
source "$(dirname "$0")/lib.sh"
require_fashion_mnist
exe="$1"

run_sample "$exe" 1
accuracy=$(value test_accuracy "$(grep '^test_loss=' <<<"$output")")
restored=$(value test_accuracy "$(grep '^restored model:' <<<"$output")")
check "one epoch: test accuracy $accuracy >= 0.80" "$accuracy >= 0.80"
check "the restored model scores the same ($restored)" "$restored == $accuracy"
same_as_eager "$exe" 1
finish
