// GEMM through a BLAS library run single-threaded (a large product is split over the backend's
// pool): OpenBLAS, or BLIS where it measured faster for the shape (blas.hpp). One call per slab of
// each matrix of the batch; OpenBLAS's gemv when a side is a vector (gemm is slow for m == 1 or
// n == 1), and our own kernel for a row times a row-major matrix (a Dense layer on one sample):
// OpenBLAS threads that gemv, and waking its second thread costs more than the whole product
// (measured 16.8 us with 2 threads, 11.3 us with 1 and 10.7 us here for 1x784 times 784x256).
#include <cblas.h>
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

#include "strata/backend/cpu/blas.hpp"
#include "strata/backend/cpu/cpu_backend.hpp"
#include "strata/backend/cpu/dispatch.hpp"
#include "strata/backend/cpu/thread_pool.hpp"

namespace strata::backend::cpu {
namespace {

void gemv_call(CBLAS_TRANSPOSE t, blasint rows, blasint cols, float alpha, const float* a, blasint lda, const float* x,
               blasint incx, float beta, float* y, blasint incy) {
  cblas_sgemv(CblasRowMajor, t, rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}
void gemv_call(CBLAS_TRANSPOSE t, blasint rows, blasint cols, double alpha, const double* a, blasint lda,
               const double* x, blasint incx, double beta, double* y, blasint incy) {
  cblas_dgemv(CblasRowMajor, t, rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}

// y (1 x cols_of_block) = x . B for one block of NB SIMD widths of columns: the accumulators stay in
// registers while the rows of B stream by.
template <class T, int NB>
void row_times_block(const T* x, std::int64_t incx, const T* b, std::int64_t ldb, std::int64_t k, T alpha,
                     const T* bias, bool relu, T* y) {
  using Batch = xsimd::batch<T>;
  constexpr int width = static_cast<int>(Batch::size);
  Batch acc[NB];
  for (int j = 0; j < NB; ++j) acc[j] = Batch(T(0));
  for (std::int64_t r = 0; r < k; ++r) {
    const Batch xr(x[r * incx]);
    const T* row = b + r * ldb;
    for (int j = 0; j < NB; ++j) acc[j] = xsimd::fma(xr, Batch::load_unaligned(row + j * width), acc[j]);
  }
  for (int j = 0; j < NB; ++j) {
    Batch out = acc[j] * Batch(alpha);
    if (bias) out += Batch::load_unaligned(bias + j * width);
    if (relu) out = xsimd::max(out, Batch(T(0)));
    out.store_unaligned(y + j * width);
  }
}

// y (1 x n) = alpha * x (1 x k) . B (k x n, row stride ldb), single-threaded; n >= one SIMD width.
template <class T>
void row_times_matrix(const T* x, std::int64_t incx, const T* b, std::int64_t ldb, std::int64_t k, std::int64_t n,
                      T alpha, const T* bias, bool relu, T* y) {
  constexpr std::int64_t width = xsimd::batch<T>::size;
  auto bias_at = [&](std::int64_t j) { return bias ? bias + j : nullptr; };
  std::int64_t j = 0;
  // Wide blocks first: one pass over whole rows of B streams contiguous memory (a 784 x 256 float
  // product measured 35% faster than two passes over half rows); 16 + 1 vector registers fit AVX-512's 32.
  if constexpr (xsimd::batch<T>::size * sizeof(T) >= 64)
    for (; j + 16 * width <= n; j += 16 * width)
      row_times_block<T, 16>(x, incx, b + j, ldb, k, alpha, bias_at(j), relu, y + j);
  for (; j + 8 * width <= n; j += 8 * width) row_times_block<T, 8>(x, incx, b + j, ldb, k, alpha, bias_at(j), relu, y + j);
  for (; j + width <= n; j += width) row_times_block<T, 1>(x, incx, b + j, ldb, k, alpha, bias_at(j), relu, y + j);
  for (; j < n; ++j) {
    T sum = 0;
    for (std::int64_t r = 0; r < k; ++r) sum += x[r * incx] * b[r * ldb + j];
    sum = alpha * sum + (bias ? bias[j] : T(0));
    y[j] = relu && sum < T(0) ? T(0) : sum;
  }
}

// C = relu?(C + bias) for the GEMM paths that are not fused.
template <class T>
void apply_epilogue(T* c, std::int64_t m, std::int64_t n, std::int64_t ldc, const T* bias, bool relu) {
  parallel_for(m, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1)), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      T* row = c + r * ldc;
      for (std::int64_t j = 0; j < n; ++j) {
        const T v = row[j] + (bias ? bias[j] : T(0));
        row[j] = relu && v < T(0) ? T(0) : v;
      }
    }
  });
}

