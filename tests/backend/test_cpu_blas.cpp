// The CPU GEMM's two BLAS libraries (backend/cpu/blas.hpp): OpenBLAS and, where the build found it,
// BLIS give the same products within float tolerance on every path of the split; the automatic
// choice is measured once per shape class and then kept; OpenBLAS keeps its CBLAS names.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend_test_util.hpp"
#include "strata/backend/cpu/blas.hpp"
#include "strata/backend/cpu_threads.hpp"

using namespace backend_test;
namespace cpu_blas = strata::backend::cpu;

namespace {

// Restores the automatic choice when a test forced a library.
struct PreferenceScope {
  explicit PreferenceScope(cpu_blas::BlasPreference p) { cpu_blas::set_blas_preference(p); }
  ~PreferenceScope() { cpu_blas::set_blas_preference(cpu_blas::BlasPreference::automatic); }
};

struct Product {
  bool ta, tb;
  std::int64_t m, n, k;
};

// C = relu(op(A) op(B) + bias) + 0.5 C_before through the backend, and its double reference.
template <class T>
std::vector<T> run(const Product& p, std::vector<double>* reference = nullptr) {
  sb::GemmArgs g;
  g.dtype = strata::dtype_of<T>();
  g.transpose_a = p.ta, g.transpose_b = p.tb;
  g.m = p.m, g.n = p.n, g.k = p.k;
  g.lda = p.ta ? p.m : p.k, g.ldb = p.tb ? p.k : p.n, g.ldc = p.n;
  g.beta = 0.5;
  std::vector<T> a(static_cast<std::size_t>(p.m * p.k)), b(static_cast<std::size_t>(p.k * p.n));
  std::vector<T> c(static_cast<std::size_t>(p.m * p.n)), bias(static_cast<std::size_t>(p.n));
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = T(int(i * 7 % 23) - 11) / T(8);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = T(int(i * 5 % 19) - 9) / T(8);
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = T(int(i % 5) - 2);
  for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = T(int(i % 3) - 1);
  if (reference) {
    reference->assign(c.size(), 0.0);
    for (std::int64_t r = 0; r < p.m; ++r)
      for (std::int64_t j = 0; j < p.n; ++j) {
        double s = 0;
        for (std::int64_t q = 0; q < p.k; ++q)
          s += double(a[p.ta ? q * p.m + r : r * p.k + q]) * double(b[p.tb ? j * p.k + q : q * p.n + j]);
        s += 0.5 * double(c[r * p.n + j]) + double(bias[j]);
        (*reference)[r * p.n + j] = std::max(0.0, s);
      }
  }
  g.a = a.data(), g.b = b.data(), g.c = c.data(), g.bias = bias.data(), g.relu = true;
  cpu().gemm(g);
  return c;
}

// Every transpose, one slab and split by rows and by columns over the pool (>= 2^19 multiply-adds),
// and a K = 784 layer of the main job.
std::vector<Product> products() {
  std::vector<Product> out;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (const auto& [m, n, k] : std::vector<std::array<std::int64_t, 3>>{{5, 7, 3}, {70, 33, 90}, {300, 90, 40}, {20, 300, 100}})
        out.push_back({ta, tb, m, n, k});
  out.push_back({false, false, 96, 256, 784});
  return out;
}

template <class T>
void check_library(cpu_blas::BlasPreference preference, double tolerance) {
  PreferenceScope scope(preference);
  for (const Product& p : products()) {
    CAPTURE(p.ta);
    CAPTURE(p.tb);
    CAPTURE(p.m);
    CAPTURE(p.n);
    CAPTURE(p.k);
    std::vector<double> expected;
    const std::vector<T> c = run<T>(p, &expected);
    for (std::size_t i = 0; i < c.size(); ++i)
      if (std::abs(double(c[i]) - expected[i]) > tolerance * (1.0 + std::abs(expected[i])))
        REQUIRE(double(c[i]) == doctest::Approx(expected[i]).epsilon(tolerance));
  }
}

}  // namespace

TEST_CASE("gemm: OpenBLAS and BLIS each compute every product, split or not, within float tolerance") {
  strata::backend::set_cpu_threads(2);  // the split paths, even on a one-core machine
  for (const auto preference : {cpu_blas::BlasPreference::openblas, cpu_blas::BlasPreference::blis}) {
    CAPTURE(static_cast<int>(preference));
    check_library<float>(preference, 1e-5);
    check_library<double>(preference, 1e-12);
  }
  strata::backend::set_cpu_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (!cpu_blas::blis_available()) {
    cpu_blas::set_blas_preference(cpu_blas::BlasPreference::blis);
    CHECK(cpu_blas::blas_preference() == cpu_blas::BlasPreference::openblas);  // nothing else to run
    cpu_blas::set_blas_preference(cpu_blas::BlasPreference::automatic);
  }
}

TEST_CASE("gemm: the automatic BLAS choice is measured once per shape class, then kept") {
  PreferenceScope scope(cpu_blas::BlasPreference::automatic);
  // A shape no other test uses, below the split (one BLAS call): class m <= 64.
  const Product p{true, false, 40, 48, 200};
  const std::size_t before = cpu_blas::blas_choices().size();
  const std::vector<float> first = run<float>(p);
  const auto choices = cpu_blas::blas_choices();
  if (!cpu_blas::blis_available()) {
    CHECK(choices.size() == before);  // OpenBLAS alone: nothing to measure
    return;
  }
  REQUIRE(choices.size() == before + 1);
  const cpu_blas::BlasChoice& made = choices.back();
  CHECK(made.shape.transpose_a);
  CHECK_FALSE(made.shape.transpose_b);
  CHECK(made.shape.m == 64);
  CHECK(made.shape.n == 48);
  CHECK(made.shape.k == 200);
  CHECK(made.openblas_us > 0);
  CHECK(made.blis_us > 0);
  // BLIS only when clearly faster.
  CHECK((made.lib == cpu_blas::Blas::blis) == (made.blis_us < 0.8 * made.openblas_us));
  // Same class (m 33..64): no new measurement, and the same library gives the same bits.
  CHECK(run<float>({true, false, 50, 48, 200}).size() == 50 * 48);
  CHECK(run<float>(p) == first);
  CHECK(cpu_blas::blas_choices().size() == before + 1);
}

TEST_CASE("gemm: the CBLAS names resolve to OpenBLAS, with BLIS linked beside it") {
  // BLIS exports cblas_sgemm too; libstrata links OpenBLAS first so that its calls reach OpenBLAS.
  void* symbol = dlsym(RTLD_DEFAULT, "cblas_sgemm");
  REQUIRE(symbol != nullptr);
  Dl_info info{};
  REQUIRE(dladdr(symbol, &info) != 0);
  CHECK(std::string(info.dli_fname).find("openblas") != std::string::npos);
}
