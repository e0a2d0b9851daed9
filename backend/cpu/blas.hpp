#pragma once
// The BLAS libraries behind the CPU backend's GEMM: OpenBLAS always, BLIS beside it where CMake
// found it (STRATA_HAS_BLIS). No single library is good on every CPU (OpenBLAS 0.3.21 runs K = 784
// products at a third of its speed on AMD Zen 2, where BLIS holds its pace), so each shape class
// is timed with both on first use and the faster one is kept for the life of the process (see
// blas.cpp). Internal: not installed.
#include <cstdint>
#include <string>
#include <vector>

namespace strata::backend::cpu {

enum class Blas { openblas, blis };

const char* blas_name(Blas lib);

// Whether this build has BLIS (the second library).
bool blis_available();
// BLIS's kernel set for this CPU ("zen3", "skx", "haswell", ...), or "" without BLIS.
std::string blis_arch();

// C = alpha op(A) op(B) + beta C, row-major, on the calling thread (threads > 1: the library's own
// threads, for benchmarks only). Blas::blis without BLIS runs OpenBLAS.
void blas_gemm(Blas lib, bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
               float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
               std::int64_t ldc, int threads = 1);
void blas_gemm(Blas lib, bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
               double alpha, const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
               double* c, std::int64_t ldc, int threads = 1);

#ifdef STRATA_HAS_BLIS
// BLIS alone (blis_gemm.cpp), the same contract as blas_gemm.
void blis_gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
               const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
               std::int64_t ldc, int threads);
void blis_gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
               const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
               std::int64_t ldc, int threads);
#endif

// One single-threaded product of C (m x n) = op(A) (m x k) * op(B) (k x n).
struct GemmShape {
  bool is_double;
  bool transpose_a, transpose_b;
  std::int64_t m, n, k;
};

// The library for this product: the forced one (set_blas_preference or the STRATA_BLAS environment
// variable: openblas, blis or auto), else the one measured faster on its shape class (the
// transposes, m rounded up to a power of two, n and k), timed on the first product of that class.
// OpenBLAS stays unless BLIS takes at most 0.8x its time, so that noise does not flip a near tie.
Blas choose_blas(const GemmShape& shape);

enum class BlasPreference { automatic, openblas, blis };
// Overrides STRATA_BLAS for the products that follow (tests, benchmarks). Choices already measured
// are kept for when the preference returns to automatic.
void set_blas_preference(BlasPreference preference);
BlasPreference blas_preference();

// The choices measured so far, in order: the shape class, the library, both times of the probe.
struct BlasChoice {
  GemmShape shape;  // m is the class's bound (a power of two)
  Blas lib;
  double openblas_us, blis_us;  // best single-threaded time of the probe product
  std::int64_t probe_m, probe_n;  // the probe's size (the class's first product, capped)
};
std::vector<BlasChoice> blas_choices();

}  // namespace strata::backend::cpu
