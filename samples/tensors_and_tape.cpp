// Tensors and the tape at work, in the order of TensorFlow's "Introduction to tensors" and
// "Introduction to gradients and automatic differentiation" tutorials: make tensors, compute with
// them, then let a GradientTape differentiate — ending with a small linear regression fitted by
// plain gradient descent.
#include <cstdio>
#include <iostream>

#include <strata/strata.hpp>

namespace st = strata;

static void section(const char* title) { std::cout << "\n=== " << title << " ===\n"; }

int main() {
  section("Tensors");
  st::Tensor rank_0 = 4.0f;
  st::Tensor rank_1({2.0, 3.0, 4.0});
  st::Tensor rank_2({{1, 2}, {3, 4}, {5, 6}}, st::float32);
  st::Tensor ints({1, 2, 3}, st::int32);
  std::cout << rank_0 << "\n" << rank_1 << "\n" << rank_2 << "\n" << ints << "\n";
  std::cout << "rank_2: shape=" << rank_2.shape() << " rank=" << rank_2.rank()
            << " size=" << rank_2.size() << " dtype=" << st::dtype_name(rank_2.dtype())
            << " device=" << rank_2.device() << "\n";
  std::cout << st::zeros({2, 3}) << "\n" << st::arange(0.0, 6.0) << "\n" << st::eye(3) << "\n";

  section("Arithmetic (NumPy broadcasting)");
  st::Tensor a({{1, 2}, {3, 4}});
  st::Tensor b({{1, 1}, {1, 1}});
  std::cout << "a + b =\n" << a + b << "\n";
  std::cout << "a * b =\n" << a * b << "\n";
  std::cout << "a * 10 + [100, 200] =\n" << a * 10 + st::Tensor({100.0, 200.0}) << "\n";
  st::Tensor column({{1}, {2}, {3}});
  st::Tensor row({10.0, 20.0, 30.0, 40.0});
  std::cout << "(3, 1) * (4,) broadcasts to (3, 4):\n" << column * row << "\n";

  section("Matrix product");
  std::cout << "a @ b =\n" << st::matmul(a, b) << "\n";
  std::cout << "a^T @ a =\n" << st::matmul(a, a, {.transpose_a = true}) << "\n";

  section("Reductions and activations");
  st::Tensor c({{4, 5}, {10, 1}});
  std::cout << "sum(c) = " << st::sum(c) << "\n";
  std::cout << "mean(c, axis 0) = " << st::mean(c, 0) << "\n";
  std::cout << "max(c, axis 1) = " << st::max(c, 1) << "\n";
  std::cout << "argmax(c, axis 1) = " << st::argmax(c, 1) << "\n";
  std::cout << "softmax(c) =\n" << st::softmax(c) << "\n";
  std::cout << "relu([-2, -1, 0, 1, 2]) = " << st::relu(st::Tensor({-2.0, -1.0, 0.0, 1.0, 2.0})) << "\n";

  section("Variables and the GradientTape");
  st::Variable x(3.0f, {.name = "x"});
  {
    st::GradientTape tape;
    auto y = x * x;
    auto dy_dx = tape.gradient(y, x);
    std::cout << "x = " << x.item<float>() << ", y = x * x = " << y.item<float>()
              << ", dy/dx = " << dy_dx.item<float>() << "\n";
  }
  st::Variable w(st::normal({3, 2}, {.seed = 1}), {.name = "w"});
  st::Variable bias(st::zeros({2}), {.name = "b"});
  st::Tensor input({{1, 2, 3}});
  {
    st::GradientTape tape;
    auto out = st::matmul(input, w) + bias;
    auto loss = st::mean(st::square(out));
    auto grads = tape.gradient(loss, std::vector<st::Variable>{w, bias});
    std::cout << "loss = " << loss << "\n";
    std::cout << "dloss/dw =\n" << grads[0] << "\n";
    std::cout << "dloss/db = " << grads[1] << "\n";
  }

  section("Linear regression with the tape and plain SGD");
  // Synthetic data: y = x @ [2, -3.4] + 4.2 + noise.
  st::set_random_seed(42);
  const st::Tensor true_w({{2.0}, {-3.4}});
  const float true_b = 4.2f;
  const st::Tensor features = st::normal({1000, 2});
  const st::Tensor labels = st::matmul(features, true_w) + true_b + st::normal({1000, 1}, {.stddev = 0.01});

  st::Variable weights(st::normal({2, 1}, {.stddev = 0.01}), {.name = "weights"});
  st::Variable offset(st::zeros({1}), {.name = "offset"});
  const float learning_rate = 0.1f;
  for (int step = 0; step <= 100; ++step) {
    st::GradientTape tape;
    auto predicted = st::matmul(features, weights) + offset;
    auto loss = st::mean(st::square(predicted - labels));
    auto grads = tape.gradient(loss, std::vector<st::Variable>{weights, offset});
    weights.assign_sub(grads[0] * learning_rate);
    offset.assign_sub(grads[1] * learning_rate);
    if (step % 10 == 0) std::printf("step %3d  loss %.6f\n", step, loss.item<float>());
  }
  auto w_found = weights.to_vector<float>();
  std::printf("recovered w = [%.4f, %.4f] (true [2, -3.4]), b = %.4f (true 4.2)\n", w_found[0],
              w_found[1], offset.item<float>());
  return 0;
}
