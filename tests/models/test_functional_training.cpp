// Models with several inputs and outputs in the whole training API: Datasets of several
// components, validation (split and data), class_weight, predict / predict_outputs, the checks made
// before training starts; and a Functional model with a registered custom layer saved and reloaded.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;
using st::Tensor;

namespace {

using st::testing::max_diff;
using st::testing::message_of;

// The two-input, two-output problem: class = sign of the image features' sum (2 classes), score =
// sum of the metadata.
struct TwoIo {
  Tensor image, meta, cls, score;
};

TwoIo two_io_data(std::int64_t n) {
  TwoIo d;
  d.image = st::normal({n, 4}, {.seed = 1});
  d.meta = st::uniform({n, 2}, {.seed = 2});
  d.cls = st::cast(st::greater(st::sum(d.image, {1}), 0.0f), st::int64);
  d.score = st::sum(d.meta, {1}, true);
  return d;
}

std::shared_ptr<st::Model> two_io_model() {
  auto in_image = Input({4}, {.name = "image"});
  auto in_meta = Input({2}, {.name = "meta"});
  auto h = Concatenate()({Dense(16, "relu")(in_image), Dense(8, "relu")(in_meta)});
  auto model = std::make_shared<st::Model>(st::SymbolicTensors{in_image, in_meta},
                                           st::SymbolicTensors{Dense(2, {.name = "class"})(h), Dense(1, {.name = "score"})(h)});
  model->compile({.optimizer = st::optimizers::Adam(1e-2),
                  .loss = st::NamedLosses{{"class", st::losses::SparseCategoricalCrossentropy({.from_logits = true})},
                                          {"score", "mse"}},
                  .output_metrics = {{"class", {"accuracy"}}, {"score", {"mae"}}},
                  .loss_weights = {1.0, 0.5}});
  return model;
}

using WeightValues = std::vector<std::vector<float>>;

WeightValues weights_of(const st::Model& model) {
  WeightValues out;
  for (const auto& w : model.get_weights()) out.push_back(w.to_vector<float>());
  return out;
}

bool same_weights(const WeightValues& a, const WeightValues& b) { return a == b; }

}  // namespace

TEST_CASE("functional training: a Dataset of several inputs and targets trains, evaluates and predicts") {
  st::set_random_seed(21);
  const auto d = two_io_data(256);
  auto model = two_io_model();
  const auto ds = st::Dataset::from_tensor_slices(std::vector<Tensor>{d.image, d.meta}, std::vector<Tensor>{d.cls, d.score});
  CHECK(ds.cardinality() == 256);
  auto history = model->fit(ds.shuffle(256, 7).batch(32), {.epochs = 30, .verbose = 0});
  CHECK(history.history.at("class_accuracy").size() == 30);

  // evaluate on the dataset equals evaluate on the same tensors.
  const auto on_dataset = model->evaluate(ds.batch(64), {.verbose = 0});
  const auto on_tensors = model->evaluate({d.image, d.meta}, {d.cls, d.score}, {.batch_size = 64, .verbose = 0});
  for (const char* key : {"loss", "class_loss", "score_loss", "class_accuracy", "score_mae"}) {
    INFO(key);
    CHECK(on_dataset.at(key) == doctest::Approx(on_tensors.at(key)).epsilon(1e-6));
  }
  CHECK(on_tensors.at("class_accuracy") >= 0.95);
  CHECK(on_tensors.at("score_mae") < 0.1);

  // predict_outputs: one tensor per output, the same from tensors (by order or by name), from a
  // dataset (no targets needed), and from a direct call of the graph.
  const auto direct = model->apply({d.image, d.meta});
  const auto from_tensors = model->predict_outputs({d.image, d.meta}, {.batch_size = 50});
  const auto by_name = model->predict_outputs(st::NamedTensors{{"meta", d.meta}, {"image", d.image}});
  const auto from_dataset =
      model->predict_outputs(st::Dataset::from_tensor_slices(std::vector<Tensor>{d.image, d.meta}, {}).batch(100));
  REQUIRE(from_tensors.size() == 2);
  REQUIRE(from_dataset.size() == 2);
  CHECK(from_tensors[0].shape() == st::Shape{256, 2});
  CHECK(from_tensors[1].shape() == st::Shape{256, 1});
  for (int i = 0; i < 2; ++i) {
    CHECK(max_diff(from_tensors[i], direct[i]) < 1e-6);
    CHECK(max_diff(by_name[i], direct[i]) < 1e-6);
    CHECK(max_diff(from_dataset[i], direct[i]) < 1e-6);
  }
  // predict (one tensor) on a model with two outputs says what to call instead.
  CHECK(message_of([&] { model->predict({d.image, d.meta}); }).find("has 2 outputs; call predict_outputs()") !=
        std::string::npos);
  CHECK(message_of([&] { model->predict(d.image); }).find("has 2 inputs, got 1 tensors") != std::string::npos);
}

