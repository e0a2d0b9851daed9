#!/usr/bin/env bash
# ctest sample_sequence_classification: check_sequence_classification.sh <sequence_classification executable> [epochs] [units]
# An LSTM over the 28 rows of Fashion-MNIST images reaches >= 0.85 test accuracy.
source "$(dirname "$0")/lib.sh"
require_fashion_mnist
exe="$1"
shift

run_sample "$exe" "$@"
accuracy=$(value test_accuracy)
check "test accuracy $accuracy >= 0.85" "$accuracy >= 0.85"
same_as_eager "$exe" 1 16
finish
