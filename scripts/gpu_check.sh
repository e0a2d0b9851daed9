#!/usr/bin/env bash
# Verifies the CUDA backend on a machine with an NVIDIA GPU, in one command (about 5 minutes on an
# H100): the CUDA tests (every kernel against the CPU, float64 gradient checks on the GPU, a model
# fit), compute-sanitizer memcheck over them, and the benchmark (bench_cuda next to
# bench/torch_cuda.py, PyTorch eager on the same GPU). Prints `bench=... backend=...` lines, then
# `gpu_check: ...` summary lines, and exits non-zero when a test or memcheck fails.
#
#   bash scripts/gpu_check.sh            on the GPU machine
#   bash scripts/gpu_check.sh --bundle   on a machine without a GPU that has the toolkit and the
#                                        project's dependencies: builds Release with CUDA into
#                                        build-gpu/ and packs .gpu_bundle/bundle.tar.xz (the test and
#                                        bench binaries, libstrata, the shared libraries they need
#                                        that a CUDA image lacks, and Fashion-MNIST when installed)
#
# The GPU machine needs no project dependencies when .gpu_bundle/ travels with the tree (with the
# device tool: `bash scripts/gpu_check.sh --bundle` here first, then run(command="OUT=$OUT bash
# scripts/gpu_check.sh", carry=[".gpu_bundle"], timeout_s=590)); without a bundle it configures and
# builds build-gpu/ itself, which needs xtensor, OpenBLAS, HDF5, doctest and nlohmann-json there.
# Environment: BUILD_DIR (default build-gpu), CUDA_ARCHS (default "80;90"), MARCH (bundle builds: default x86-64-v3, so that the
# binaries run on another x86-64 host), JOBS, OUT (a folder for the logs; default build-gpu/logs).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${JOBS:-$(nproc)}
build=${BUILD_DIR:-build-gpu}
cuda_archs=${CUDA_ARCHS:-80;90}

configure_and_build() {
  local march=$1
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSTRATA_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$cuda_archs" \
    "-DSTRATA_MARCH=$march" -DSTRATA_BUILD_SAMPLES=OFF \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache) &&
    cmake --build "$build" --parallel "$jobs" --target strata_tests bench_cuda
}

