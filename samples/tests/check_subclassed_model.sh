#!/usr/bin/env bash
# ctest sample_subclassed_model: check_subclassed_model.sh <subclassed_model executable> [train_samples] [epochs]
# SubclassModel gives a (1, 3) output, IdentityModel returns its input when asked, and both
# Fashion-MNIST classifiers (fit, and the custom train_step) reach a sensible test accuracy.
source "$(dirname "$0")/lib.sh"
require_fashion_mnist
exe="$1"
shift

run_sample "$exe" "$@"
subclass=$(sed -n '/=== SubclassModel/,/=== IdentityModel/p' <<<"$output")
check "SubclassModel output has shape (1, 3)" "$(grep -c 'shape=(1, 3)' <<<"$subclass") == 1"
contains "IdentityModel with isidentity returns its input" "identity_returns_input=true"
contains "IdentityModel prints its input back" "Network identity output: [[1. 2.]]"

fit_accuracy=$(value test_accuracy "$(grep '^fit:' <<<"$output")")
step_accuracy=$(value test_accuracy "$(grep '^train_step:' <<<"$output")")
check "fit: test accuracy $fit_accuracy >= 0.75" "$fit_accuracy >= 0.75"
check "custom train_step: test accuracy $step_accuracy >= 0.75" "$step_accuracy >= 0.75"
same_as_eager "$exe" "$@"
finish
