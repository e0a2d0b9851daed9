// OpenBLAS behind blas_gemm, and the per-shape choice between OpenBLAS and BLIS (blas.hpp).
//
// The choice is a measurement, not a table of CPUs: on its first product of a shape class the
// backend times the class's product (capped at ~2^24 multiply-adds, a few ms) with each library
// single-threaded, alternating, best of at least three calls each, and keeps the winner for the
// life of the process. A class keeps one library, so a given product is computed the same way on
// every call of a run (eager and traced steps agree); two runs may differ in the last bits where
// the measurements came out differently (STRATA_BLAS=openblas or blis pins the library).
#include "strata/backend/cpu/blas.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "strata/framework/warnings.hpp"

namespace strata::backend::cpu {
namespace {

// OpenBLAS's threads for one call (benchmarks), then back to one: the backend's pool splits work.
struct OpenblasThreads {
  explicit OpenblasThreads(int threads) : on(threads > 1) {
    if (on) openblas_set_num_threads(threads);
  }
  ~OpenblasThreads() {
    if (on) openblas_set_num_threads(1);
  }
  bool on;
};

CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

// BLIS replaces OpenBLAS only when this much faster: closer calls keep OpenBLAS, so that timing noise
// on a busy machine does not flip a near tie between runs (a 12% lead measured 9.5% in the next
// run here). The cliffs this guards against are 1.5-3x.
constexpr double kSwitchRatio = 0.8;
// Multiply-adds of one probe product at most: m, then n, are cut down to fit (never below 64).
constexpr std::int64_t kProbeMacs = std::int64_t{1} << 24;

struct Key {
  bool is_double, transpose_a, transpose_b;
  std::int64_t m_class, n, k;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  std::size_t operator()(const Key& key) const {
    std::size_t h = (key.is_double ? 1u : 0u) | (key.transpose_a ? 2u : 0u) | (key.transpose_b ? 4u : 0u);
    for (const std::int64_t v : {key.m_class, key.n, key.k}) h = h * 1000003u ^ static_cast<std::size_t>(v);
    return h;
  }
};

std::int64_t m_class(std::int64_t m) { return m <= 16 ? 16 : static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(m))); }

struct Chooser {
  std::mutex mutex;
  std::unordered_map<Key, Blas, KeyHash> chosen;
  std::vector<BlasChoice> log;
};
Chooser& chooser() {
  static Chooser* instance = new Chooser;  // never destroyed: kernels may run from static destructors
  return *instance;
}

BlasPreference preference_from_environment() {
  const char* value = std::getenv("STRATA_BLAS");
  if (!value || !*value) return BlasPreference::automatic;
  const std::string_view v(value);
  if (v == "auto") return BlasPreference::automatic;
  if (v == "openblas") return BlasPreference::openblas;
  if (v == "blis") {
    if (blis_available()) return BlasPreference::blis;
    warn("STRATA_BLAS=blis, but this build of Strata has no BLIS (libblis-dev was not found when it was "
         "configured); using OpenBLAS.");
    return BlasPreference::openblas;
  }
  warn("STRATA_BLAS: expected one of auto, openblas, blis; got '" + std::string(v) + "'. Using auto.");
  return BlasPreference::automatic;
}

std::atomic<BlasPreference>& preference() {
  static std::atomic<BlasPreference> p{preference_from_environment()};
  return p;
}