# --- packing a bundle (no GPU needed) ---
if [[ ${1:-} == --bundle ]]; then
  set -e
  configure_and_build "${MARCH:-x86-64-v3}"
  stage=$(mktemp -d)
  mkdir -p "$stage/bin" "$stage/lib"
  cp "$build/tests/strata_tests" "$build/bench/bench_cuda" "$stage/bin/"
  cp -P "$build"/libstrata.so* "$stage/lib/"
  cp "$build"/libstrata_cuda.so "$stage/lib/"  # the CUDA backend plugin, loaded from libstrata's folder
  # Every shared library the binaries load, except the C runtime and CUDA's own (the GPU machine
  # has a driver and a toolkit or PyTorch's CUDA libraries).
  for binary in "$stage"/bin/*; do
    ldd "$binary" | awk '/=> \// {print $3}'
  done | sort -u | while read -r lib; do
    case $(basename "$lib") in
      libc.so* | libm.so* | libdl.so* | librt.so* | libpthread.so* | ld-linux* | libstdc++.so* | libgcc_s.so* | \
        libcuda.so* | libcudart.so* | libcublas*.so* | libstrata.so*) ;;
      *) cp -L "$lib" "$stage/lib/" ;;
    esac
  done
  strip --strip-unneeded "$stage"/bin/* "$stage"/lib/*.so* 2>/dev/null || true
  data=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
  if [[ -f $data/train-images-idx3-ubyte.gz ]]; then
    mkdir -p "$stage/fashion-mnist"
    cp "$data"/*.gz "$stage/fashion-mnist/"
  fi
  mkdir -p .gpu_bundle
  exclude=$(git rev-parse --git-path info/exclude)  # .gpu_bundle/ travels by `carry`, never in a commit
  mkdir -p "$(dirname "$exclude")"
  grep -qx '/.gpu_bundle/' "$exclude" 2>/dev/null || echo '/.gpu_bundle/' >>"$exclude"
  tar -C "$stage" -cJf .gpu_bundle/bundle.tar.xz .
  rm -rf "$stage"
  echo "gpu_check: bundle .gpu_bundle/bundle.tar.xz ($(du -h .gpu_bundle/bundle.tar.xz | cut -f1)); carry .gpu_bundle to the GPU machine"
  exit 0
fi

# --- on the GPU machine ---
start=$SECONDS
out=${OUT:-$build/logs}
mkdir -p "$out"
status=0
echo "== $(nvidia-smi -L 2>/dev/null || echo 'nvidia-smi: not found')"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null

# CUDA's libraries: the toolkit's, else the ones PyTorch's wheels ship.
cuda_lib=""
for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [[ -e $dir/libcublas.so.13 ]] && cuda_lib=$dir && break
done
if [[ -z $cuda_lib ]]; then
  cuda_lib=$(python3 - <<'EOF' 2>/dev/null
import glob, os, site
for base in site.getsitepackages():
    hits = glob.glob(os.path.join(base, "nvidia", "**", "libcublas.so.13"), recursive=True)
    if hits:
        print(os.path.dirname(hits[0]))
        break
EOF
)
fi

if [[ -f .gpu_bundle/bundle.tar.xz ]]; then
  bundle=$(mktemp -d)
  tar -C "$bundle" -xJf .gpu_bundle/bundle.tar.xz
  tests=$bundle/bin/strata_tests
  bench=$bundle/bin/bench_cuda
  export LD_LIBRARY_PATH=$bundle/lib${cuda_lib:+:$cuda_lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  [[ -d $bundle/fashion-mnist && -z ${FASHION_MNIST_DIR:-} ]] && export FASHION_MNIST_DIR=$bundle/fashion-mnist
  echo "== using the prebuilt bundle (${cuda_lib:-no CUDA library folder found})"
else
  echo "== building $build (no .gpu_bundle/bundle.tar.xz)"
  if ! configure_and_build native >"$out/build.log" 2>&1; then
    tail -30 "$out/build.log"
    echo "gpu_check: FAILED to build here; pack a bundle on a machine with the dependencies: bash scripts/gpu_check.sh --bundle"
    exit 1
  fi
  tests=$root/$build/tests/strata_tests
  bench=$root/$build/bench/bench_cuda
  [[ -n $cuda_lib ]] && export LD_LIBRARY_PATH=$cuda_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
echo "== setup done ($((SECONDS - start)) s)"

# 1. The CUDA tests (doctest cases named "cuda: ...").
timeout 300 "$tests" --test-case='cuda:*' --duration=true 2>&1 | tee "$out/tests.log"
tests_rc=${PIPESTATUS[0]}
[[ $tests_rc -ne 0 ]] && status=1
if grep -q "CUDA tests skipped" "$out/tests.log"; then
  echo "gpu_check: the CUDA tests skipped: no usable GPU here (see the reason above)"
  status=1
fi
echo "gpu_check: cuda tests rc=$tests_rc ($((SECONDS - start)) s)"

# 2. compute-sanitizer memcheck over the kernel comparisons and the gradient checks.
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [[ -n $sanitizer ]]; then
  timeout 240 "$sanitizer" --tool memcheck --error-exitcode 99 --print-limit 20 \
    "$tests" --test-case='cuda: every kernel*,cuda: float64 gradient*' 2>&1 | tail -40 | tee "$out/memcheck.log"
  memcheck_rc=${PIPESTATUS[0]}
  [[ $memcheck_rc -ne 0 ]] && status=1
  echo "gpu_check: memcheck rc=$memcheck_rc ($((SECONDS - start)) s)"
else
  echo "gpu_check: memcheck skipped: compute-sanitizer not found"
fi

# 3. Benchmarks: strata on cuda, then PyTorch eager on the same GPU.
timeout 240 "$bench" --epochs 2 --cnn-epochs 2 2>&1 | tee "$out/bench_cuda.log"
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  timeout 180 python3 bench/torch_cuda.py --epochs 2 --cnn-epochs 2 2>&1 | tee "$out/bench_torch.log"
else
  echo "gpu_check: PyTorch with CUDA is not importable here: no peer figures" | tee "$out/bench_torch.log"
fi

# Ratios strata / PyTorch (best epoch; < 1 means strata is faster) and SGEMM against raw cuBLAS.
awk '
  function val(line, key,   m) { return match(line, key "=[^ ]+") ? substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1) : "" }
  /^bench=/ {
    b = val($0, "bench"); be = val($0, "backend"); e = val($0, "epoch_s")
    if (e != "" && (!((b, be) in best) || e + 0 < best[b, be])) best[b, be] = e + 0
    p = val($0, "predict_b1_us"); if (p != "") b1[be] = p + 0
    q = val($0, "predict_b1024_ms"); if (q != "") b1024[be] = q + 0
    if (b == "sgemm" && be == "cuda") printf "gpu_check: sgemm tf32=%s strata/cublas=%s (target >= 0.90)\n", val($0, "tf32"), val($0, "ratio")
  }
  END {
    split("mlp cnn", names, " ")
    for (i = 1; i <= 2; i++) {
      n = names[i]
      if (((n, "cuda") in best) && ((n, "torch_cuda") in best))
        printf "gpu_check: %s epoch strata=%.3fs torch=%.3fs ratio=%.3f (target <= 1)\n", n, best[n, "cuda"], best[n, "torch_cuda"], best[n, "cuda"] / best[n, "torch_cuda"]
    }
    if (("cuda" in b1) && ("torch_cuda" in b1))
      printf "gpu_check: predict batch 1 strata=%.1fus torch=%.1fus ratio=%.3f (target <= 1); batch 1024 strata=%.3fms torch=%.3fms\n", b1["cuda"], b1["torch_cuda"], b1["cuda"] / b1["torch_cuda"], b1024["cuda"], b1024["torch_cuda"]
  }' "$out/bench_cuda.log" "$out/bench_torch.log"

echo "gpu_check: $([[ $status -eq 0 ]] && echo passed || echo FAILED) in $((SECONDS - start)) s (logs in $out)"
exit $status
