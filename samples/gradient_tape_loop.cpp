// Training loops written by hand with the GradientTape, as in the TensorFlow / MIT 6.S191
// introduction and Keras's "Writing a training loop from scratch":
//
//  1. Minimise (x - x_f)^2 for a Variable x with SGD(1e-2), 500 steps: x ends close to x_f.
//  2. An MLP on a Fashion-MNIST subset: Dataset from_tensor_slices -> shuffle -> batch, the
//     forward pass under a GradientTape, optimizer->apply_gradients(grads, trainable_weights()),
//     a Mean of the loss and a SparseCategoricalAccuracy updated by hand, a Progbar per epoch;
//     then the test accuracy. The loss and accuracy go to TensorBoard through st::summary, as in
//     TensorFlow's "TensorBoard in a custom training loop" (logdir/train, default
//     logs/gradient_tape: `tensorboard --logdir logs/gradient_tape` or `strata board ...`).
//
//   gradient_tape_loop [train_samples] [epochs] [--logdir DIR]     (default 10000, 2, logs/gradient_tape)
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

int main(int argc, char** argv) {
  std::vector<std::string> args;
  std::string logdir = "logs/gradient_tape";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--logdir" && i + 1 < argc) logdir = argv[++i];
    else args.emplace_back(argv[i]);
  }
  const std::int64_t train_samples = args.size() > 0 ? std::atoll(args[0].c_str()) : 10000;
  const int epochs = args.size() > 1 ? std::atoi(args[1].c_str()) : 2;

  std::cout << "=== Minimising (x - x_f)^2 with SGD ===\n";
  st::set_random_seed(1);
  st::Variable x(st::normal({1}), {.name = "x"});
  const float x_f = 4.0f;  // the target value
  std::printf("initial x=%.6f target x_f=%.6f\n", x.item<float>(), x_f);
  auto sgd = st::optimizers::SGD(1e-2);
  for (int i = 0; i < 500; ++i) {
    st::GradientTape tape;
    auto loss = st::square(x - x_f);
    auto grad = tape.gradient(loss, x);
    sgd->apply_gradients({grad}, {x});
    if ((i + 1) % 100 == 0) std::printf("step %3d  x=%.6f  loss=%.3e\n", i + 1, x.item<float>(), loss.item<float>());
  }
  std::printf("final x=%.6f target x_f=%.6f\n", x.item<float>(), x_f);

  std::cout << "\n=== A custom training loop: MLP on " << train_samples << " Fashion-MNIST images, " << epochs
            << " epochs ===\n";
  st::set_random_seed(42);
  auto [train, test] = st::datasets::fashion_mnist::load_data();
  auto x_train = st::slice(st::cast(train.x, st::float32) / 255.0f, 0, 0, train_samples);
  auto y_train = st::slice(train.y, 0, 0, train_samples);
  auto x_test = st::cast(test.x, st::float32) / 255.0f;

  const st::Dataset train_dataset =
      st::Dataset::from_tensor_slices(x_train, y_train).shuffle(train_samples, /*seed=*/42).batch(32);
  const st::Dataset test_dataset = st::Dataset::from_tensor_slices(x_test, test.y).batch(256);

  st::Sequential model({
      Input({28, 28}),
      Flatten(),
      Dense(128, "relu"),
      Dense(10),
  });
  auto optimizer = st::optimizers::Adam(1e-3);
  auto loss_fn = st::losses::SparseCategoricalCrossentropy({.from_logits = true});
  auto train_loss = st::metrics::Mean({.name = "loss"});
  auto train_accuracy = st::metrics::SparseCategoricalAccuracy();
  auto test_accuracy = st::metrics::SparseCategoricalAccuracy();
  auto train_writer = st::summary::create_file_writer(logdir + "/train");
  auto summary_scope = train_writer.as_default();

  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::printf("Epoch %d/%d\n", epoch + 1, epochs);
    // The metrics are running values over the epoch, so the bar shows them as given (as fit does).
    st::callbacks::Progbar progbar(train_dataset.cardinality(),
                                   {.stateful_metrics = std::set<std::string>{"loss", "accuracy"}});
    train_loss->reset_state();
    train_accuracy->reset_state();
    std::int64_t step = 0;
    for (const st::Example& batch : train_dataset) {
      st::Tensor logits, loss;
      std::vector<st::Tensor> grads;
      {
        st::GradientTape tape;
        logits = model(batch.x, /*training=*/true);
        loss = (*loss_fn)(batch.y, logits);
        grads = tape.gradient(loss, model.trainable_weights());
      }
      optimizer->apply_gradients(grads, model.trainable_weights());
      train_loss->update_state(loss);
      train_accuracy->update_state(batch.y, logits);
      progbar.update(++step, {{"loss", train_loss->result()}, {"accuracy", train_accuracy->result()}});
    }
    st::summary::scalar("loss", train_loss->result(), epoch);
    st::summary::scalar("accuracy", train_accuracy->result(), epoch);
  }
  train_writer.flush();
  std::cout << "TensorBoard logs: " << logdir << "/train\n";

  for (const st::Example& batch : test_dataset) test_accuracy->update_state(batch.y, model(batch.x));
  std::printf("train_accuracy=%.4f test_accuracy=%.4f\n", train_accuracy->result(), test_accuracy->result());
  return 0;
}
