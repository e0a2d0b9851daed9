// The CUDA backend's benchmark, next to bench/torch_cuda.py (the same models in
// PyTorch eager on the same GPU). Everything lives on "cuda" (set_default_device), as a user runs it:
//
//   bench=mlp backend=cuda epoch=1 epoch_s=… loss=… test_acc=… data=fashion_mnist train_n=60000
//   bench=mlp backend=cuda predict_b1_us=… predict_b1_us_min=… predict_b1024_ms=… predict_b1024_sps=…
//   bench=cnn backend=cuda epoch=1 epoch_s=… loss=… test_acc=… data=fashion_mnist train_n=60000
//   bench=sgemm backend=cuda n=4096 strata_tflops=… cublas_tflops=… ratio=… tf32=0
//
// The MLP is bench_mlp's (Flatten -> Dense(256, relu) -> Dense(128, relu) -> Dense(10), Adam(1e-3),
// batch 128), the convnet bench_cnn's (Keras's mnist_convnet). epoch_s is fit()'s epoch (on_epoch_begin
// to on_epoch_end; the progress values reach the host once per batch). predict includes the copy of
// the softmax output to the host (what a caller waits for): 50 warm-up calls, then the median of
// --predict-calls batch-1 calls; batch 1024: the median of 100 calls. The SGEMM line times
// strata::matmul of two 4096x4096 float32 tensors against cublasSgemm on the same sizes (each the
// best of 3 runs of --gemm-iters products), TF32 off for both, then on for both (tf32=1).
// Without Fashion-MNIST (FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist) the models train
// on random data of the same shapes (data=random; accuracies then mean nothing, times do).
//
// Usage: bench_cuda [--epochs N] [--cnn-epochs N] [--predict-calls N] [--gemm-iters N]
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <strata/backend/backend.hpp>
#include <strata/backend/cuda_options.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"

namespace st = strata;
using namespace strata::layers;
using bench::Clock;
using bench::median;
using bench::seconds_since;

namespace {

void sync() { st::backend::get_backend(st::Device("cuda")).synchronize(); }

struct Data {
  st::Tensor x_train, y_train, x_test, y_test;
  std::string source;
};

Data load() {
  try {
    auto [train, test] = st::datasets::fashion_mnist::load_data();
    return {st::cast(train.x, st::float32) / 255.0f, train.y, st::cast(test.x, st::float32) / 255.0f, test.y,
            "fashion_mnist"};
  } catch (const st::IOError&) {
    auto labels = [](std::int64_t n, std::uint64_t seed) {
      return st::cast(st::uniform({n}, {.minval = 0.0, .maxval = 9.999, .seed = seed}), st::uint8);
    };
    return {st::uniform({60000, 28, 28}, {.seed = 1}), labels(60000, 2), st::uniform({10000, 28, 28}, {.seed = 3}),
            labels(10000, 4), "random"};
  }
}

void fit_and_report(const char* name, st::Sequential& model, const st::Tensor& x, const st::Tensor& y,
                    const st::Tensor& x_test, const st::Tensor& y_test, int epochs, const std::string& source) {
  bench::fit_timed(
      model, x, y, x_test, y_test, epochs,
      [&](int epoch, double seconds, double loss, double acc) {
        std::printf("bench=%s backend=cuda epoch=%d epoch_s=%.3f loss=%.4f test_acc=%.4f data=%s train_n=%lld\n", name,
                    epoch, seconds, loss, acc, source.c_str(), static_cast<long long>(x.shape()[0]));
      },
      sync);
}

void predict_latency(st::Sequential& model, const st::Tensor& x_test, int calls) {
  auto predict = [&](const st::Tensor& x) { return st::softmax(model.predict_on_batch(x)).to_vector<float>(); };
  const auto one = st::slice(x_test, 0, 0, 1);
  for (int i = 0; i < 50; ++i) predict(one);
  std::vector<double> b1;
  for (int i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    predict(one);
    b1.push_back(seconds_since(t0));
  }
  const auto batch = st::slice(x_test, 0, 0, 1024);
  for (int i = 0; i < 5; ++i) predict(batch);
  std::vector<double> b1024;
  for (int i = 0; i < 100; ++i) {
    const auto t0 = Clock::now();
    predict(batch);
    b1024.push_back(seconds_since(t0));
  }
  std::printf("bench=mlp backend=cuda predict_b1_us=%.1f predict_b1_us_min=%.1f predict_b1024_ms=%.3f "
              "predict_b1024_sps=%.0f calls_b1=%zu\n",
              median(b1) * 1e6, *std::min_element(b1.begin(), b1.end()) * 1e6, median(b1024) * 1e3,
              1024 / median(b1024), b1.size());
  std::fflush(stdout);
}

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(status));
    std::exit(1);
  }
}

