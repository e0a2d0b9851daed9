#!/usr/bin/env bash
# ctest sample_functional_multi_io: check_functional_multi_io.sh <functional_multi_io executable> [train_samples] [epochs]
# The two-input, two-output model trains from a Dataset: the class head reaches a sensible test
# accuracy, the score head beats a constant prediction by far, the logs are named as Keras's,
# predict_outputs gives both outputs, and plot_model writes the graph.
source "$(dirname "$0")/lib.sh"
require_fashion_mnist
exe="$1"
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dot_file="$work/multi_io.dot"

run_sample "$exe" "${1:-20000}" "${2:-3}" "$dot_file"
accuracy=$(value test_class_accuracy)
mae=$(value test_score_mae)
baseline=$(value baseline_score_mae)
check "class head: test accuracy $accuracy >= 0.80" "$accuracy >= 0.80"
check "score head: test MAE $mae < 0.5 x constant-prediction MAE $baseline" "$mae < 0.5 * $baseline"
for key in loss class_loss score_loss class_accuracy score_mae val_loss val_class_accuracy val_score_mae; do
  contains "history has $key" " $key "
done
contains "predict_outputs gives both outputs" "predict_outputs=2 shapes=(5, 10) (5, 1)"
check "the DOT file exists" "$( [[ -s $dot_file ]] && echo 1 || echo 0 ) == 1"
contains "summary has the Connected to column" "Connected to"
output=$(cat "$dot_file")
contains "DOT: the image input" "image (InputLayer)"
contains "DOT: the class head" "class (Dense)"
check "DOT: 9 edges (image->conv->pool->flatten->dense->concat, meta->dense->concat, concat->class, concat->score)" \
  "$(grep -c -- "->" "$dot_file") == 9"
same_as_eager "$exe" 2000 1 "$work/eager.dot"
finish
