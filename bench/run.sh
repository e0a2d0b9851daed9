#!/usr/bin/env bash
# Benchmarks (not tests). Builds Release in build/ if needed, then:
#   bash bench/run.sh [kernels] [ARGS]   kernel micro-benchmark: GEMM vs raw OpenBLAS, raw BLIS and the
#                                        FMA peak; add/relu vs memcpy
#   bash bench/run.sh mlp [--epochs N]   the main job's model (fit epochs + predict latency) next to the
#                                        libtorch peer of ../shared/peers in the same run, and the ratios
#   bash bench/run.sh cnn [--epochs N]   Keras's mnist_convnet (fit epochs) next to the peer's --model cnn
#   bash bench/run.sh memory [--epochs N] peak resident memory (/usr/bin/time -v) of the whole main job
#                                        (samples/fashion_mnist_mlp) next to the libtorch peer's (N = 2)
#   bash bench/run.sh lite [EPOCHS]      TF Lite figures, Fashion-MNIST MLP and convnet: test accuracy of the
#                                        Keras model and its float32 / float16 / dynamic / int8 .tflite files,
#                                        sizes, int8 interpreter vs float predict latency (batch 1 and 256)
#   bash bench/run.sh dispatch [--size N]  cost per op of a chain of 64 small elementwise ops, eager and
#                                        replayed (st::function), next to libtorch's (bench/peers/dispatch)
# Both sides run with 2 threads and OMP_WAIT_POLICY=passive (libtorch at its best, see the peers'
# README). REPEATS=N (default 1) alternates the two programs N times; ratios use the best epoch.
set -euo pipefail
cd "$(dirname "$0")/.."
what=kernels
if [[ $# -gt 0 && $1 != --* ]]; then what=$1; shift; fi

# The libtorch peer of ../shared/peers (PEERS_DIR), built into build/peers the first time; sets
# peer_bin (a path that stays missing when there is no peer to build).
build_libtorch_peer() {
  peers=${PEERS_DIR:-../shared/peers}
  peer_bin=build/peers/torch_cpp/peer_libtorch
  if [[ -d $peers/torch_cpp && ! -x $peer_bin ]]; then
    bash "$peers/setup.sh" >/dev/null
    cmake -S "$peers/torch_cpp" -B build/peers/torch_cpp -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build/peers/torch_cpp --parallel "$(nproc)" >/dev/null
  fi
}

build_target() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_BENCH=ON >/dev/null
  cmake --build build --parallel "$(nproc)" --target "$1" >/dev/null
}

case $what in
kernels)
  build_target bench_kernels
  ./build/bench/bench_kernels "$@"
  ;;
mlp | cnn)
  build_target "bench_$what"
  export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
  build_libtorch_peer
  log=$(mktemp)
  for ((r = 0; r < ${REPEATS:-1}; r++)); do
    [[ -x $peer_bin ]] && "$peer_bin" --model "$what" --threads 2 "$@" | tee -a "$log"
    "./build/bench/bench_$what" --threads 2 "$@" | tee -a "$log"
  done
  if [[ $what == cnn && -x $peer_bin ]]; then
    # Ratios Strata / libtorch: best epoch time, last-epoch accuracy.
    awk '
      function val(key,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) return kv[2] } return "" }
      /^peer=libtorch/ && val("train_s") != "" { t = val("train_s") + 0; if (!pt || t < pt) pt = t; pa = val("test_acc") }
      /^bench=cnn/ && val("epoch_s") != ""     { m = val("mode"); t = val("epoch_s") + 0; if (!(m in st) || t < st[m]) st[m] = t; sa[m] = val("test_acc") }
      END {
        for (m in st) if (pt) printf "bench=cnn_vs_libtorch mode=%s epoch_s=%.3f libtorch_epoch_s=%.3f epoch_ratio=%.3f test_acc=%s libtorch_test_acc=%s acc_diff_pt=%.2f\n", m, st[m], pt, st[m] / pt, sa[m], pa, (sa[m] - pa) * 100
      }' "$log"
  elif [[ -x $peer_bin ]]; then
    # Ratios Strata / libtorch: best epoch time, best median batch-1 latency, best batch-1024
    # throughput (samples/s: above 1 is faster than libtorch), last-epoch accuracy.
    awk '
      function val(key,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) return kv[2] } return "" }
      /^peer=libtorch/ && val("train_s") != ""       { t = val("train_s") + 0; if (!pt || t < pt) pt = t; pa = val("test_acc") }
      /^peer=libtorch/ && val("predict_b1_us") != "" { t = val("predict_b1_us") + 0; if (!pp || t < pp) pp = t }
      /^peer=libtorch/ && val("predict_b1024_sps") != "" { t = val("predict_b1024_sps") + 0; if (t > pb) pb = t }
      /^bench=mlp/ && val("epoch_s") != ""           { m = val("mode"); t = val("epoch_s") + 0; if (!(m in st) || t < st[m]) st[m] = t; sa[m] = val("test_acc") }
      /^bench=mlp/ && val("predict_b1_us") != ""     { m = val("mode"); t = val("predict_b1_us") + 0; if (!(m in sp) || t < sp[m]) sp[m] = t }
      /^bench=mlp/ && val("predict_b1024_sps") != "" { m = val("mode"); t = val("predict_b1024_sps") + 0; if (t > sb[m]) sb[m] = t }
      END {
        for (m in st) if (pt) printf "bench=mlp_vs_libtorch mode=%s epoch_s=%.3f libtorch_epoch_s=%.3f epoch_ratio=%.3f predict_b1_us=%.1f libtorch_predict_b1_us=%.1f predict_b1_ratio=%.3f predict_b1024_sps=%.0f libtorch_predict_b1024_sps=%.0f predict_b1024_speedup=%.3f test_acc=%s libtorch_test_acc=%s acc_diff_pt=%.2f\n", m, st[m], pt, st[m] / pt, sp[m], pp, sp[m] / pp, sb[m], pb, (pb ? sb[m] / pb : 0), sa[m], pa, (sa[m] - pa) * 100
      }' "$log"
  else
    echo "bench=$what note=no_libtorch_peer (set PEERS_DIR to ../shared/peers)"
  fi
  rm -f "$log"
  ;;
