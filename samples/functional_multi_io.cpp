// A Functional model with two inputs and two outputs, as in Keras's "multi-input and multi-output
// models" guide: a Fashion-MNIST image and a small metadata vector go in; the class of the image
// and a score come out.
//
// The metadata and the score are synthetic (Fashion-MNIST has neither): each image gets 4 uniform
// random "metadata" features, and its score is 4 * (mean pixel intensity) + meta[0] - meta[1], so
// the score head needs both inputs. The model trains from a Dataset whose elements carry both
// inputs and both targets, with a loss per output, loss weights and per-output metrics; it is then
// evaluated, asked for both outputs with predict_outputs, and drawn with plot_model.
//
//   functional_multi_io [train_samples] [epochs] [plot_path]   (default 20000, 3, functional_multi_io.dot)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <strata/strata.hpp>

namespace st = strata;
using namespace strata::layers;

namespace {

struct Split {
  st::Tensor image, meta, label, score;
};

// The image scaled to [0, 1] with a channel axis, seeded metadata and the synthetic score.
Split prepare(const st::Tensor& images, const st::Tensor& labels, std::int64_t count, std::uint64_t seed) {
  Split s;
  const std::int64_t n = std::min(count, images.shape()[0]);
  s.image = st::reshape(st::cast(st::slice(images, 0, 0, n), st::float32) / 255.0f, {n, 28, 28, 1});
  s.label = st::slice(labels, 0, 0, n);
  s.meta = st::uniform({n, 4}, {.seed = seed});
  const auto brightness = st::mean(st::reshape(s.image, {n, 28 * 28}), {1}, true);
  s.score = brightness * 4.0f + st::slice(s.meta, 1, 0, 1) - st::slice(s.meta, 1, 1, 2);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t train_samples = argc > 1 ? std::atoll(argv[1]) : 20000;
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string plot_path = argc > 3 ? argv[3] : "functional_multi_io.dot";
  st::set_random_seed(7);

  auto [train, test] = st::datasets::fashion_mnist::load_data();
  const Split tr = prepare(train.x, train.y, train_samples, 1);
  const Split te = prepare(test.x, test.y, test.x.shape()[0], 2);

  // --- the model: two inputs, two branches joined, two heads ---
  auto image = Input({28, 28, 1}, {.name = "image"});
  auto meta = Input({4}, {.name = "meta"});
  auto x = Conv2D(16, 3, {.activation = "relu"})(image);
  x = MaxPooling2D(2)(x);
  x = Flatten()(x);
  x = Dense(64, "relu")(x);
  auto h = Concatenate()({x, Dense(16, "relu")(meta)});
  auto cls = Dense(10, {.name = "class"})(h);
  auto score = Dense(1, {.name = "score"})(h);
  st::Model model({image, meta}, {cls, score}, {.name = "image_and_meta"});
  model.summary();

  model.compile({.optimizer = st::optimizers::Adam(1e-3),
                 .loss = st::NamedLosses{{"class", st::losses::SparseCategoricalCrossentropy({.from_logits = true})},
                                         {"score", "mse"}},
                 .output_metrics = {{"class", {"accuracy"}}, {"score", {"mae"}}},
                 .loss_weights = {1.0, 0.5}});

  // --- training from a Dataset of (image, meta) -> (class, score) ---
  auto dataset = st::Dataset::from_tensor_slices(std::vector<st::Tensor>{tr.image, tr.meta},
                                                 std::vector<st::Tensor>{tr.label, tr.score})
                     .shuffle(train_samples, 42)
                     .batch(64)
                     .prefetch(2);
  // The last 2000 test images validate each epoch, the same inputs and targets by name.
  auto last = [](const st::Tensor& t) { return st::slice(t, 0, t.shape()[0] - 2000, t.shape()[0]); };
  auto history = model.fit(dataset, {.epochs = epochs,
                                     .validation_data = st::ValidationData(
                                         st::NamedTensors{{"image", last(te.image)}, {"meta", last(te.meta)}},
                                         st::NamedTensors{{"class", last(te.label)}, {"score", last(te.score)}}),
                                     .verbose = 2});
  std::printf("history_keys= ");
  for (const auto& [key, values] : history.history) std::printf("%s ", key.c_str());
  std::printf("\n");

  // --- evaluation on the whole test set ---
  auto scores = model.evaluate({te.image, te.meta}, {te.label, te.score}, {.batch_size = 256, .verbose = 0});
  std::printf("test: loss=%.4f class_loss=%.4f score_loss=%.4f\n", scores["loss"], scores["class_loss"], scores["score_loss"]);
  std::printf("test_class_accuracy=%.4f test_score_mae=%.4f\n", scores["class_accuracy"], scores["score_mae"]);
  // What a score head that ignores its inputs would get: always the training mean.
  const auto baseline = st::mean(st::abs(te.score - st::mean(tr.score))).item<float>();
  std::printf("baseline_score_mae=%.4f\n", baseline);

  // --- both outputs at once ---
  auto outputs = model.predict_outputs({st::slice(te.image, 0, 0, 5), st::slice(te.meta, 0, 0, 5)});
  std::cout << "predicted classes: " << st::argmax(outputs[0], -1).values_to_string() << "\n";
  std::cout << "true classes:      " << st::slice(te.label, 0, 0, 5).values_to_string() << "\n";
  std::cout << "predicted scores:  " << st::reshape(outputs[1], {5}).values_to_string() << "\n";
  std::cout << "true scores:       " << st::reshape(st::slice(te.score, 0, 0, 5), {5}).values_to_string() << "\n";
  std::printf("predict_outputs=%zu shapes=%s %s\n", outputs.size(), outputs[0].shape().to_string().c_str(),
              outputs[1].shape().to_string().c_str());

  // --- the graph, as Graphviz DOT (and as a picture when Graphviz is installed) ---
  st::utils::plot_model(model, plot_path, {.show_shapes = true});
  std::printf("plot=%s bytes=%lld\n", plot_path.c_str(),
              static_cast<long long>(std::filesystem::file_size(plot_path)));
  return 0;
}
