// Subclassed models, as in the TensorFlow / MIT 6.S191 introduction and Keras's "Customizing what
// happens in fit()" guide. A model is a class deriving from strata::Model: it holds its layers as
// members (registered with track(), so their weights are the model's) and writes call() as plain
// C++, control flow included.
//
//  1. SubclassModel: one Dense(3, sigmoid), called on [[1, 2]].
//  2. IdentityModel: call() returns its input when `isidentity` is set — an if, nothing more.
//  3. FashionClassifier: Flatten -> Dense(128, relu) -> Dropout(0.2) -> Dense(10) as members,
//     trained on a Fashion-MNIST subset with compile / fit / evaluate.
//  4. SmoothedFashionClassifier: the same model with its own train_step — the loss (cross-entropy
//     with label smoothing) computed by hand under a GradientTape, optimizer()->apply_gradients,
//     then the compiled metrics updated.
//
//   subclassed_model [train_samples] [epochs]     (default 10000 and 2)
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

// --- 1. the smallest subclassed model ---
class SubclassModel : public st::Model {
 public:
  explicit SubclassModel(std::int64_t n_output_nodes) : dense_layer_(track(Dense(n_output_nodes, "sigmoid").ptr())) {}

  st::Tensor call(const st::Tensor& inputs) override { return dense_layer_(inputs); }

 private:
  st::LayerHandle<DenseLayer> dense_layer_;
};

// --- 2. control flow in call(): Python's `call(self, inputs, isidentity=False)` ---
struct IdentityCall {
  bool isidentity = false;
};

class IdentityModel : public st::Model {
 public:
  explicit IdentityModel(std::int64_t n_output_nodes) : dense_layer_(track(Dense(n_output_nodes, "sigmoid").ptr())) {}

  using st::Model::call;
  st::Tensor call(const st::Tensor& inputs) override { return call(inputs, IdentityCall{}); }
  st::Tensor call(const st::Tensor& inputs, IdentityCall options) {
    auto x = dense_layer_(inputs);
    if (options.isidentity) return inputs;
    return x;
  }

 private:
  st::LayerHandle<DenseLayer> dense_layer_;
};

// --- 3. a classifier for 28 x 28 images ---
class FashionClassifier : public st::Model {
 public:
  FashionClassifier()
      : flatten_(track(Flatten().ptr())),
        hidden_(track(Dense(128, "relu").ptr())),
        dropout_(track(Dropout(0.2).ptr())),
        logits_(track(Dense(10).ptr())) {}

  // `training` switches Dropout on in fit and off in evaluate / predict.
  st::Tensor call(const st::Tensor& images, bool training) override {
    auto x = flatten_(images);
    x = hidden_(x);
    x = dropout_(x, training);
    return logits_(x);
  }

 private:
  st::LayerHandle<FlattenLayer> flatten_;
  st::LayerHandle<DenseLayer> hidden_;
  st::LayerHandle<DropoutLayer> dropout_;
  st::LayerHandle<DenseLayer> logits_;
};

// --- 4. the same classifier with custom training logic ---
class SmoothedFashionClassifier : public FashionClassifier {
 public:
  explicit SmoothedFashionClassifier(double label_smoothing) : label_smoothing_(label_smoothing) {}

  st::Logs train_step(const st::Batch& batch) override {
    st::Tensor logits, loss;
    std::vector<st::Tensor> grads;
    std::vector<st::Variable> variables;
    {
      st::GradientTape tape;
      logits = (*this)(batch.x, /*training=*/true);
      // Cross-entropy against smoothed one-hot targets: (1 - e) * one_hot + e / classes.
      const auto classes = logits.shape().back();
      auto targets = st::one_hot(st::cast(batch.y, st::int64), classes) * (1.0 - label_smoothing_) +
                     label_smoothing_ / static_cast<double>(classes);
      loss = -st::mean(st::sum(targets * st::log_softmax(logits), -1));
      variables = trainable_weights();  // after the forward pass: the layers are built by now
      grads = tape.gradient(loss, variables);
    }
    optimizer()->apply_gradients(grads, variables);
    update_metrics(batch, loss, logits);  // the loss tracker and the compiled "accuracy"
    return metric_results();
  }

 private:
  double label_smoothing_;
};

static void compile(st::Model& model) {
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
}

int main(int argc, char** argv) {
  const std::int64_t train_samples = argc > 1 ? std::atoll(argv[1]) : 10000;
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 2;
  st::set_random_seed(1);
  const st::Tensor x_input({{1, 2}});

  std::cout << "=== SubclassModel(3) ===\n";
  SubclassModel model(3);
  std::cout << model(x_input) << "\n";

  std::cout << "\n=== IdentityModel(3) ===\n";
  IdentityModel identity_model(3);
  auto out_activate = identity_model(x_input);
  auto out_identity = identity_model.call(x_input, {.isidentity = true});
  std::cout << "Network output with activation: " << out_activate.values_to_string() << "\n";
  std::cout << "Network identity output: " << out_identity.values_to_string() << "\n";
  const bool identity_ok = out_identity.to_vector<float>() == x_input.to_vector<float>();
  std::printf("identity_returns_input=%s\n", identity_ok ? "true" : "false");

  std::cout << "\n=== FashionClassifier on " << train_samples << " Fashion-MNIST images, " << epochs
            << " epochs ===\n";
  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::slice(st::cast(train.x, st::float32) / 255.0f, 0, 0, train_samples);
  auto y_train = st::slice(train.y, 0, 0, train_samples);
  auto x_test = st::cast(test.x, st::float32) / 255.0f;

  FashionClassifier classifier;
  compile(classifier);
  classifier.fit(x_train, y_train, {.epochs = epochs, .batch_size = 32, .verbose = 2});
  classifier.summary();
  auto scores = classifier.evaluate(x_test, test.y, {.batch_size = 256, .verbose = 0});
  std::printf("fit: test_loss=%.4f test_accuracy=%.4f\n", scores["loss"], scores["accuracy"]);

  std::cout << "\n=== SmoothedFashionClassifier: custom train_step (label smoothing 0.1) ===\n";
  SmoothedFashionClassifier smoothed(0.1);
  compile(smoothed);  // evaluate's test_step uses the compiled loss
  smoothed.fit(x_train, y_train, {.epochs = epochs, .batch_size = 32, .verbose = 2});
  auto smoothed_scores = smoothed.evaluate(x_test, test.y, {.batch_size = 256, .verbose = 0});
  std::printf("train_step: test_loss=%.4f test_accuracy=%.4f\n", smoothed_scores["loss"],
              smoothed_scores["accuracy"]);
  return 0;
}
