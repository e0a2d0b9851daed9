# Helpers of the sample checkers (sourced): run a sample, pick numbers out of its output, compare.
# A failed check prints what was expected and what the sample printed, and exits 1.
set -euo pipefail

SKIP=77  # ctest's SKIP_RETURN_CODE for the samples' tests

output=""
failures=0

# Skips the test when Fashion-MNIST is not installed (Debian's dataset-fashion-mnist).
require_fashion_mnist() {
  local dir="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
  if [[ ! -e "$dir/train-images-idx3-ubyte.gz" && ! -e "$dir/train-images-idx3-ubyte" ]]; then
    echo "SKIP: Fashion-MNIST not found in $dir (install dataset-fashion-mnist)"
    exit "$SKIP"
  fi
}

# run_sample EXE ARGS...: runs the sample, keeps its output in $output and echoes it.
run_sample() {
  echo "+ $*"
  if ! output=$("$@" 2>&1); then
    echo "$output"
    echo "FAIL: '$*' exited with an error"
    exit 1
  fi
  echo "$output"
  echo "----"
}

# value KEY [TEXT]: the first number after "KEY=" in TEXT (default: $output); fails when absent.
value() {
  local text="${2:-$output}" v
  v=$(grep -oE -- "$1=[-+0-9.eE]+" <<<"$text" | head -n 1 | cut -d= -f2) || true
  if [[ -z "$v" ]]; then
    echo "FAIL: no '$1=<number>' in the output" >&2
    exit 1
  fi
  echo "$v"
}

# values KEY [TEXT]: the space-separated numbers of the line "KEY=a b c".
values() {
  local text="${2:-$output}" line
  line=$(grep -E -- "^$1=" <<<"$text" | head -n 1) || true
  if [[ -z "$line" ]]; then
    echo "FAIL: no line '$1=...' in the output" >&2
    exit 1
  fi
  echo "${line#*=}"
}

# check DESCRIPTION AWK_CONDITION: evaluates the condition with awk (numbers compare as numbers).
check() {
  if awk "BEGIN { exit !($2) }"; then
    echo "ok: $1"
  else
    echo "FAIL: $1   [$2]"
    failures=$((failures + 1))
  fi
}

# contains DESCRIPTION FIXED_TEXT: the output contains the text.
contains() {
  if grep -qF -- "$2" <<<"$output"; then
    echo "ok: $1"
  else
    echo "FAIL: $1   [output lacks '$2']"
    failures=$((failures + 1))
  fi
}

# same_as_eager EXE ARGS...: runs the sample twice, as it is (fit's compiled steps) and with every
# st::function run eagerly (STRATA_RUN_FUNCTIONS_EAGERLY=1), and checks that every KEY=NUMBER the
# two runs print, timings aside, is the same number as printed (a replay gives eager's bits where
# fusion does not reorder arithmetic). Leaves $output as it was.
same_as_eager() {
  local kept="$output" compiled eager pairs
  echo "+ $* (compiled, then STRATA_RUN_FUNCTIONS_EAGERLY=1)"
  if ! compiled=$("$@" 2>&1) || ! eager=$(STRATA_RUN_FUNCTIONS_EAGERLY=1 "$@" 2>&1); then
    echo "FAIL: '$*' exited with an error"
    exit 1
  fi
  numbers() { grep -oE -- "[A-Za-z_]+=[-+0-9.eE]+" <<<"$1" | grep -vE -- "(time|_s|ms|seconds)=" || true; }
  pairs=$(paste -d' ' <(numbers "$compiled") <(numbers "$eager"))
  if [[ -z "$pairs" ]]; then
    echo "FAIL: no KEY=NUMBER output to compare"
    failures=$((failures + 1))
    return
  fi
  local compared=0 a b
  while read -r a b; do
    compared=$((compared + 1))
    if [[ "$a" != "$b" ]]; then
      echo "FAIL: compiled printed $a, eager printed ${b:-nothing}"
      failures=$((failures + 1))
    fi
  done <<<"$pairs"
  echo "ok: $compared printed numbers are the same compiled and eager"
  output="$kept"
}

finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
