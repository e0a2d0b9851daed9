// Dispatch micro-benchmark: what one small op costs beyond its arithmetic. A chain of 64 elementwise
// ops (add, multiply, relu, tanh, subtract, sigmoid, maximum, negative, eight times over) on
// 1,000-element float32 tensors, no tape. Eager's time per op is mostly argument checks, allocation
// and dispatch (--size 1 shows that part alone); a replay's is mostly the arithmetic, the tanh and
// sigmoid steps first. bench/peers/dispatch runs the same chain in libtorch. Prints the machine
// line, then
//
//   bench=dispatch mode=eager|replay backend=cpu ops=64 size=1000 threads=1 per_op_ns=… per_op_ns_best=… checksum=…
//
// mode=eager calls the ops one by one; mode=replay runs the same chain as an st::function (traced
// once, then replayed from its optimized graph).
// per_op_ns is the median over rounds of (round time / ops in the round), per_op_ns_best the fastest
// round. checksum (the sum of the chain's output) is the same in the peer's line.
//
// Usage: bench_dispatch [--threads N] [--min-ms MILLISECONDS] [--size N]  (--size 1: overhead alone)
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <strata/backend/cpu_threads.hpp>
#include <strata/strata.hpp>

#include "bench_common.hpp"

namespace st = strata;

namespace {

constexpr int kOps = 64;

struct Operands {
  st::Tensor x, b, c;
};

// The same values as the peer's: x cycles through -0.8..0.8, b = 0.5, c = 0.9.
Operands make_operands(std::int64_t size) {
  std::vector<float> x(size);
  for (std::int64_t i = 0; i < size; ++i) x[i] = static_cast<float>(i % 17 - 8) * 0.1f;
  return {st::Tensor::from_vector(x, {size}), st::full({size}, 0.5), st::full({size}, 0.9)};
}

// The chain, written as a user would; the peer's chain is op for op the same.
st::Tensor chain(const st::Tensor& input, const st::Tensor& b, const st::Tensor& c) {
  st::Tensor x = input;
  for (int i = 0; i < kOps / 8; ++i) {
    x = st::add(x, b);
    x = st::multiply(x, c);
    x = st::relu(x);
    x = st::tanh(x);
    x = st::subtract(x, b);
    x = st::sigmoid(x);
    x = st::maximum(x, input);  // mixes the input back in, so the output keeps varying values
    x = st::negative(x);
  }
  return x;
}

struct PerOp {
  double median_ns, best_ns, checksum;
};

// Times `run_chain` (one call = one chain of kOps ops) in rounds of `calls` chains until `min_ms`
// have passed. Every mode of the benchmark goes through here, eager or replayed.
PerOp measure_per_op(const std::function<st::Tensor()>& run_chain, double min_ms) {
  st::Tensor out;
  for (int i = 0; i < 50; ++i) out = run_chain();  // warm-up: allocator caches, code paths
  const int calls = 100;
  std::vector<double> per_op;
  const auto start = bench::Clock::now();
  while (per_op.size() < 5 || bench::seconds_since(start) * 1e3 < min_ms) {
    const auto t0 = bench::Clock::now();
    for (int i = 0; i < calls; ++i) out = run_chain();
    per_op.push_back(bench::seconds_since(t0) * 1e9 / (static_cast<double>(calls) * kOps));
  }
  double checksum = 0;
  for (float v : out.to_vector<float>()) checksum += v;
  return {bench::median(per_op), *std::min_element(per_op.begin(), per_op.end()), checksum};
}

void print(const char* mode, int size, int threads, const PerOp& r) {
  std::printf(
      "bench=dispatch mode=%s backend=cpu ops=%d size=%d threads=%d per_op_ns=%.1f per_op_ns_best=%.1f "
      "checksum=%.4f\n",
      mode, kOps, size, threads, r.median_ns, r.best_ns, r.checksum);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, min_ms = 1000, size = 1000;
  if (!bench::parse_flags(argc, argv,
                          {{"--threads", "N", &threads}, {"--min-ms", "MILLISECONDS", &min_ms}, {"--size", "N", &size}}))
    return 2;
  st::backend::set_cpu_threads(threads);
  bench::print_machine();  // the replay's kernels vectorise to the CPU's widest unit
  const Operands in = make_operands(size);

  print("eager", size, threads, measure_per_op([&] { return chain(in.x, in.b, in.c); }, min_ms));

  // The same chain through st::function: traced on the first call, then replayed from its graph
  // (fused and planned); per op still counts the chain's 64 ops.
  auto traced = st::function([&](const st::Tensor& x) { return chain(x, in.b, in.c); });
  print("replay", size, threads, measure_per_op([&] { return traced(in.x); }, min_ms));
  return 0;
}
