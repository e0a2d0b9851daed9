#!/bin/sh
# Regenerates strata_keras2/: Strata writes small models in Keras 2 form (SaveOptions::keras2, what
# `strata convert IN OUT.h5 --keras2` writes) with an input each, then TensorFlow.js reads them and
# writes its predictions (check_keras2.mjs). tests/models/test_tfjs_keras2.cpp compares Strata's.
#   tests/data/tfjs/make_strata_keras2.sh [BUILD_DIR]   (default: build; needs Node and npm)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
rm -f "$here"/strata_keras2/*.h5 "$here"/strata_keras2/*.npy
"$build/tests/strata_tests" -tc='tfjs keras2: write*' --no-skip
cd "$here"
[ -d node_modules ] || npm install --no-audit --no-fund --no-package-lock
node check_keras2.mjs
