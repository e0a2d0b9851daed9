#!/usr/bin/env bash
# ctest sample_gradient_tape_loop: check_gradient_tape_loop.sh <gradient_tape_loop executable> [train_samples] [epochs]
# SGD drives x to x_f (within 1e-2) and the hand-written Fashion-MNIST loop reaches a sensible
# test accuracy, with one finished progress bar per epoch, and logs its curves through st::summary.
source "$(dirname "$0")/lib.sh"
require_fashion_mnist
exe="$1"
shift

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
run_sample "$exe" "$@" --logdir "$logdir"
events=$(find "$logdir/train" -name 'events.out.tfevents.*' | wc -l)
check "one event file in the log directory ($events)" "$events == 1"
size=$(find "$logdir/train" -name 'events.out.tfevents.*' -size +200c | wc -l)
check "the event file holds the epochs' scalars" "$size == 1"
final=$(grep '^final x=' <<<"$output")
x=$(value x "$final") x_f=$(value x_f "$final")
check "final x=$x within 1e-2 of x_f=$x_f" "($x - $x_f) < 1e-2 && ($x_f - $x) < 1e-2"
initial=$(value x "$(grep '^initial x=' <<<"$output")")
check "x moved from its initial value $initial" "($initial - $x_f) > 0.5 || ($x_f - $initial) > 0.5"

epochs=$(grep -c '^Epoch ' <<<"$output")
bars=$(grep -E '^ *([0-9]+)/\1 ' <<<"$output" | grep -F 'loss: ' | grep -cF 'accuracy: ' || true)
check "one finished progress bar per epoch ($bars bars, $epochs epochs)" "$epochs >= 1 && $bars == $epochs"

train_accuracy=$(value train_accuracy) test_accuracy=$(value test_accuracy)
check "train accuracy $train_accuracy >= 0.75" "$train_accuracy >= 0.75"
check "test accuracy $test_accuracy >= 0.75" "$test_accuracy >= 0.75"
same_as_eager "$exe" "$@" --logdir "$logdir"
finish
