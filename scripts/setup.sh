#!/usr/bin/env bash
# Installs the Debian packages Strata needs, and nothing else. Idempotent: when everything is
# already installed it touches nothing (no apt-get update, no root needed).
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache ninja-build
  libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev libblis-dev
  libhdf5-dev zlib1g-dev libpng-dev nlohmann-json3-dev doctest-dev
  libflatbuffers-dev flatbuffers-compiler
  python3-pyarmnn libarmnntfliteparser22 libarmnn-cpuref-backend22  # tests/lite/armnn_check.py
  dataset-fashion-mnist
  graphviz chromium  # plot_model's pictures; the headless-browser test of `strata board --html`
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}"
