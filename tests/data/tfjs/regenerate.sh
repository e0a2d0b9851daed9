#!/usr/bin/env bash
# Regenerates cases/ from generate.mjs: installs the pinned TensorFlow.js and h5wasm (package-lock.json)
# and runs the generator. Needs Node 18+ and npm; the C++ test needs neither.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node generate.mjs