void sgemm(int iters, bool tf32) {
  const std::int64_t n = 4096;
  const double flops = 2.0 * n * n * n;
  st::backend::set_cuda_allow_tf32(tf32);
  const auto a = st::uniform({n, n}, {.minval = -1.0, .maxval = 1.0, .seed = 7});
  const auto b = st::uniform({n, n}, {.minval = -1.0, .maxval = 1.0, .seed = 8});
  double strata_best = 1e30;
  for (int run = 0; run < 4; ++run) {
    sync();
    const auto t0 = Clock::now();
    for (int i = 0; i < iters; ++i) st::matmul(a, b);
    sync();
    if (run > 0) strata_best = std::min(strata_best, seconds_since(t0) / iters);  // run 0 warms up
  }
  // Raw cuBLAS on its own buffers and handle (default stream), the same row-major product.
  float *da = nullptr, *db = nullptr, *dc = nullptr;
  const std::size_t bytes = static_cast<std::size_t>(n * n) * sizeof(float);
  check_cuda(cudaMalloc(&da, bytes), "cudaMalloc");
  check_cuda(cudaMalloc(&db, bytes), "cudaMalloc");
  check_cuda(cudaMalloc(&dc, bytes), "cudaMalloc");
  check_cuda(cudaMemset(da, 0, bytes), "cudaMemset");
  check_cuda(cudaMemset(db, 0, bytes), "cudaMemset");
  // Same values as strata's (so both run on the same data): copy through the host.
  const auto ha = a.to_vector<float>(), hb = b.to_vector<float>();
  check_cuda(cudaMemcpy(da, ha.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
  check_cuda(cudaMemcpy(db, hb.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
  cublasHandle_t handle;
  cublasCreate(&handle);
  cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
  const float alpha = 1.0f, beta = 0.0f;
  double cublas_best = 1e30;
  for (int run = 0; run < 4; ++run) {
    check_cuda(cudaDeviceSynchronize(), "sync");
    const auto t0 = Clock::now();
    for (int i = 0; i < iters; ++i)
      cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, db, n, da, n, &beta, dc, n);
    check_cuda(cudaDeviceSynchronize(), "sync");
    if (run > 0) cublas_best = std::min(cublas_best, seconds_since(t0) / iters);
  }
  cublasDestroy(handle);
  cudaFree(da);
  cudaFree(db);
  cudaFree(dc);
  st::backend::set_cuda_allow_tf32(false);
  const double s = flops / strata_best * 1e-12, c = flops / cublas_best * 1e-12;
  std::printf("bench=sgemm backend=cuda n=%lld strata_tflops=%.2f cublas_tflops=%.2f ratio=%.3f tf32=%d iters=%d\n",
              static_cast<long long>(n), s, c, s / c, tf32 ? 1 : 0, iters);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 1, cnn_epochs = 1, predict_calls = 1000, gemm_iters = 20;
  if (!bench::parse_flags(argc, argv,
                          {{"--epochs", "N", &epochs},
                           {"--cnn-epochs", "N", &cnn_epochs},
                           {"--predict-calls", "N", &predict_calls},
                           {"--gemm-iters", "N", &gemm_iters}}))
    return 2;
  try {
    st::config::set_default_device("cuda");
  } catch (const st::DeviceError& e) {
    std::printf("bench=cuda backend=cuda skipped=1 reason=\"%s\"\n", e.what());
    return 0;
  }
  st::set_random_seed(42);
  const Data data = load();

  if (epochs > 0) {
    st::Sequential mlp({Input({28, 28}), Flatten(), Dense(256, "relu"), Dense(128, "relu"), Dense(10)});
    fit_and_report("mlp", mlp, data.x_train, data.y_train, data.x_test, data.y_test, epochs, data.source);
    predict_latency(mlp, data.x_test, predict_calls);
  }
  if (cnn_epochs > 0) {
    st::set_random_seed(42);
    st::Sequential cnn({Input({28, 28, 1}), Conv2D(32, 3, "relu"), MaxPooling2D(2), Conv2D(64, 3, "relu"),
                        MaxPooling2D(2), Flatten(), Dropout(0.5), Dense(10)});
    fit_and_report("cnn", cnn, st::reshape(data.x_train, {-1, 28, 28, 1}), data.y_train,
                   st::reshape(data.x_test, {-1, 28, 28, 1}), data.y_test, cnn_epochs, data.source);
  }
  if (gemm_iters > 0) {
    sgemm(gemm_iters, false);
    sgemm(gemm_iters, true);
  }
  return 0;
}
