// A custom layer, as in the TensorFlow / MIT 6.S191 introduction: `OurDenseLayer` computes
// sigmoid(x @ W + b) and is written as build() + call() only — the GradientTape differentiates it,
// so there is no backward code. First the layer alone on [[1, 2]] (seeded, so the numbers are the
// same on every run), then the same class inside a Sequential trained with fit on an XOR-like
// problem: label 1 where x0 and x1 have the same sign, which no linear model can separate.
//
//   custom_layer [epochs]      (default 40; checked by samples/tests/check_custom_layer.sh)
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

class OurDenseLayer : public st::Layer {
 public:
  explicit OurDenseLayer(std::int64_t n_output_nodes) : n_output_nodes_(n_output_nodes) {}

  void build(const st::Shape& input_shape) override {
    const std::int64_t d = input_shape.back();
    // Both weights use add_weight's default initializer (glorot_uniform), as in the tutorial.
    weight_ = add_weight("weight", {d, n_output_nodes_});
    bias_ = add_weight("bias", {1, n_output_nodes_});
  }

  st::Tensor call(const st::Tensor& x) override {
    auto z = st::matmul(x, weight_) + bias_;
    return st::sigmoid(z);
  }

  const st::Variable& weight() const { return weight_; }
  const st::Variable& bias() const { return bias_; }

 private:
  std::int64_t n_output_nodes_;
  st::Variable weight_, bias_;
};

// Prints a 2-D float tensor's values on one line, row after row, for the checker.
static void print_values(const char* key, const st::Tensor& t) {
  std::printf("%s=", key);
  const auto values = t.to_vector<float>();
  for (std::size_t i = 0; i < values.size(); ++i) std::printf("%s%.6f", i ? " " : "", values[i]);
  std::printf("\n");
}

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 40;

  std::cout << "=== OurDenseLayer(3) on [[1, 2]] ===\n";
  st::set_random_seed(1);
  auto layer = st::make_layer<OurDenseLayer>(3);
  st::Tensor x_input({{1, 2}});
  st::Tensor y = layer(x_input);  // builds the layer for (1, 2), then call()
  std::cout << y << "\n";
  std::cout << "output shape=" << y.shape() << "\n";
  print_values("W", layer->weight());
  print_values("b", layer->bias());
  print_values("y", y);

  std::cout << "\n=== OurDenseLayer(8) in a Sequential, trained with fit on XOR-like data ===\n";
  st::set_random_seed(2);
  const std::int64_t n = 2000;
  auto make_data = [](std::int64_t count) {
    st::Tensor x = st::uniform({count, 2}, {.minval = -1.0, .maxval = 1.0});
    st::Tensor same_sign = st::slice(x, 1, 0, 1) * st::slice(x, 1, 1, 2) > 0.0f;
    return std::pair{x, st::cast(same_sign, st::float32)};  // y: (count, 1)
  };
  auto [x_train, y_train] = make_data(n);
  auto [x_test, y_test] = make_data(500);

  st::Sequential model({
      Input({2}),
      st::make_layer<OurDenseLayer>(8),
      Dense(1, "sigmoid"),
  });
  model.compile({.optimizer = st::optimizers::Adam(0.05),
                 .loss = "binary_crossentropy",
                 .metrics = {"accuracy"}});
  model.summary();
  auto history = model.fit(x_train, y_train, {.epochs = epochs, .batch_size = 32, .verbose = 0});
  const auto& train_logs = history.history;
  std::printf("epochs=%d final train loss=%.4f accuracy=%.4f\n", epochs, train_logs.at("loss").back(),
              train_logs.at("accuracy").back());
  auto scores = model.evaluate(x_test, y_test, {.verbose = 0});
  std::printf("test_loss=%.4f test_accuracy=%.4f\n", scores["loss"], scores["accuracy"]);
  return 0;
}