// Column blocks on the pool's threads once B no longer fits one core's L2 (1 MiB here). Below, one
// core streaming B from its L2 with the wide blocks beats the split: the main job's 784 x 256 layer
// measured 4.5-6 us (median) on one thread against 7.6-8 us split over two, on the shared 2-core VM
// (the split pays the hand-off, half-row blocks, and the wait when the other core is busy).
template <class T>
void row_times_matrix_parallel(const T* x, std::int64_t incx, const T* b, std::int64_t ldb, std::int64_t k,
                               std::int64_t n, T alpha, const T* bias, bool relu, T* y) {
  constexpr std::int64_t block = 8 * xsimd::batch<T>::size;
  const bool split = k * n * static_cast<std::int64_t>(sizeof(T)) > (std::int64_t{1} << 20);
  if (!split) return row_times_matrix<T>(x, incx, b, ldb, k, n, alpha, bias, relu, y);
  parallel_for(
      n, block,
      [&](std::int64_t begin, std::int64_t end) { row_times_matrix<T>(x, incx, b + begin, ldb, k, end - begin, alpha, bias ? bias + begin : nullptr, relu, y + begin);
      },
      0);
}

// Above this, B no longer sits in one core's caches and OpenBLAS's threads pay for themselves.
constexpr std::int64_t kRowKernelMaxBytes = std::int64_t{4} << 20;

// Products below this many multiply-adds run on one thread: waking a worker costs more.
constexpr std::int64_t kSplitMacs = std::int64_t{1} << 19;

// How a product of one batch matrix is cut: one slab of C per pool thread, each a single-threaded
// BLAS call, by rows when there are enough of them, else by columns; and the library, chosen for the
// shape of the first slab. Slab edges keep the BLAS micro-kernels whole: C's columns are the long
// side of the kernels' tiles (16 floats), its rows the short one (4-6), so a cut by rows is even to
// 8 rows (the 784 rows of a first layer's kernel gradient: 392 + 392, not 400 + 384).
struct SplitPlan {
  int tasks = 1;
  bool by_rows = true;
  std::int64_t slab = 0;
  Blas lib = Blas::openblas;
};

template <class T>
SplitPlan split_plan(const GemmArgs& g) {
  const int threads = g.m * g.n * g.k >= kSplitMacs ? parallel_threads() : 1;
  const auto slab = [&](std::int64_t extent, std::int64_t align) {
    return std::max<std::int64_t>(16, ((extent + threads - 1) / threads + align - 1) / align * align);
  };
  SplitPlan plan{1, true, g.m};
  if (threads > 1 && g.m >= 32 * threads) {
    plan.slab = slab(g.m, 8);
    plan.tasks = static_cast<int>((g.m + plan.slab - 1) / plan.slab);
  } else if (threads > 1 && g.n >= 32 * threads) {
    plan.by_rows = false;
    plan.slab = slab(g.n, 16);
    plan.tasks = static_cast<int>((g.n + plan.slab - 1) / plan.slab);
  }
  const std::int64_t m = plan.by_rows ? std::min(g.m, plan.slab) : g.m;
  const std::int64_t n = plan.by_rows ? g.n : std::min(g.n, plan.slab);
  plan.lib = choose_blas({std::is_same_v<T, double>, g.transpose_a, g.transpose_b, m, n, g.k});
  return plan;
}

// Rows [begin, end) of C = alpha op(A) op(B) + beta C, then its epilogue, on the calling thread.
template <class T>
void gemm_rows(const GemmArgs& g, Blas lib, const T* a, const T* b, T* c, std::int64_t begin, std::int64_t end) {
  const T* a_rows = g.transpose_a ? a + begin : a + begin * g.lda;
  T* c_rows = c + begin * g.ldc;
  blas_gemm(lib, g.transpose_a, g.transpose_b, end - begin, g.n, g.k, static_cast<T>(g.alpha), a_rows, g.lda, b, g.ldb,
            static_cast<T>(g.beta), c_rows, g.ldc);
  if (g.bias || g.relu) apply_epilogue<T>(c_rows, end - begin, g.n, g.ldc, static_cast<const T*>(g.bias), g.relu);
}

