// The main job: Keras's basic classification tutorial on Fashion-MNIST with an MLP.
// Flatten -> Dense(256, relu) -> Dense(128, relu) -> Dense(10); Adam(1e-3), batch 128, 10 epochs,
// shuffled with a fixed seed; then evaluate on the test set, save the model to a Keras HDF5 file,
// load it back (architecture, weights, optimizer) and evaluate again.
//
//   fashion_mnist_mlp [epochs] [--tensorboard DIR]
// --tensorboard DIR logs the curves for TensorBoard (`tensorboard --logdir DIR` or `strata board DIR`).
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

namespace {
st::Sequential make_model() {
  return st::Sequential({
      Input({28, 28}),
      Flatten(),
      Dense(256, "relu"),
      Dense(128, "relu"),
      Dense(10),
  });
}

void compile(st::Sequential& model) {
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
}
}  // namespace

int main(int argc, char** argv) {
  int epochs = 10;
  std::vector<st::callbacks::CallbackPtr> callbacks;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--tensorboard" && i + 1 < argc) callbacks.push_back(st::callbacks::TensorBoard({.log_dir = argv[++i]}));
    else epochs = std::atoi(argv[i]);
  }
  st::set_random_seed(42);

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::cast(train.x, st::float32) / 255.0f;
  auto x_test = st::cast(test.x, st::float32) / 255.0f;

  st::Sequential model = make_model();
  compile(model);
  model.summary();
  model.fit(x_train, train.y, {.epochs = epochs, .batch_size = 128, .callbacks = callbacks});

  auto scores = model.evaluate(x_test, test.y, {.batch_size = 128, .verbose = 0});
  std::cout << std::fixed << std::setprecision(4) << "test_loss=" << scores["loss"]
            << " test_accuracy=" << scores["accuracy"] << "\n";

  // Save to a Keras HDF5 file and restore from it (the compiled loss and metrics come back too).
  model.save("fashion_mlp.h5");
  auto restored = st::models::load_model("fashion_mlp.h5");
  auto restored_scores = restored->evaluate(x_test, test.y, {.batch_size = 128, .verbose = 0});
  std::cout << "restored model: test_loss=" << restored_scores["loss"]
            << " test_accuracy=" << restored_scores["accuracy"] << "\n";
  return restored_scores["accuracy"] == scores["accuracy"] ? 0 : 1;
}