memory)
  # The whole process, as a user runs it: the main job (load, fit, evaluate, save, reload) and the
  # peer's run of the same model, data and epochs; then bench_mlp's view of the allocator.
  epochs=2
  if [[ ${1:-} == --epochs && -n ${2:-} ]]; then epochs=$2; fi
  command -v /usr/bin/time >/dev/null || { echo "bench/run.sh memory: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_BENCH=ON -DSTRATA_BUILD_SAMPLES=ON >/dev/null
  cmake --build build --parallel "$(nproc)" --target fashion_mnist_mlp bench_mlp >/dev/null
  export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
  build_libtorch_peer
  work=$(mktemp -d)
  peak_mb() {  # peak resident set of a command, in MB (its output is discarded)
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null
    awk '{ printf "%.1f", $1 / 1024 }' "$work/rss"
  }
  strata_mb=$(cd "$work" && peak_mb "$OLDPWD/build/samples/fashion_mnist_mlp" "$epochs")
  echo "bench=memory program=fashion_mnist_mlp epochs=$epochs peak_rss_mb=$strata_mb"
  ./build/bench/bench_mlp --threads 2 --epochs "$epochs" --predict-calls 100 | grep peak_rss_mb
  if [[ -x $peer_bin ]]; then
    torch_mb=$(peak_mb "$peer_bin" --model mlp --threads 2 --epochs "$epochs")
    echo "peer=libtorch model=mlp epochs=$epochs peak_rss_mb=$torch_mb"
    awk -v s="$strata_mb" -v t="$torch_mb" -v e="$epochs" \
      'BEGIN { printf "bench=memory peak_rss_mb=%.1f libtorch_peak_rss_mb=%.1f ratio=%.3f epochs=%d\n", s, t, s / t, e }'
  else
    echo "bench=memory peak_rss_mb=$strata_mb note=no_libtorch_peer (set PEERS_DIR to ../shared/peers)"
  fi
  rm -rf "$work"
  ;;
lite)
  build_target bench_lite_convert
  export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
  out=$(mktemp -d)
  ./build/bench/bench_lite_convert "${1:-2}" "$out" mlp
  ./build/bench/bench_lite_convert "${1:-2}" "$out" convnet | grep -v '^machine'
  rm -rf "$out"
  ;;
dispatch)
  # One thread on both sides (1,000-element ops run on one core anyway): the figure is overhead.
  build_target bench_dispatch
  peers=${PEERS_DIR:-../shared/peers}
  peer_bin=build/peers/dispatch/peer_dispatch
  # Built here, not in ../shared/peers, so that it follows this checkout's bench/peers/dispatch; without
  # libtorch the run goes on with Strata's line alone.
  if [[ ! -x $peer_bin && -f $peers/setup.sh ]]; then bash "$peers/setup.sh" >/dev/null; fi
  { cmake -S bench/peers/dispatch -B build/peers/dispatch -DCMAKE_BUILD_TYPE=Release &&
    cmake --build build/peers/dispatch --parallel "$(nproc)"; } >/dev/null 2>&1 || true
  log=$(mktemp)
  for ((r = 0; r < ${REPEATS:-1}; r++)); do
    [[ -x $peer_bin ]] && OMP_NUM_THREADS=1 "$peer_bin" "$@" | tee -a "$log"
    ./build/bench/bench_dispatch "$@" | tee -a "$log"
  done
  # Ratios Strata / libtorch per op: of the best median over the repeats, and of the fastest round
  # (the steadier figure on a busy machine).
  awk '
    function val(key,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) return kv[2] } return "" }
    function low(a, k, t) { if (!(k in a) || t < a[k]) a[k] = t }
    /^peer=libtorch bench=dispatch/        { low(p, "med", val("per_op_ns") + 0); low(p, "best", val("per_op_ns_best") + 0) }
    /^bench=dispatch / && val("mode") != "" { m = val("mode"); low(s, m, val("per_op_ns") + 0); low(b, m, val("per_op_ns_best") + 0) }
    END {
      for (m in s) {
        line = sprintf("bench=dispatch_vs_libtorch mode=%s per_op_ns=%.1f per_op_ns_best=%.1f", m, s[m], b[m])
        if ("med" in p) line = line sprintf(" libtorch_per_op_ns=%.1f libtorch_per_op_ns_best=%.1f ratio=%.3f ratio_best=%.3f", p["med"], p["best"], s[m] / p["med"], b[m] / p["best"])
        if (m != "eager" && ("eager" in s)) line = line sprintf(" vs_eager=%.3f vs_eager_best=%.3f", s[m] / s["eager"], b[m] / b["eager"])
        print line
      }
      if (!("med" in p)) print "bench=dispatch note=no_libtorch_peer"
    }' "$log"
  rm -f "$log"
  ;;
*)
  echo "usage: bash bench/run.sh [kernels|mlp|cnn|memory|dispatch|lite] [ARGS]" >&2
  exit 2
  ;;
esac