// Columns [begin, end) of C, then its epilogue, on the calling thread.
template <class T>
void gemm_columns(const GemmArgs& g, Blas lib, const T* a, const T* b, T* c, std::int64_t begin, std::int64_t end) {
  const T* b_columns = g.transpose_b ? b + begin * g.ldb : b + begin;
  blas_gemm(lib, g.transpose_a, g.transpose_b, g.m, end - begin, g.k, static_cast<T>(g.alpha), a, g.lda, b_columns,
            g.ldb, static_cast<T>(g.beta), c + begin, g.ldc);
  const T* bias = static_cast<const T*>(g.bias);
  if (bias || g.relu) apply_epilogue<T>(c + begin, g.m, end - begin, g.ldc, bias ? bias + begin : nullptr, g.relu);
}

template <class T>
void split_gemm(const GemmArgs& g, const SplitPlan& plan, const T* a, const T* b, T* c) {
  const std::int64_t extent = plan.by_rows ? g.m : g.n;
  if (plan.tasks == 1) return gemm_rows<T>(g, plan.lib, a, b, c, 0, g.m);
  parallel_tasks(plan.tasks, [&](int t) {
    const std::int64_t begin = t * plan.slab, end = std::min(extent, (t + 1) * plan.slab);
    if (plan.by_rows)
      gemm_rows<T>(g, plan.lib, a, b, c, begin, end);
    else
      gemm_columns<T>(g, plan.lib, a, b, c, begin, end);
  });
}

template <class T>
void gemm_typed(const GemmArgs& g) {
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  const auto m = static_cast<blasint>(g.m), n = static_cast<blasint>(g.n), k = static_cast<blasint>(g.k);
  const auto lda = static_cast<blasint>(g.lda), ldb = static_cast<blasint>(g.ldb), ldc = static_cast<blasint>(g.ldc);
  const T* bias = static_cast<const T*>(g.bias);
  const bool epilogue = bias || g.relu;
  SplitPlan plan;  // the same for every matrix of the batch: made at the first that needs it
  bool planned = false;
  for (std::int64_t i = 0; i < g.batch; ++i) {
    const T* a = static_cast<const T*>(g.a) + i * g.stride_a;
    const T* b = static_cast<const T*>(g.b) + i * g.stride_b;
    T* c = static_cast<T*>(g.c) + i * g.stride_c;
    if (k == 0 || alpha == T(0)) {
      // No products: C = beta * C (exactly zero when beta is 0, whatever C held).
      for (blasint r = 0; r < m; ++r)
        for (blasint j = 0; j < n; ++j) c[r * ldc + j] = beta == T(0) ? T(0) : beta * c[r * ldc + j];
      if (epilogue) apply_epilogue<T>(c, m, n, ldc, bias, g.relu);
      continue;
    }
    if (m == 1 || n == 1) {
      // gemv leaves y * beta when beta is 0 and y holds NaN on some OpenBLAS versions: clear first.
      if (beta == T(0))
        for (blasint r = 0; r < m; ++r)
          for (blasint j = 0; j < n; ++j) c[r * ldc + j] = T(0);
      if (m == 1) {
        // c (1 x n) = a (1 x k) * op(B): y = op(B)^T x.
        const blasint incx = g.transpose_a ? lda : 1;
        if (!g.transpose_b && beta == T(0) && n >= static_cast<blasint>(xsimd::batch<T>::size) &&
            static_cast<std::int64_t>(k) * n * sizeof(T) <= kRowKernelMaxBytes) {
          row_times_matrix_parallel<T>(a, incx, b, ldb, k, n, alpha, bias, g.relu, c);
          continue;  // the epilogue is fused into the row kernel
        } else if (g.transpose_b)
          gemv_call(CblasNoTrans, n, k, alpha, b, ldb, a, incx, beta, c, 1);
        else
          gemv_call(CblasTrans, k, n, alpha, b, ldb, a, incx, beta, c, 1);
      } else {
        // c (m x 1) = op(A) * b (k x 1).
        const blasint incx = g.transpose_b ? 1 : ldb;
        if (g.transpose_a)
          gemv_call(CblasTrans, k, m, alpha, a, lda, b, incx, beta, c, ldc);
        else
          gemv_call(CblasNoTrans, m, k, alpha, a, lda, b, incx, beta, c, ldc);
      }
    } else {
      if (!planned) plan = split_plan<T>(g), planned = true;
      split_gemm<T>(g, plan, a, b, c);
      continue;  // the epilogue runs on each slice
    }
    if (epilogue) apply_epilogue<T>(c, m, n, ldc, bias, g.relu);
  }
}

}  // namespace

void CpuBackend::gemm(const GemmArgs& args) {
  check_gemm(args);
  if (args.batch == 0 || args.m == 0 || args.n == 0) return;
  visit_floating(args.dtype, "gemm", [&]<class T>() { gemm_typed<T>(args); });
}

}  // namespace strata::backend::cpu