template <class T>
double seconds_of_call(Blas lib, const GemmShape& s, std::int64_t m, std::int64_t n, const std::vector<T>& a,
                       const std::vector<T>& b, std::vector<T>& c) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  blas_gemm(lib, s.transpose_a, s.transpose_b, m, n, s.k, T(1), a.data(), s.transpose_a ? m : s.k, b.data(),
            s.transpose_b ? s.k : n, T(0), c.data(), n);
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Times the class's product with both libraries (operands in [-1, 1), as a layer's are).
template <class T>
BlasChoice probe(const GemmShape& s) {
  const std::int64_t m = std::min(s.m, std::max<std::int64_t>(64, kProbeMacs / std::max<std::int64_t>(1, s.n * s.k)));
  const std::int64_t n = std::min(s.n, std::max<std::int64_t>(64, kProbeMacs / std::max<std::int64_t>(1, m * s.k)));
  std::vector<T> a(static_cast<std::size_t>(m * s.k)), b(static_cast<std::size_t>(s.k * n)), c(static_cast<std::size_t>(m * n));
  std::uint32_t state = 12345;
  for (auto* v : {&a, &b})
    for (T& x : *v) {
      state = state * 1664525u + 1013904223u;
      x = static_cast<T>(state >> 8) / static_cast<T>(1 << 23) - T(1);
    }
  // One warm-up call each (packing buffers, page faults), then alternating calls: at least three
  // each, more for small products (until ~0.2 ms each), at most 20.
  seconds_of_call<T>(Blas::openblas, s, m, n, a, b, c);
  seconds_of_call<T>(Blas::blis, s, m, n, a, b, c);
  double openblas = 1e30, blis = 1e30, total = 0;
  for (int rep = 0; rep < 20 && (rep < 3 || total < 4e-4); ++rep) {
    const double o = seconds_of_call<T>(Blas::openblas, s, m, n, a, b, c);
    const double l = seconds_of_call<T>(Blas::blis, s, m, n, a, b, c);
    openblas = std::min(openblas, o);
    blis = std::min(blis, l);
    total += o + l;
  }
  BlasChoice choice{s, blis < kSwitchRatio * openblas ? Blas::blis : Blas::openblas, openblas * 1e6, blis * 1e6, m, n};
  choice.shape.m = m_class(s.m);
  return choice;
}

}  // namespace

const char* blas_name(Blas lib) { return lib == Blas::blis ? "blis" : "openblas"; }

void blas_gemm(Blas lib, bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
               float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
               std::int64_t ldc, int threads) {
#ifdef STRATA_HAS_BLIS
  if (lib == Blas::blis) return blis_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
#endif
  OpenblasThreads scope(threads);
  cblas_sgemm(CblasRowMajor, trans(transpose_a), trans(transpose_b), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

void blas_gemm(Blas lib, bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
               double alpha, const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
               double* c, std::int64_t ldc, int threads) {
#ifdef STRATA_HAS_BLIS
  if (lib == Blas::blis) return blis_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
#endif
  OpenblasThreads scope(threads);
  cblas_dgemm(CblasRowMajor, trans(transpose_a), trans(transpose_b), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

Blas choose_blas(const GemmShape& shape) {
  // Read first, also without BLIS: STRATA_BLAS=blis in a build without it warns once.
  const BlasPreference p = preference().load(std::memory_order_relaxed);
  if (!blis_available() || p == BlasPreference::openblas) return Blas::openblas;
  if (p == BlasPreference::blis) return Blas::blis;
  Chooser& c = chooser();
  const Key key{shape.is_double, shape.transpose_a, shape.transpose_b, m_class(shape.m), shape.n, shape.k};
  // Held while probing: a second thread with the same class waits for the answer (once per class).
  std::lock_guard lock(c.mutex);
  if (const auto it = c.chosen.find(key); it != c.chosen.end()) return it->second;
  const BlasChoice choice = shape.is_double ? probe<double>(shape) : probe<float>(shape);
  c.log.push_back(choice);
  c.chosen.emplace(key, choice.lib);
  return choice.lib;
}

void set_blas_preference(BlasPreference p) {
  if (p == BlasPreference::blis && !blis_available()) p = BlasPreference::openblas;
  preference().store(p);
}

BlasPreference blas_preference() { return preference().load(); }

std::vector<BlasChoice> blas_choices() {
  Chooser& c = chooser();
  std::lock_guard lock(c.mutex);
  return c.log;
}

}  // namespace strata::backend::cpu
