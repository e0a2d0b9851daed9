// Micro-benchmark of Strata's CPU kernels against their ceilings, measured in the same run on the
// same data: strata::matmul against raw OpenBLAS cblas_sgemm, and elementwise add / relu against a
// memcpy of the same size. Prints one machine-readable line per case:
//
//   bench=matmul backend=cpu name=fwd1 shape=128x256x784 trans=NN threads=2 strata_gflops=…
//       strata_gflops_median=… openblas_gflops=… openblas_gflops_median=… ratio=… ratio_median=…
//   bench=add backend=cpu size_mb=4 threads=2 strata_gbps=… memcpy_gbps=… ratio=… …
//
// shape is MxNxK of C (M x N) = op(A) (M x K) * op(B) (K x N). GFLOP/s counts 2*M*N*K; GB/s counts
// bytes read + written (add: 3 x size, relu and memcpy: 2 x size). "best" is the fastest call,
// "median" the median call, after warm-up; calls of the two sides alternate so both see the same
// machine state. ratio = Strata / reference (targets: matmul >= 0.95, add/relu >= 0.7 from 4 MB).
//
// Usage: bench_kernels [--threads N] [--min-time SECONDS] [--only matmul|add|relu]
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

namespace st = strata;

namespace {

using bench::Clock;
using bench::median;

struct Timings {
  std::vector<double> first, second;  // seconds per call
};

double best(std::vector<double> v) { return *std::min_element(v.begin(), v.end()); }

double seconds_of(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  f();
  return bench::seconds_since(t0);
}

// Warms both sides up, then alternates calls until both have run for min_time (at least min_calls
// calls each, at most max_calls).
Timings measure(const std::function<void()>& first, const std::function<void()>& second, double min_time,
                int min_calls = 10, int max_calls = 5000) {
  for (int i = 0; i < 3; ++i) {
    first();
    second();
  }
  Timings t;
  double total = 0.0;
  while (static_cast<int>(t.first.size()) < max_calls &&
         (static_cast<int>(t.first.size()) < min_calls || total < 2 * min_time)) {
    t.first.push_back(seconds_of(first));
    t.second.push_back(seconds_of(second));
    total += t.first.back() + t.second.back();
  }
  return t;
}

// Keeps the compiler from dropping work whose result is never read.
void clobber(void* p) { asm volatile("" : : "g"(p) : "memory"); }

struct GemmCase {
  const char* name;
  int m, n, k;
  bool transpose_a, transpose_b;
};

void bench_matmul(int threads, double min_time) {
  // 1024^3, then the GEMMs of one training step of a 784-256-128-10 MLP at batch 128:
  // forward X*W, weight gradient X^T*dY (transpose_a), input gradient dY*W^T (transpose_b).
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
    // Strata keeps OpenBLAS single-threaded and splits the product over its own pool; the raw
    // reference gets OpenBLAS's own threads for the length of its call.
    auto openblas_call = [&] {
      openblas_set_num_threads(threads);
      cblas_sgemm(CblasRowMajor, c.transpose_a ? CblasTrans : CblasNoTrans,
                  c.transpose_b ? CblasTrans : CblasNoTrans, c.m, c.n, c.k, 1.0f, a_raw.data(), lda,
                  b_raw.data(), ldb, 0.0f, c_raw.data(), c.n);
      openblas_set_num_threads(1);
      clobber(c_raw.data());
    };

    // Same values on both sides.
    const std::vector<float> strata_out =
        st::matmul(a, b, {.transpose_a = c.transpose_a, .transpose_b = c.transpose_b}).to_vector<float>();
    openblas_call();
    double max_diff = 0.0;
    for (std::size_t i = 0; i < c_raw.size(); ++i)
      max_diff = std::max(max_diff, static_cast<double>(std::abs(strata_out[i] - c_raw[i])));

    const Timings t = measure(strata_call, openblas_call, c.m == 1024 ? 2 * min_time : min_time);
    const double flop = 2.0 * c.m * c.n * c.k;
    const double s_best = flop / best(t.first) * 1e-9, s_med = flop / median(t.first) * 1e-9;
    const double o_best = flop / best(t.second) * 1e-9, o_med = flop / median(t.second) * 1e-9;
    std::printf(
        "bench=matmul backend=cpu name=%s shape=%dx%dx%d trans=%c%c threads=%d strata_gflops=%.1f "
        "strata_gflops_median=%.1f openblas_gflops=%.1f openblas_gflops_median=%.1f ratio=%.3f "
        "ratio_median=%.3f strata_us=%.1f openblas_us=%.1f calls=%zu max_abs_diff=%.2g\n",
        c.name, c.m, c.n, c.k, c.transpose_a ? 'T' : 'N', c.transpose_b ? 'T' : 'N', threads, s_best, s_med,
        o_best, o_med, s_best / o_best, s_med / o_med, best(t.first) * 1e6, best(t.second) * 1e6,
        t.first.size(), max_diff);
    std::fflush(stdout);
  }
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
    const Timings t = measure(strata_call, memcpy_call, min_time);
    // Blocks the caching allocator got from the system during warm-up and timing (1: only the
    // first call allocated; the rest reused the cached block).
    const auto new_allocations = backend.memory_stats().system_allocations - allocations_before;
    const double s_best = strata_bytes / best(t.first) * 1e-9, s_med = strata_bytes / median(t.first) * 1e-9;
    const double m_best = memcpy_bytes / best(t.second) * 1e-9, m_med = memcpy_bytes / median(t.second) * 1e-9;
    std::printf(
        "bench=%s backend=cpu size_mb=%d dtype=float32 threads=%d strata_gbps=%.2f strata_gbps_median=%.2f "
        "memcpy_gbps=%.2f memcpy_gbps_median=%.2f ratio=%.3f ratio_median=%.3f strata_us=%.1f "
        "memcpy_us=%.1f calls=%zu new_allocations=%llu\n",
        op.c_str(), mb, threads, s_best, s_med, m_best, m_med, s_best / m_best, s_med / m_med,
        best(t.first) * 1e6, best(t.second) * 1e6, t.first.size(),
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
      std::fprintf(stderr, "usage: %s [--threads N] [--min-time SECONDS] [--only matmul|add|relu]\n", argv[0]);
      return 2;
    }
  }
  // The same thread count for Strata's pool and for the raw OpenBLAS calls (which set it for
  // themselves: Strata runs OpenBLAS single-threaded inside its pool).
  st::backend::set_cpu_threads(threads);
  std::printf("bench=info backend=cpu threads=%d openblas_config=\"%s\" min_time_s=%.2f\n", threads,
              openblas_get_config(), min_time);
  std::fflush(stdout);

  if (only.empty() || only == "matmul") bench_matmul(threads, min_time);
  if (only.empty() || only == "add") bench_elementwise("add", threads, min_time);
  if (only.empty() || only == "relu") bench_elementwise("relu", threads, min_time);
  return 0;
}
