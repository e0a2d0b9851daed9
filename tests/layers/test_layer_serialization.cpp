// How layers serialize: the registry, the common keys, the rename table of Keras 1/2 spellings,
// the shared config reader's errors, and the automatic names.
#include <doctest/doctest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "strata/framework/config_reader.hpp"
#include "strata/strata.hpp"

namespace st = strata;
using namespace strata::layers;
using st::Config;

namespace {

// A user layer whose from_config reads only its own argument (as most user code does).
class ScaleByLayer : public st::Layer {
 public:
  explicit ScaleByLayer(double factor, std::string name = "") : Layer(std::move(name)), factor_(factor) {}
  static std::shared_ptr<ScaleByLayer> from_config(const Config& config) {
    return std::make_shared<ScaleByLayer>(config.at("factor").get<double>(), config.value("name", ""));
  }
  void build(const st::Shape& input_shape) override { w_ = add_weight("w", {input_shape.back()}, "ones"); }
  st::Tensor call(const st::Tensor& x) override { return x * w_ * factor_; }
  Config get_config() const override {
    auto c = Layer::get_config();
    c["factor"] = factor_;
    return c;
  }
  std::string class_name() const override { return "ScaleByLayer"; }

 private:
  double factor_;
  st::Variable w_;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("layer registry: a registered user layer keeps trainable and dtype from its config") {
  st::register_layer<ScaleByLayer>("ScaleByLayer");
  auto frozen = st::layer_from_config(
      {{"class_name", "ScaleByLayer"}, {"config", {{"name", "s"}, {"factor", 2.0}, {"trainable", false}, {"dtype", "float64"}}}});
  CHECK(frozen->name() == "s");
  CHECK_FALSE(frozen->trainable());
  CHECK(frozen->dtype() == st::float64);
  auto y = (*frozen)(st::ones({1, 3}));
  CHECK(frozen->trainable_weights().empty());
  CHECK(frozen->non_trainable_weights().size() == 1);
  CHECK(y.dtype() == st::float64);
  // A built-in too.
  auto dense = st::layer_from_config({{"class_name", "Dense"}, {"config", {{"units", 2}, {"trainable", false}}}});
  CHECK_FALSE(dense->trainable());
}

TEST_CASE("layer registry: Sequential and Functional are layers from the start") {
  CHECK(st::is_layer_registered("Sequential"));
  CHECK(st::is_layer_registered("Functional"));
  CHECK(st::is_layer_registered("Model"));
  auto seq = st::layer_from_config(
      {{"class_name", "Sequential"},
       {"config",
        {{"name", "inner"},
         {"layers",
          {{{"class_name", "InputLayer"}, {"config", {{"batch_shape", {nullptr, 3}}, {"name", "in"}}}},
           {{"class_name", "Dense"}, {"config", {{"units", 2}, {"name", "d"}}}}}}}}});
  CHECK(seq->class_name() == "Sequential");
  CHECK(seq->name() == "inner");
  CHECK((*seq)(st::ones({4, 3})).shape() == st::Shape{4, 2});
}

TEST_CASE("layer registry: Keras 1/2 spellings are renamed per class") {
  auto leaky = st::layer_from_config({{"class_name", "LeakyReLU"}, {"config", {{"alpha", 0.1}}}});
  CHECK(leaky->get_config()["negative_slope"].get<double>() == doctest::Approx(0.1));
  auto elu = st::layer_from_config({{"class_name", "ELU"}, {"config", {{"alpha", 0.5}}}});
  CHECK(elu->get_config()["alpha"].get<double>() == doctest::Approx(0.5));
  auto dense = st::layer_from_config({{"class_name", "Dense"}, {"config", {{"output_dim", 7}, {"bias", false}}}});
  CHECK(dense->get_config()["units"] == 7);
  CHECK(dense->get_config()["use_bias"] == false);
  auto embedding =
      st::layer_from_config({{"class_name", "Embedding"}, {"config", {{"input_dim", 10}, {"output_dim", 3}}}});
  CHECK(embedding->get_config()["output_dim"] == 3);
  auto dropout = st::layer_from_config({{"class_name", "Dropout"}, {"config", {{"p", 0.25}}}});
  CHECK(dropout->get_config()["rate"].get<double>() == doctest::Approx(0.25));
  auto noise = st::layer_from_config({{"class_name", "GaussianNoise"}, {"config", {{"sigma", 0.3}}}});
  CHECK(noise->get_config()["stddev"].get<double>() == doctest::Approx(0.3));
  auto lstm = st::layer_from_config(
      {{"class_name", "LSTM"}, {"config", {{"output_dim", 4}, {"inner_activation", "sigmoid"}, {"dropout_W", 0.2}}}});
  CHECK(lstm->get_config()["units"] == 4);
  CHECK(lstm->get_config()["dropout"].get<double>() == doctest::Approx(0.2));
  // The Keras 3 key wins over an old one.
  auto both = st::layer_from_config({{"class_name", "Dense"}, {"config", {{"units", 3}, {"output_dim", 9}}}});
  CHECK(both->get_config()["units"] == 3);
}

TEST_CASE("config reader: a wrong type names the layer, the key and what was expected") {
  const std::string message = message_of([] {
    st::layer_from_config({{"class_name", "Dense"}, {"config", {{"name", "dense_9"}, {"units", "ten"}}}});
  });
  CHECK(message.find("Layer 'dense_9' (Dense): 'units' must be an integer, got \"ten\"") != std::string::npos);
  CHECK_THROWS_AS(st::layer_from_config({{"class_name", "Dense"}, {"config", {{"units", 2}, {"use_bias", 1}}}}),
                  st::ValueError);
  // Unknown keys are ignored.
  CHECK(st::layer_from_config({{"class_name", "Dense"}, {"config", {{"units", 2}, {"future_key", 1}}}}) != nullptr);

  const Config config = {{"rate", 0.5}, {"p", 0.1}, {"n", nullptr}, {"k", 3.0}, {"s", "x"}, {"extra", 1}};
  const st::ConfigReader in(config, "Thing");
  CHECK(in.number({"rate", "p"}, 0.0) == 0.5);
  CHECK(in.number({"missing", "p"}, 0.0) == doctest::Approx(0.1));
  CHECK(in.integer("n", 4) == 4);  // null: absent
  CHECK(in.integer("k", 0) == 3);
  CHECK(in.optional_number("n", 1.0) == std::nullopt);
  CHECK(in.value<std::string>("s", "") == "x");
  CHECK_THROWS_WITH_AS((void)in.integer("rate", 0), "Thing: 'rate' must be an integer, got 0.5", st::ValueError);
  CHECK_THROWS_WITH_AS((void)in.boolean("s", false), "Thing: 's' must be a boolean, got \"x\"", st::ValueError);
  CHECK_THROWS_WITH_AS(in.reject_unread(), "Thing: argument(s) not recognized: 'extra'", st::ValueError);
}

TEST_CASE("layer names: given at construction, in construction order; clear_session restarts them") {
  st::clear_session();
  auto a = Dense(1);
  auto b = Dense(1);
  CHECK(b->name() == "dense_1");  // asked first, still the second name
  CHECK(a->name() == "dense");
  auto c = Conv2D(2, 3);
  CHECK(c->name() == "conv2d");
  st::clear_session();
  CHECK(Dense(1)->name() == "dense");
  CHECK(Dropout(0.5)->name() == "dropout");
  st::Sequential seq;
  CHECK(seq.name() == "sequential");
  auto x1 = Input({2});
  auto x2 = Input({2});
  CHECK(st::keras_history(x2)->layer->name() == "input_layer_1");
  CHECK(st::keras_history(x1)->layer->name() == "input_layer");
}

TEST_CASE("layer names: two threads asking for the name of an unnamed layer get the same one") {
  for (int round = 0; round < 20; ++round) {
    auto layer = std::make_shared<ScaleByLayer>(1.0);  // not through make_layer: named on first use
    std::string first, second;
    std::thread t1([&] { first = layer->name(); });
    std::thread t2([&] { second = layer->name(); });
    t1.join();
    t2.join();
    CHECK(first == second);
    CHECK(first.rfind("scale_by", 0) == 0);
  }
}
