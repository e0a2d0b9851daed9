// libtorch peer of bench/bench_dispatch.cpp: the same chain of 64 elementwise ops on 1,000-element
// float32 tensors, op for op, timed the same way. Prints
//
//   peer=libtorch bench=dispatch ops=64 size=1000 threads=1 per_op_ns=… per_op_ns_best=…
//       inference_mode_per_op_ns=… checksum=…
//
// per_op_ns is plain eager libtorch (tensors without requires_grad, as Strata's chain runs with no
// tape); inference_mode_per_op_ns the same under c10::InferenceMode, which skips autograd's
// bookkeeping (libtorch at its fastest for inference).
//
// Usage: peer_dispatch [--threads N] [--min-ms MILLISECONDS] [--size N]
#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kOps = 64;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

torch::Tensor chain(const torch::Tensor& input, const torch::Tensor& b, const torch::Tensor& c) {
  torch::Tensor x = input;
  for (int i = 0; i < kOps / 8; ++i) {
    x = torch::add(x, b);
    x = torch::mul(x, c);
    x = torch::relu(x);
    x = torch::tanh(x);
    x = torch::sub(x, b);
    x = torch::sigmoid(x);
    x = torch::maximum(x, input);
    x = torch::neg(x);
  }
  return x;
}

struct PerOp {
  double median_ns, best_ns, checksum;
};

PerOp measure_per_op(const std::function<torch::Tensor()>& run_chain, double min_ms) {
  torch::Tensor out;
  for (int i = 0; i < 50; ++i) out = run_chain();
  const int calls = 100;
  std::vector<double> per_op;
  const auto start = Clock::now();
  while (per_op.size() < 5 || seconds_since(start) * 1e3 < min_ms) {
    const auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) out = run_chain();
    per_op.push_back(seconds_since(t0) * 1e9 / (static_cast<double>(calls) * kOps));
  }
  std::vector<double> sorted = per_op;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  return {median, sorted.front(), out.sum().item<double>()};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, min_ms = 1000, size = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--min-ms") min_ms = std::atoi(argv[i + 1]);
    else if (flag == "--size") size = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--min-ms MILLISECONDS] [--size N]\n", argv[0]);
      return 2;
    }
  }
  torch::set_num_threads(threads);
  std::vector<float> values(size);
  for (int i = 0; i < size; ++i) values[i] = static_cast<float>(i % 17 - 8) * 0.1f;
  const torch::Tensor x = torch::from_blob(values.data(), {size}, torch::kFloat32).clone();
  const torch::Tensor b = torch::full({size}, 0.5f);
  const torch::Tensor c = torch::full({size}, 0.9f);

  const PerOp eager = measure_per_op([&] { return chain(x, b, c); }, min_ms);
  PerOp inference;
  {
    c10::InferenceMode guard;
    inference = measure_per_op([&] { return chain(x, b, c); }, min_ms);
  }
  std::printf(
      "peer=libtorch bench=dispatch ops=%d size=%d threads=%d per_op_ns=%.1f per_op_ns_best=%.1f "
      "inference_mode_per_op_ns=%.1f checksum=%.4f\n",
      kOps, size, threads, eager.median_ns, eager.best_ns, inference.median_ns,
      eager.checksum);
  return 0;
}
