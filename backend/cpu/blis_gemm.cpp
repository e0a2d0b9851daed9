// BLIS, the second BLAS (blas.hpp), through its native typed API: bli_?gemm_ex has names of its
// own, while BLIS's BLAS/CBLAS layer exports the same cblas_sgemm / sgemm_ as OpenBLAS (libstrata
// links OpenBLAS first, so those names keep resolving to OpenBLAS). blis.h declares its own CBLAS
// types, so this file must not include OpenBLAS's cblas.h.
#include "strata/backend/cpu/blas.hpp"

#ifdef STRATA_HAS_BLIS
#include <blis.h>

namespace strata::backend::cpu {
namespace {

// BLIS's own threading follows BLIS_NUM_THREADS / OMP_NUM_THREADS unless a call brings its
// runtime: here the caller decides (1 inside the backend's pool).
rntm_t runtime(int threads) {
  rntm_t rntm = BLIS_RNTM_INITIALIZER;
  bli_rntm_set_num_threads(threads < 1 ? 1 : threads, &rntm);
  return rntm;
}

trans_t trans(bool t) { return t ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE; }

}  // namespace

bool blis_available() { return true; }

std::string blis_arch() { return bli_arch_string(bli_arch_query_id()); }

// Row-major: row stride ld, column stride 1 (BLIS takes general strides, no swap needed).
void blis_gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
               const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
               std::int64_t ldc, int threads) {
  rntm_t rntm = runtime(threads);
  bli_sgemm_ex(trans(transpose_a), trans(transpose_b), m, n, k, &alpha, const_cast<float*>(a), lda, 1,
               const_cast<float*>(b), ldb, 1, &beta, c, ldc, 1, nullptr, &rntm);
}

void blis_gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
               const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
               std::int64_t ldc, int threads) {
  rntm_t rntm = runtime(threads);
  bli_dgemm_ex(trans(transpose_a), trans(transpose_b), m, n, k, &alpha, const_cast<double*>(a), lda, 1,
               const_cast<double*>(b), ldb, 1, &beta, c, ldc, 1, nullptr, &rntm);
}

}  // namespace strata::backend::cpu

#else

namespace strata::backend::cpu {
bool blis_available() { return false; }
std::string blis_arch() { return ""; }
}  // namespace strata::backend::cpu

#endif