TEST_CASE("functional training: validation_split and validation_data for several inputs and outputs") {
  st::set_random_seed(3);
  const auto d = two_io_data(200);
  auto model = two_io_model();
  auto history = model->fit({d.image, d.meta}, {d.cls, d.score},
                            {.epochs = 2, .batch_size = 32, .validation_split = 0.25, .shuffle = false, .verbose = 0});
  for (const char* key : {"val_loss", "val_class_loss", "val_score_loss", "val_class_accuracy", "val_score_mae"}) {
    INFO(key);
    REQUIRE(history.history.count(key) == 1);
    CHECK(history.history.at(key).size() == 2);
  }
  // The validation logs are those of evaluate on the last quarter (taken before shuffling).
  auto tail = [](const Tensor& t) { return st::slice(t, 0, 150, 200); };
  const auto val = model->evaluate({tail(d.image), tail(d.meta)}, {tail(d.cls), tail(d.score)}, {.verbose = 0});
  CHECK(history.history.at("val_loss").back() == doctest::Approx(val.at("loss")).epsilon(1e-6));
  CHECK(history.history.at("val_score_mae").back() == doctest::Approx(val.at("score_mae")).epsilon(1e-6));

  // validation_data as tensors by name, and as a dataset.
  auto h2 = model->fit({d.image, d.meta}, {d.cls, d.score},
                       {.epochs = 1,
                        .validation_data = st::ValidationData(st::NamedTensors{{"image", d.image}, {"meta", d.meta}},
                                                              st::NamedTensors{{"class", d.cls}, {"score", d.score}}),
                        .verbose = 0});
  const auto full = model->evaluate({d.image, d.meta}, {d.cls, d.score}, {.verbose = 0});
  CHECK(h2.history.at("val_class_loss").back() == doctest::Approx(full.at("class_loss")).epsilon(1e-6));
  auto val_ds =
      st::Dataset::from_tensor_slices(std::vector<Tensor>{d.image, d.meta}, std::vector<Tensor>{d.cls, d.score}).batch(40);
  auto h3 = model->fit({d.image, d.meta}, {d.cls, d.score}, {.epochs = 1, .validation_data = val_ds, .verbose = 0});
  const auto again = model->evaluate({d.image, d.meta}, {d.cls, d.score}, {.verbose = 0});
  CHECK(h3.history.at("val_score_loss").back() == doctest::Approx(again.at("score_loss")).epsilon(1e-6));

  // Plain tensors as validation data of a model with several inputs: a clear error, before training.
  const auto before = weights_of(*model);
  CHECK(message_of([&] {
          model->fit({d.image, d.meta}, {d.cls, d.score}, {.validation_data = st::ValidationData(d.image, d.cls), .verbose = 0});
        }).find("pass validation_data as ValidationData{ModelData, ModelData}") != std::string::npos);
  CHECK(same_weights(before, weights_of(*model)));
}

TEST_CASE("functional training: class_weight on a two-input, one-output model equals the same sample weights") {
  auto make = [] {
    st::set_random_seed(8);
    auto a = Input({3}, {.name = "a"});
    auto b = Input({2}, {.name = "b"});
    auto out = Dense(3, {.name = "out"})(Concatenate()({a, b}));
    auto model = std::make_shared<st::Model>(st::SymbolicTensors{a, b}, out);
    model->compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
    return model;
  };
  const Tensor xa = st::uniform({12, 3}, {.seed = 4}), xb = st::uniform({12, 2}, {.seed = 5});
  const Tensor y = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 2, 1}, st::Shape{12});
  std::vector<float> per_sample;
  for (auto label : y.to_vector<std::int64_t>()) per_sample.push_back(label == 2 ? 3.0f : label == 1 ? 0.5f : 1.0f);
  auto with_classes = make();
  with_classes->fit({xa, xb}, {y}, {.epochs = 2, .batch_size = 4, .shuffle = false, .class_weight = {{1, 0.5}, {2, 3.0}}, .verbose = 0});
  auto with_samples = make();
  with_samples->fit({xa, xb}, {y},
                    {.epochs = 2, .batch_size = 4, .shuffle = false,
                     .sample_weight = Tensor::from_vector(per_sample, st::Shape{12}), .verbose = 0});
  CHECK(same_weights(weights_of(*with_classes), weights_of(*with_samples)));
  // A single-output model of several inputs predicts one tensor.
  CHECK(with_classes->predict({xa, xb}).shape() == st::Shape{12, 3});

  // Keras refuses class_weight with several outputs.
  const auto d = two_io_data(16);
  auto two = two_io_model();
  CHECK(message_of([&] { two->fit({d.image, d.meta}, {d.cls, d.score}, {.class_weight = {{0, 2.0}}, .verbose = 0}); })
            .find("class_weight is only supported for models with a single output") != std::string::npos);
}

