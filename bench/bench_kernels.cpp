// Micro-benchmark of Strata's CPU kernels against their ceilings, measured in the same run on the
// same data: strata::matmul against raw OpenBLAS, raw BLIS and the machine's peak FLOP rate, and
// elementwise add / relu against a memcpy of the same size. Prints one machine-readable line per case:
//
//   machine cpu=AMD_EPYC family=25 model=17 cores=2 isa=avx2,fma,avx512f,…
//   bench=peak backend=cpu isa=avx512 peak_1t_gflops=… peak_gflops=… threads=2
//   bench=gemm backend=cpu name=fwd1 shape=128x256x784 trans=NN threads=2 strata_gflops=…
//       openblas_gflops=… blis_gflops=… openblas_1t_gflops=… blis_1t_gflops=… peak_gflops=…
//       strata_pct_peak=… openblas_1t_pct_peak=… blis_1t_pct_peak=… ratio=… …
//   blas_choice trans=NN m_max=128 n=256 k=784 … lib=openblas|blis …   (what Strata's GEMM picked)
//   bench=add backend=cpu size_mb=4 threads=2 strata_gbps=… memcpy_gbps=… ratio=… …
//
// shape is MxNxK of C (M x N) = op(A) (M x K) * op(B) (K x N). GFLOP/s counts 2*M*N*K, best call
// after warm-up (the _median keys: the median call); the sides' calls alternate so all see the same
// machine state. strata: the pool of `threads` threads, BLAS single-threaded inside it; openblas and
// blis: the library's own `threads` threads; _1t: the library on one thread (what each slab of
// Strata's split runs). peak_gflops: fused multiply-adds on the widest vector unit, on every thread
// at once (peak_1t_gflops: one thread); pct_peak compares with the peak of the same thread count.
// ratio = strata / max(openblas, blis) (target >= 0.95). GB/s counts bytes read + written (add: 3 x
// size, relu and memcpy: 2 x size); ratio = Strata / memcpy (target >= 0.7 from 4 MB).
//
// Usage: bench_kernels [--threads N] [--min-time SECONDS] [--only peak|matmul|add|relu]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <strata/backend/backend.hpp>
#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"
#include "strata/backend/cpu/blas.hpp"  // internal: raw BLIS through the backend's thin wrapper

namespace st = strata;

