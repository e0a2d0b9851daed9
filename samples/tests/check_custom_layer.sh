#!/usr/bin/env bash
# ctest sample_custom_layer: check_custom_layer.sh <custom_layer executable>
# OurDenseLayer(3) on [[1, 2]]: the output has shape (1, 3), values in (0, 1), equals
# sigmoid([1, 2] @ W + b) for the W and b it prints, is the same on a second run and equals the
# values of set_random_seed(1) recorded below. The XOR-like fit reaches a high test accuracy.
source "$(dirname "$0")/lib.sh"
exe="$1"

run_sample "$exe"
first="$output"
W=$(values W) b=$(values b) y=$(values y)

contains "the layer's output has shape (1, 3)" "output shape=(1, 3)"
check "three output values" "$(wc -w <<<"$y") == 3"
for v in $y; do check "output value $v in (0, 1)" "$v > 0 && $v < 1"; done
# y[j] = sigmoid(1 * W[0][j] + 2 * W[1][j] + b[j]), W printed row-major (2, 3).
max_err=$(awk -v W="$W" -v b="$b" -v y="$y" 'BEGIN {
  split(W, w, " "); split(b, bb, " "); split(y, yy, " "); m = 0
  for (j = 1; j <= 3; j++) {
    z = 1 * w[j] + 2 * w[3 + j] + bb[j]; e = 1 / (1 + exp(-z)) - yy[j]; if (e < 0) e = -e; if (e > m) m = e
  }
  printf "%.9f", m }')
check "output = sigmoid(x @ W + b) (max error $max_err)" "$max_err < 2e-6"

# The seed fixes the weights: a second run prints the same numbers, and they are the recorded ones.
run_sample "$exe" 1
check "second run: same W" "\"$(values W)\" == \"$W\""
check "second run: same y" "\"$(values y)\" == \"$y\""
output="$first"
expected_y="0.409369 0.280028 0.652344"  # recorded from the first run (Philox: the same on every backend)
read -r -a got <<<"$y"
read -r -a want <<<"$expected_y"
for j in 0 1 2; do
  check "y[$j]=${got[$j]} equals the recorded ${want[$j]} for set_random_seed(1) (within 1e-5)" \
    "(${got[$j]} - ${want[$j]}) < 1e-5 && (${want[$j]} - ${got[$j]}) < 1e-5"
done

test_accuracy=$(value test_accuracy)
check "XOR-like problem learned: test accuracy $test_accuracy >= 0.90" "$test_accuracy >= 0.90"
same_as_eager "$exe" 5
finish