TEST_CASE("functional training: bad data for several inputs and outputs fails before training and changes nothing") {
  st::set_random_seed(5);
  const auto d = two_io_data(32);
  auto model = two_io_model();
  const auto before = weights_of(*model);
  // A dataset with one input for a model with two.
  const auto one_input = st::Dataset::from_tensor_slices(d.image, d.cls).batch(8);
  const std::string msg = message_of([&] { model->fit(one_input, {.verbose = 0}); });
  CHECK(msg.find("the dataset's elements have 1 input(s) and 1 target(s), but the model") != std::string::npos);
  CHECK(msg.find("2 inputs (image, meta) and 2 outputs (class, score)") != std::string::npos);
  // A label out of range for the class head, in tensors and in a dataset.
  const Tensor bad = st::full({32}, 5.0f, st::int64);
  CHECK(message_of([&] { model->fit({d.image, d.meta}, {bad, d.score}, {.verbose = 0}); })
            .find("label 5 at index 0 of output 'class' is out of range for sparse_categorical_crossentropy with 2") !=
        std::string::npos);
  const auto bad_ds =
      st::Dataset::from_tensor_slices(std::vector<Tensor>{d.image, d.meta}, std::vector<Tensor>{bad, d.score}).batch(8);
  CHECK(message_of([&] { model->fit(bad_ds, {.verbose = 0}); }).find("of output 'class' is out of range") !=
        std::string::npos);
  CHECK(message_of([&] { model->fit({d.image, d.meta}, {d.cls, d.score}, {.validation_split = 1.5, .verbose = 0}); })
            .find("validation_split must be in [0, 1)") != std::string::npos);
  // Tensors of different lengths in one dataset.
  CHECK(message_of([&] {
          st::Dataset::from_tensor_slices(std::vector<Tensor>{d.image, st::slice(d.meta, 0, 0, 10)}, std::vector<Tensor>{d.cls});
        }).find("input 1 of shape (10, 2)") != std::string::npos);
  CHECK(same_weights(before, weights_of(*model)));
  CHECK(model->optimizer()->iterations() == 0);
}

TEST_CASE("dataset: elements of several inputs and targets keep them together through shuffle, map, batch and prefetch") {
  const Tensor a = st::arange(0.0, 10.0), b = st::arange(0.0, 10.0) * 10.0f;
  const Tensor t = st::arange(0.0, 10.0) + 100.0f;
  auto ds = st::Dataset::from_tensor_slices(std::vector<Tensor>{a, b}, std::vector<Tensor>{t})
                .shuffle(10, 3)
                .map([](st::Example e) {
                  e.xs[1] = e.xs[1] + 1.0f;
                  return e;
                })
                .batch(4)
                .prefetch(2);
  int seen = 0;
  for (const auto& batch : ds) {
    REQUIRE(batch.xs.size() == 2);
    REQUIRE(batch.ys.size() == 1);
    const auto xa = batch.xs[0].to_vector<float>(), xb = batch.xs[1].to_vector<float>(), yt = batch.ys[0].to_vector<float>();
    for (std::size_t i = 0; i < xa.size(); ++i) {
      CHECK(xb[i] == xa[i] * 10.0f + 1.0f);
      CHECK(yt[i] == xa[i] + 100.0f);
    }
    seen += static_cast<int>(xa.size());
  }
  CHECK(seen == 10);
}

namespace {
// A user layer with a weight, registered by the macro: y = x * scale (per feature).
class FeatureScale : public st::Layer {
 public:
  explicit FeatureScale(std::string name = "") : Layer(std::move(name)) {}
  static std::shared_ptr<FeatureScale> from_config(const st::Config& config) {
    return std::make_shared<FeatureScale>(config.at("name").get<std::string>());
  }
  void build(const st::Shape& in) override { scale_ = add_weight("scale", {in.back()}, "ones"); }
  Tensor call(const Tensor& x) override { return x * scale_; }
  std::string class_name() const override { return "FeatureScale"; }

 private:
  st::Variable scale_;
};
STRATA_REGISTER_LAYER(FeatureScale);
}  // namespace

TEST_CASE("functional training: a trained Functional model with a registered custom layer reloads from .h5") {
  st::set_random_seed(9);
  auto in = Input({3}, {.name = "x"});
  auto scaled = st::make_layer<FeatureScale>("feature_scale")(in);
  auto out = Dense(2, {.name = "head"})(Add()({scaled, Dense(3)(in)}));
  st::Model model(in, out, {.name = "with_custom"});
  model.compile({.optimizer = st::optimizers::Adam(1e-2), .loss = "mse"});
  const Tensor x = st::uniform({32, 3}, {.seed = 1}), y = st::uniform({32, 2}, {.seed = 2});
  model.fit(x, y, {.epochs = 3, .batch_size = 8, .verbose = 0});
  // Training moved the custom layer's weight away from its initial ones.
  CHECK(max_diff(model.get_layer("feature_scale")->get_weights()[0], st::ones({3})) > 1e-3);
  const auto path = (std::filesystem::temp_directory_path() / "strata_functional_custom.h5").string();
  model.save(path);
  auto loaded = st::models::load_model(path);
  CHECK(loaded->get_layer("feature_scale")->class_name() == "FeatureScale");
  CHECK(max_diff(loaded->predict(x), model.predict(x)) == 0.0);
  std::filesystem::remove(path);
}