namespace {

using bench::Clock;
using bench::median;

double best(std::vector<double> v) { return *std::min_element(v.begin(), v.end()); }

double seconds_of(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  f();
  return bench::seconds_since(t0);
}

// Seconds per call of each side. Warms every side up, then calls them in turn until together they
// have run for sides x min_time (at least min_calls calls each, at most max_calls).
std::vector<std::vector<double>> measure(const std::vector<std::function<void()>>& sides, double min_time,
                                         int min_calls = 10, int max_calls = 5000) {
  for (int i = 0; i < 3; ++i)
    for (const auto& f : sides) f();
  std::vector<std::vector<double>> t(sides.size());
  double total = 0.0;
  while (static_cast<int>(t[0].size()) < max_calls &&
         (static_cast<int>(t[0].size()) < min_calls || total < static_cast<double>(sides.size()) * min_time)) {
    for (std::size_t s = 0; s < sides.size(); ++s) {
      t[s].push_back(seconds_of(sides[s]));
      total += t[s].back();
    }
  }
  return t;
}

// Keeps the compiler from dropping work whose result is never read.
void clobber(void* p) { asm volatile("" : : "g"(p) : "memory"); }

// --- peak FLOP rate: independent chains of fused multiply-adds in registers, per vector width ---
// Written in assembly: compiled from intrinsics, the accumulators may live in memory (GCC -O2 keeps
// an array of 16 there), which measured half the real rate. acc += a * b from zeros with a = b = 0
// stays 0 (no denormals); 16 (AVX-512) or 12 (AVX2) chains cover the FMA latency on two pipes.

#define STRATA_FMA4(op, r, i0, i1, i2, i3)                                                            \
  op " %%" r "14, %%" r "15, %%" r #i0 "\n" op " %%" r "14, %%" r "15, %%" r #i1 "\n" op " %%" r "14, %%" r \
     "15, %%" r #i2 "\n" op " %%" r "14, %%" r "15, %%" r #i3 "\n"

__attribute__((target("avx512f"))) double fma_avx512(std::int64_t iterations) {
  asm volatile(
      "vpxord %%zmm14, %%zmm14, %%zmm14\n vmovaps %%zmm14, %%zmm15\n"
      "vmovaps %%zmm14, %%zmm0\n vmovaps %%zmm14, %%zmm1\n vmovaps %%zmm14, %%zmm2\n vmovaps %%zmm14, %%zmm3\n"
      "vmovaps %%zmm14, %%zmm4\n vmovaps %%zmm14, %%zmm5\n vmovaps %%zmm14, %%zmm6\n vmovaps %%zmm14, %%zmm7\n"
      "vmovaps %%zmm14, %%zmm8\n vmovaps %%zmm14, %%zmm9\n vmovaps %%zmm14, %%zmm10\n vmovaps %%zmm14, %%zmm11\n"
      "vmovaps %%zmm14, %%zmm12\n vmovaps %%zmm14, %%zmm13\n vmovaps %%zmm14, %%zmm16\n vmovaps %%zmm14, %%zmm17\n"
      "1:\n" STRATA_FMA4("vfmadd231ps", "zmm", 0, 1, 2, 3) STRATA_FMA4("vfmadd231ps", "zmm", 4, 5, 6, 7)
      STRATA_FMA4("vfmadd231ps", "zmm", 8, 9, 10, 11) STRATA_FMA4("vfmadd231ps", "zmm", 12, 13, 16, 17)
      "dec %0\n jnz 1b\n"
      : "+r"(iterations)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "cc");
  return 2.0 * 16 * 16;  // flops per iteration
}

__attribute__((target("avx2,fma"))) double fma_avx2(std::int64_t iterations) {
  asm volatile(
      "vxorps %%ymm14, %%ymm14, %%ymm14\n vmovaps %%ymm14, %%ymm15\n"
      "vmovaps %%ymm14, %%ymm0\n vmovaps %%ymm14, %%ymm1\n vmovaps %%ymm14, %%ymm2\n vmovaps %%ymm14, %%ymm3\n"
      "vmovaps %%ymm14, %%ymm4\n vmovaps %%ymm14, %%ymm5\n vmovaps %%ymm14, %%ymm6\n vmovaps %%ymm14, %%ymm7\n"
      "vmovaps %%ymm14, %%ymm8\n vmovaps %%ymm14, %%ymm9\n vmovaps %%ymm14, %%ymm10\n vmovaps %%ymm14, %%ymm11\n"
      "1:\n" STRATA_FMA4("vfmadd231ps", "ymm", 0, 1, 2, 3) STRATA_FMA4("vfmadd231ps", "ymm", 4, 5, 6, 7)
      STRATA_FMA4("vfmadd231ps", "ymm", 8, 9, 10, 11)
      "dec %0\n jnz 1b\n vzeroupper\n"
      : "+r"(iterations)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm14",
        "xmm15", "cc");
  return 2.0 * 8 * 12;
}

double fma_sse(std::int64_t iterations) {  // x86-64's baseline: a multiply and an add, 4 lanes
  asm volatile(
      "xorps %%xmm14, %%xmm14\n movaps %%xmm14, %%xmm15\n"
      "movaps %%xmm14, %%xmm0\n movaps %%xmm14, %%xmm1\n movaps %%xmm14, %%xmm2\n movaps %%xmm14, %%xmm3\n"
      "movaps %%xmm14, %%xmm4\n movaps %%xmm14, %%xmm5\n movaps %%xmm14, %%xmm6\n movaps %%xmm14, %%xmm7\n"
      "1:\n mulps %%xmm15, %%xmm0\n addps %%xmm14, %%xmm1\n mulps %%xmm15, %%xmm2\n addps %%xmm14, %%xmm3\n"
      "mulps %%xmm15, %%xmm4\n addps %%xmm14, %%xmm5\n mulps %%xmm15, %%xmm6\n addps %%xmm14, %%xmm7\n"
      "dec %0\n jnz 1b\n"
      : "+r"(iterations)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm14", "xmm15", "cc");
  return 4.0 * 8;
}

struct Peak {
  const char* isa;
  double one_thread, all_threads;  // GFLOP/s
};

// The best ~2 ms window of `windows` on one thread, in GFLOP/s: short windows, so that on a shared
// machine some run whole on the core.
double best_rate(double (*loop)(std::int64_t), int windows) {
  const std::int64_t iterations = 200'000;
  double best = 0;
  for (int w = 0; w < windows; ++w) {
    const auto t0 = Clock::now();
    const double flop = loop(iterations) * static_cast<double>(iterations);
    best = std::max(best, flop / bench::seconds_since(t0) * 1e-9);
  }
  return best;
}

// One thread alone, then `threads` threads at once (the sum of their best windows), float32.
Peak measure_peak(int threads) {
  __builtin_cpu_init();
  Peak peak{"sse", 0, 0};
  double (*loop)(std::int64_t) = fma_sse;
  if (__builtin_cpu_supports("avx512f")) {
    peak.isa = "avx512";
    loop = fma_avx512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    peak.isa = "avx2";
    loop = fma_avx2;
  }
  peak.one_thread = best_rate(loop, 200);
  std::vector<double> rates(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back([&, t] { rates[static_cast<std::size_t>(t)] = best_rate(loop, 200); });
  for (auto& w : workers) w.join();
  for (const double r : rates) peak.all_threads += r;
  std::printf("bench=peak backend=cpu isa=%s dtype=float32 peak_1t_gflops=%.1f peak_gflops=%.1f threads=%d\n",
              peak.isa, peak.one_thread, peak.all_threads, threads);
  std::fflush(stdout);
  return peak;
}

struct GemmCase {
  const char* name;
  int m, n, k;
  bool transpose_a, transpose_b;
};

void bench_matmul(int threads, double min_time, const Peak& peak) {
  namespace cpu = st::backend::cpu;
  // 1024^3; the GEMMs of one training step of the main job's 784-256-128-10 MLP at batch 128
  // (forward X*W, weight gradient X^T*dY with transpose_a, input gradient dY*W^T with transpose_b)
  // and of its predict at batch 1024; the convnet's im2col GEMMs as conv_pool.cpp cuts them (one
  // ~1 MiB chunk of patches: 43 samples of 26x26 for conv1, 7 of 11x11 for conv2) and its Dense.
  const GemmCase cases[] = {
      {"square", 1024, 1024, 1024, false, false},
      {"fwd1", 128, 256, 784, false, false},
      {"fwd2", 128, 128, 256, false, false},
      {"fwd3", 128, 10, 128, false, false},
      {"dW1", 784, 256, 128, true, false},
      {"dW2", 256, 128, 128, true, false},
      {"dW3", 128, 10, 128, true, false},
      {"dX2", 128, 256, 128, false, true},
      {"dX3", 128, 128, 10, false, true},
      {"dX1", 128, 784, 256, false, true},
      {"predict1", 1024, 256, 784, false, false},
      {"predict2", 1024, 128, 256, false, false},
      {"predict3", 1024, 10, 128, false, false},
      {"conv1_fwd", 29068, 32, 9, false, false},
      {"conv1_dW", 9, 32, 29068, true, false},
      {"conv2_fwd", 847, 64, 288, false, false},
      {"conv2_dW", 288, 64, 847, true, false},
      {"conv2_dX", 847, 288, 64, false, true},
      {"cnn_dense_fwd", 128, 10, 1600, false, false},
      {"cnn_dense_dW", 1600, 10, 128, true, false},
      {"cnn_dense_dX", 128, 1600, 10, false, true},
  };
  for (const GemmCase& c : cases) {
    // Stored shapes: A is M x K (K x M when transposed), B is K x N (N x K when transposed).
    const st::Shape a_shape = c.transpose_a ? st::Shape{c.k, c.m} : st::Shape{c.m, c.k};
    const st::Shape b_shape = c.transpose_b ? st::Shape{c.n, c.k} : st::Shape{c.k, c.n};
    const st::Tensor a = st::uniform(a_shape, {.minval = -1.0, .maxval = 1.0, .seed = 1});
    const st::Tensor b = st::uniform(b_shape, {.minval = -1.0, .maxval = 1.0, .seed = 2});
    const std::vector<float> a_raw = a.to_vector<float>();
    const std::vector<float> b_raw = b.to_vector<float>();
    std::vector<float> c_raw(static_cast<std::size_t>(c.m) * c.n);
    const int lda = c.transpose_a ? c.m : c.k;
    const int ldb = c.transpose_b ? c.k : c.n;

    auto strata_call = [&] {
      st::Tensor out = st::matmul(a, b, {.transpose_a = c.transpose_a, .transpose_b = c.transpose_b});
      clobber(&out);
    };
    // The raw libraries with `t` threads of their own for the length of the call.
    auto raw = [&](cpu::Blas lib, int t) {
      return [&, lib, t] {
        cpu::blas_gemm(lib, c.transpose_a, c.transpose_b, c.m, c.n, c.k, 1.0f, a_raw.data(), lda, b_raw.data(), ldb,
                       0.0f, c_raw.data(), c.n, t);
        clobber(c_raw.data());
      };
    };
    const bool blis = cpu::blis_available();
    std::vector<std::function<void()>> sides = {strata_call, raw(cpu::Blas::openblas, threads),
                                                raw(cpu::Blas::openblas, 1)};
    if (blis) {
      sides.push_back(raw(cpu::Blas::blis, threads));
      sides.push_back(raw(cpu::Blas::blis, 1));
    }

    // Same values on every side (BLIS's summation order differs: float rounding only).
    const std::vector<float> strata_out =
        st::matmul(a, b, {.transpose_a = c.transpose_a, .transpose_b = c.transpose_b}).to_vector<float>();
    double max_diff = 0.0;
    for (std::size_t s = 1; s < sides.size(); ++s) {
      sides[s]();
      for (std::size_t i = 0; i < c_raw.size(); ++i)
        max_diff = std::max(max_diff, static_cast<double>(std::abs(strata_out[i] - c_raw[i])));
    }

    const auto t = measure(sides, c.m * c.n >= 1 << 20 ? 2 * min_time : min_time);
    const double flop = 2.0 * c.m * c.n * c.k;
    const auto gf = [&](std::size_t s) { return s < t.size() ? flop / best(t[s]) * 1e-9 : 0.0; };
    const auto gf_median = [&](std::size_t s) { return s < t.size() ? flop / median(t[s]) * 1e-9 : 0.0; };
    const double strata = gf(0), openblas = gf(1), openblas_1t = gf(2), blis_t = gf(3), blis_1t = gf(4);
    std::printf(
        "bench=gemm backend=cpu name=%s shape=%dx%dx%d trans=%c%c threads=%d strata_gflops=%.1f "
        "openblas_gflops=%.1f blis_gflops=%.1f openblas_1t_gflops=%.1f blis_1t_gflops=%.1f peak_gflops=%.1f "
        "peak_1t_gflops=%.1f strata_pct_peak=%.1f openblas_pct_peak=%.1f blis_pct_peak=%.1f "
        "openblas_1t_pct_peak=%.1f blis_1t_pct_peak=%.1f ratio=%.3f strata_gflops_median=%.1f "
        "openblas_gflops_median=%.1f blis_gflops_median=%.1f strata_us=%.1f calls=%zu max_abs_diff=%.2g\n",
        c.name, c.m, c.n, c.k, c.transpose_a ? 'T' : 'N', c.transpose_b ? 'T' : 'N', threads, strata, openblas,
        blis_t, openblas_1t, blis_1t, peak.all_threads, peak.one_thread, 100 * strata / peak.all_threads,
        100 * openblas / peak.all_threads, 100 * blis_t / peak.all_threads, 100 * openblas_1t / peak.one_thread,
        100 * blis_1t / peak.one_thread, strata / std::max(openblas, blis_t), gf_median(0), gf_median(1),
        gf_median(3), best(t[0]) * 1e6, t[0].size(), max_diff);
    std::fflush(stdout);
  }
  bench::print_blas_choices();
}

void bench_elementwise(const std::string& op, int threads, double min_time) {
  for (const int mb : {1, 4, 16, 64}) {
    const std::size_t bytes = static_cast<std::size_t>(mb) << 20;
    const std::int64_t n = static_cast<std::int64_t>(bytes / sizeof(float));
    const st::Tensor x = st::uniform({n}, {.minval = -1.0, .maxval = 1.0, .seed = 3});
    const st::Tensor y = st::uniform({n}, {.minval = -1.0, .maxval = 1.0, .seed = 4});
    std::vector<char> src(bytes, 1), dst(bytes, 0);

    std::function<void()> strata_call;
    double strata_bytes = 0.0;
    if (op == "add") {
      strata_call = [&] {
        st::Tensor out = st::add(x, y);
        clobber(&out);
      };
      strata_bytes = 3.0 * static_cast<double>(bytes);
    } else {
      strata_call = [&] {
        st::Tensor out = st::relu(x);
        clobber(&out);
      };
      strata_bytes = 2.0 * static_cast<double>(bytes);
    }
    auto memcpy_call = [&] {
      std::memcpy(dst.data(), src.data(), bytes);
      clobber(dst.data());
    };
    const double memcpy_bytes = 2.0 * static_cast<double>(bytes);

    st::backend::Backend& backend = st::backend::get_backend(st::default_device());
    const auto allocations_before = backend.memory_stats().system_allocations;
    const auto timings = measure({strata_call, memcpy_call}, min_time);
    const auto& t = timings[0];
    const auto& t_memcpy = timings[1];
    // Blocks the caching allocator got from the system during warm-up and timing (1: only the
    // first call allocated; the rest reused the cached block).
    const auto new_allocations = backend.memory_stats().system_allocations - allocations_before;
    const double s_best = strata_bytes / best(t) * 1e-9, s_med = strata_bytes / median(t) * 1e-9;
    const double m_best = memcpy_bytes / best(t_memcpy) * 1e-9, m_med = memcpy_bytes / median(t_memcpy) * 1e-9;
    std::printf(
        "bench=%s backend=cpu size_mb=%d dtype=float32 threads=%d strata_gbps=%.2f strata_gbps_median=%.2f "
        "memcpy_gbps=%.2f memcpy_gbps_median=%.2f ratio=%.3f ratio_median=%.3f strata_us=%.1f "
        "memcpy_us=%.1f calls=%zu new_allocations=%llu\n",
        op.c_str(), mb, threads, s_best, s_med, m_best, m_med, s_best / m_best, s_med / m_med,
        best(t) * 1e6, best(t_memcpy) * 1e6, t.size(),
        static_cast<unsigned long long>(new_allocations));
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double min_time = 0.3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--min-time" && i + 1 < argc) {
      min_time = std::atof(argv[++i]);
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--min-time SECONDS] [--only peak|matmul|add|relu]\n",
                   argv[0]);
      return 2;
    }
  }
  // The same thread count for Strata's pool and for the raw library calls (which set it for
  // themselves: Strata runs its BLAS single-threaded inside its pool).
  st::backend::set_cpu_threads(threads);
  bench::print_machine();
  const std::string blis = st::backend::cpu::blis_available() ? st::backend::cpu::blis_arch() : "none";
  std::printf("bench=info backend=cpu threads=%d openblas_config=\"%s\" blis_arch=%s min_time_s=%.2f\n", threads,
              openblas_get_config(), blis.c_str(), min_time);
  std::fflush(stdout);

  Peak peak{"none", 1, 1};
  if (only.empty() || only == "peak" || only == "matmul") peak = measure_peak(threads);
  if (only.empty() || only == "matmul") bench_matmul(threads, min_time, peak);
  if (only.empty() || only == "add") bench_elementwise("add", threads, min_time);
  if (only.empty() || only == "relu") bench_elementwise("relu", threads, min_time);
  return 0;
}
