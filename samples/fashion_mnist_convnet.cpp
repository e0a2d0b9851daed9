// Keras's mnist_convnet example on Fashion-MNIST: Conv2D(32, 3, relu) -> MaxPooling2D(2) ->
// Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dropout(0.5) -> Dense(10); Adam(1e-3),
// batch 128, epochs from the command line (10 by default); then evaluate on the test set.
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 10;
  st::set_random_seed(42);

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::reshape(st::cast(train.x, st::float32) / 255.0f, {-1, 28, 28, 1});
  auto x_test = st::reshape(st::cast(test.x, st::float32) / 255.0f, {-1, 28, 28, 1});

  st::Sequential model({
      Input({28, 28, 1}),
      Conv2D(32, 3, "relu"),
      MaxPooling2D(2),
      Conv2D(64, 3, "relu"),
      MaxPooling2D(2),
      Flatten(),
      Dropout(0.5),
      Dense(10),
  });
  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  model.summary();
  model.fit(x_train, train.y, {.epochs = epochs, .batch_size = 128});

  auto scores = model.evaluate(x_test, test.y, {.batch_size = 128, .verbose = 0});
  std::cout << std::fixed << std::setprecision(4) << "test_loss=" << scores["loss"]
            << " test_accuracy=" << scores["accuracy"] << "\n";
  return 0;
}
