// The weight names Strata writes in a legacy .h5 are the ones the Keras version the file declares
// writes, for every layer kind that has weights: readers that match weights by name (TensorFlow.js,
// converters) depend on them. The Keras-2-form writer (SaveOptions::keras2) and its round trip.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/models/saving/hdf5.hpp"
#include "strata/strata.hpp"
#include "support/test_helpers.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

const st::testing::TempDir temp_dir("saving_weight_names");
std::string temp(const std::string& name) { return temp_dir.file(name); }

// Keras's rule, from its source, as the expected names of the model below, weight by weight:
// - Keras 3.3.3 (keras/src/legacy/saving/legacy_h5_format.py: str(w.path)): the path of name scopes
//   open when the variable was made. Layer.build opens the layer's scope, so a sub-layer built in
//   its parent's build nests: RNN.build builds the cell ("lstm/lstm_cell/kernel", LSTM's cell is
//   always named "lstm_cell"), Bidirectional.build its forward and backward layers, TimeDistributed
//   (Wrapper.build) its layer ("td/td_dense/kernel"), MultiHeadAttention its query / key / value /
//   output projections. A Functional model's layers are built by the user's calls, in no scope
//   ("dense/kernel"); a Sequential builds its layers in its own ("inner/inner_dense/kernel").
// - tf.keras 2.15 (tf_keras/saving/legacy/hdf5_format.py: w.name): the TF name scope of the layer's
//   __call__ plus ":0". RNN.build opens the cell's scope (base_rnn.py), Bidirectional.build its
//   children's, TimeDistributed (base_wrapper.py) builds its layer in its own scope only
//   ("td/kernel:0"); MultiHeadAttention calls its EinsumDense projections ("mha/query/kernel:0").
//   Models open no scope around their layers ("inner_dense/kernel:0").
struct Expected {
  const char* group;  // the layer's group in model_weights
  std::vector<std::string> keras3;
  std::vector<std::string> keras2;
};

// keras3 names; the tf.keras 2 ones are the same with ":0", less a Sequential's prefix and the
// TimeDistributed layer's scope, given explicitly where they differ.
std::vector<Expected> expected_names() {
  auto both = [](const char* group, std::vector<std::string> keras3) {
    std::vector<std::string> keras2;
    for (const auto& n : keras3) keras2.push_back(n + ":0");
    return Expected{group, keras3, keras2};
  };
  return {
      both("dense", {"dense/kernel", "dense/bias"}),
      both("conv1d", {"conv1d/kernel", "conv1d/bias"}),
      both("conv1d_t", {"conv1d_t/kernel", "conv1d_t/bias"}),
      both("simple_rnn", {"simple_rnn/simple_rnn_cell/kernel", "simple_rnn/simple_rnn_cell/recurrent_kernel",
                          "simple_rnn/simple_rnn_cell/bias"}),
      both("lstm", {"lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"}),
      both("gru", {"gru/gru_cell/kernel", "gru/gru_cell/recurrent_kernel", "gru/gru_cell/bias"}),
      both("rnn", {"rnn/my_cell/kernel", "rnn/my_cell/recurrent_kernel", "rnn/my_cell/bias"}),
      both("bi", {"bi/forward_bi_lstm/lstm_cell/kernel", "bi/forward_bi_lstm/lstm_cell/recurrent_kernel",
                  "bi/forward_bi_lstm/lstm_cell/bias", "bi/backward_bi_lstm/lstm_cell/kernel",
                  "bi/backward_bi_lstm/lstm_cell/recurrent_kernel", "bi/backward_bi_lstm/lstm_cell/bias"}),
      Expected{"td", {"td/td_dense/kernel", "td/td_dense/bias"}, {"td/kernel:0", "td/bias:0"}},
      both("layer_norm", {"layer_norm/gamma", "layer_norm/beta"}),
      both("mha", {"mha/query/kernel", "mha/query/bias", "mha/key/kernel", "mha/key/bias", "mha/value/kernel",
                   "mha/value/bias", "mha/attention_output/kernel", "mha/attention_output/bias"}),
      both("additive_attention", {"additive_attention/scale"}),
      both("conv2d", {"conv2d/kernel", "conv2d/bias"}),
      both("depthwise", {"depthwise/depthwise_kernel", "depthwise/bias"}),
      both("separable", {"separable/depthwise_kernel", "separable/pointwise_kernel", "separable/bias"}),
      both("conv2d_t", {"conv2d_t/kernel", "conv2d_t/bias"}),
      both("batch_norm",
           {"batch_norm/gamma", "batch_norm/beta", "batch_norm/moving_mean", "batch_norm/moving_variance"}),
      both("group_norm", {"group_norm/gamma", "group_norm/beta"}),
      both("prelu", {"prelu/alpha"}),
      both("conv3d", {"conv3d/kernel", "conv3d/bias"}),
      both("embedding", {"embedding/embeddings"}),
      Expected{"inner",
               {"inner/inner_dense/kernel", "inner/inner_dense/bias"},
               {"inner_dense/kernel:0", "inner_dense/bias:0"}},
  };
}

// One of every layer kind with weights, named so that the expected names above are Keras's.
std::shared_ptr<st::Model> every_weighted_layer() {
  st::set_random_seed(5);
  auto vec = Input({6}, {.name = "vec"});
  auto seq = Input({5, 3}, {.name = "seq"});
  auto img = Input({6, 6, 2}, {.name = "img"});
  auto vol = Input({4, 4, 4, 1}, {.name = "vol"});
  auto tok = Input({5}, {.name = "tok"});
  auto inner = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({6}), Dense(2, {.name = "inner_dense"})}, "inner");
  std::vector<st::Tensor> outs = {
      Dense(3, {.name = "dense"})(vec),
      Conv1D(2, 3, {.name = "conv1d"})(seq),
      Conv1DTranspose(2, 3, {.name = "conv1d_t"})(seq),
      SimpleRNN(2, {.name = "simple_rnn"})(seq),
      LSTM(2, {.name = "lstm"})(seq),
      GRU(2, {.name = "gru"})(seq),
      RNN(LSTMCell(2, {.name = "my_cell"}), {.name = "rnn"})(seq),
      Bidirectional(LSTM(2, {.name = "bi_lstm"}), {.name = "bi"})(seq),
      TimeDistributed(Dense(2, {.name = "td_dense"}).ptr(), {.name = "td"})(seq),
      LayerNormalization({.name = "layer_norm"})(seq),
      MultiHeadAttention(2, 2, {.name = "mha"})({seq, seq}),
      AdditiveAttention({.name = "additive_attention"})({seq, seq}),
      Conv2D(2, 3, {.name = "conv2d"})(img),
      DepthwiseConv2D(3, {.name = "depthwise"})(img),
      SeparableConv2D(2, 3, {.name = "separable"})(img),
      Conv2DTranspose(2, 3, {.name = "conv2d_t"})(img),
      BatchNormalization({.name = "batch_norm"})(img),
      GroupNormalization({.groups = 2, .name = "group_norm"})(img),
      PReLU({.name = "prelu"})(img),
      Conv3D(2, 2, {.name = "conv3d"})(vol),
      Embedding(7, 3, {.name = "embedding"})(tok),
      (*inner)(vec),
  };
  return std::make_shared<st::Model>(std::vector<st::Tensor>{vec, seq, img, vol, tok}, outs,
                                     st::ModelOptions{"every_weighted_layer"});
}

void check_names(const std::string& path, bool keras2) {
  auto file = st::saving::hdf5::File::open(path);
  CHECK(file.read_string_attribute("keras_version") == (keras2 ? "2.15.0" : "3.3.3"));
  auto weights = file.open_group("model_weights");
  for (const auto& e : expected_names()) {
    CAPTURE(e.group);
    REQUIRE(weights.has_group(e.group));
    auto g = weights.open_group(e.group);
    const auto& names = keras2 ? e.keras2 : e.keras3;
    CHECK(g.read_string_list_attribute("weight_names") == names);
    for (const auto& n : names) CHECK(g.has_dataset(n));
  }
}

}  // namespace

TEST_CASE("saving: weight names in a legacy .h5 are Keras 3.3.3's variable paths") {
  auto model = every_weighted_layer();
  const std::string path = temp("names_keras3.h5");
  model->save(path);
  check_names(path, false);
  // Keras loads such a file by position: so does Strata, to the same values.
  auto back = st::models::load_model(path);
  const auto a = model->get_weights(), b = back->get_weights();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].to_vector<float>() == b[i].to_vector<float>());
}

TEST_CASE("saving: a Sequential's weights are under its name in Keras 3, not in tf.keras 2") {
  auto model = std::make_shared<st::Sequential>(
      std::vector<st::SequentialItem>{Input({3, 4}), LSTM(2, {.return_sequences = true, .name = "l"}),
                                      TimeDistributed(Dense(1, {.name = "d"}).ptr(), {.name = "t"})},
      "seq");
  const std::string k3 = temp("seq_k3.h5"), k2 = temp("seq_k2.h5"), w2 = temp("seq_k2_weights.h5");
  model->save(k3);
  model->save(k2, {.keras2 = true});
  model->save_weights(w2, {.keras2 = true});
  auto f3 = st::saving::hdf5::File::open(k3), f2 = st::saving::hdf5::File::open(k2);
  CHECK(f3.open_group("model_weights/t").read_string_list_attribute("weight_names") ==
        std::vector<std::string>{"seq/t/d/kernel", "seq/t/d/bias"});
  CHECK(f3.open_group("model_weights/l").read_string_list_attribute("weight_names") ==
        std::vector<std::string>{"seq/l/lstm_cell/kernel", "seq/l/lstm_cell/recurrent_kernel", "seq/l/lstm_cell/bias"});
  CHECK(f2.open_group("model_weights/t").read_string_list_attribute("weight_names") ==
        std::vector<std::string>{"t/kernel:0", "t/bias:0"});
  auto fw = st::saving::hdf5::File::open(w2);
  CHECK(fw.read_string_attribute("keras_version") == "2.15.0");
  CHECK(fw.open_group("l").read_string_list_attribute("weight_names") ==
        std::vector<std::string>{"l/lstm_cell/kernel:0", "l/lstm_cell/recurrent_kernel:0", "l/lstm_cell/bias:0"});
}

TEST_CASE("saving: Keras 2 form: weight names are tf.keras 2.15's") {
  auto model = every_weighted_layer();
  const std::string path = temp("names_keras2.h5");
  model->save(path, {.keras2 = true});
  check_names(path, true);
}

TEST_CASE("saving: Keras 2 form: the config is spelled as tf.keras 2 writes it") {
  auto model = every_weighted_layer();
  const std::string path = temp("config_keras2.h5");
  model->save(path, {.keras2 = true});
  auto file = st::saving::hdf5::File::open(path);
  CHECK(file.read_string_attribute("backend") == "tensorflow");
  const auto config = nlohmann::json::parse(file.read_string_attribute("model_config"));
  auto json = nlohmann::json::parse(model->to_json({.keras2 = true}));  // to_json writes the same form
  CHECK(json["keras_version"] == "2.15.0");
  CHECK(json["class_name"] == config["class_name"]);
  CHECK(json["config"] == config["config"]);
  CHECK(config["class_name"] == "Functional");
  CHECK_FALSE(config.contains("module"));
  const std::string text = config.dump();
  CHECK(text.find("\"module\"") == std::string::npos);
  CHECK(text.find("\"registered_name\"") == std::string::npos);
  CHECK(text.find("\"batch_shape\"") == std::string::npos);
  CHECK(text.find("\"build_config\"") == std::string::npos);
  CHECK(text.find("DTypePolicy") == std::string::npos);
  CHECK(text.find("OrthogonalInitializer") == std::string::npos);
  std::map<std::string, nlohmann::json> layers;
  for (const auto& l : config["config"]["layers"]) layers[l["name"].get<std::string>()] = l;
  CHECK(layers["vec"]["config"]["batch_input_shape"] == nlohmann::json::array({nullptr, 6}));
  CHECK(layers["vec"]["inbound_nodes"] == nlohmann::json::array());
  CHECK(layers["dense"]["inbound_nodes"] == nlohmann::json::parse(R"([[["vec", 0, 0, {}]]])"));
  CHECK(layers["dense"]["config"]["dtype"] == "float32");
  CHECK(layers["dense"]["config"]["kernel_initializer"] ==
        nlohmann::json::parse(R"({"class_name": "GlorotUniform", "config": {"seed": null}})"));
  CHECK(layers["lstm"]["config"]["recurrent_initializer"]["class_name"] == "Orthogonal");
  CHECK(layers["mha"]["inbound_nodes"] == nlohmann::json::parse(R"([[["seq", 0, 0, {}], ["seq", 0, 0, {}]]])"));
  // The nested Sequential starts with an InputLayer: its first call is node 1, as tf.keras 2 counts.
  CHECK(layers["inner"]["class_name"] == "Sequential");
  CHECK(layers["inner"]["config"]["layers"][0]["config"]["batch_input_shape"] == nlohmann::json::array({nullptr, 6}));
  bool found = false;
  for (const auto& o : config["config"]["output_layers"])
    if (o[0] == "inner") {
      CHECK(o == nlohmann::json::array({"inner", 1, 0}));
      found = true;
    }
  CHECK(found);
}

TEST_CASE("saving: Keras 2 form loads back equal (legacy .h5, to_json, save_weights)") {
  st::set_random_seed(9);
  auto x = Input({5, 3}, {.name = "x"});
  auto h = LSTM(4, {.return_sequences = true, .name = "lstm"})(x);
  h = Bidirectional(GRU(3, {.return_sequences = true}), {.name = "bi"})(h);
  h = TimeDistributed(Dense(2, "tanh").ptr(), {.name = "td"})(h);
  auto y = Dense(1, {.name = "out"})(Flatten()(BatchNormalization({.name = "bn"})(h)));
  auto model = std::make_shared<st::Model>(std::vector<st::Tensor>{x}, std::vector<st::Tensor>{y});
  const st::Tensor input = st::reshape(st::testing::inputs(2, 15), st::Shape{2, 5, 3});
  const auto expected = model->predict(input).to_vector<float>();

  const std::string path = temp("roundtrip_keras2.h5");
  model->save(path, {.keras2 = true});
  auto back = st::models::load_model(path);
  CHECK(back->predict(input).to_vector<float>() == expected);
  CHECK(back->get_config() == model->get_config());

  auto from_json = st::models::model_from_json(model->to_json({.keras2 = true}));
  CHECK(nlohmann::json::parse(model->to_json({.keras2 = true}))["keras_version"] == "2.15.0");
  const std::string weights = temp("roundtrip_keras2_weights.h5");
  model->save_weights(weights, {.keras2 = true});
  from_json->load_weights(weights);
  CHECK(from_json->predict(input).to_vector<float>() == expected);

  CHECK_THROWS_AS(model->save(temp("k2.keras"), {.keras2 = true}), st::ValueError);
  CHECK_THROWS_AS(model->save_weights(temp("k2.weights.h5"), {.keras2 = true}), st::ValueError);
}

TEST_CASE("saving: Keras 2 form of every layer kind reads back to the same config") {
  auto vec = Input({6}, {.name = "vec"});
  auto seq = Input({5, 3}, {.name = "seq"});
  auto img = Input({6, 6, 2}, {.name = "img"});
  auto vol = Input({4, 4, 4, 1}, {.name = "vol"});
  auto tok = Input({5}, {.name = "tok"});
  std::vector<st::Tensor> outs = {
      Dense(3)(vec),
      Conv1D(2, 3)(seq),
      Conv1DTranspose(2, 3)(seq),
      SimpleRNN(2)(seq),
      LSTM(2)(seq),
      GRU(2)(seq),
      RNN(LSTMCell(2))(seq),
      RNN(GRUCell(2))(seq),
      RNN(SimpleRNNCell(2))(seq),
      Bidirectional(LSTM(2))(seq),
      TimeDistributed(Dense(2).ptr())(seq),
      LayerNormalization()(seq),
      MultiHeadAttention(2, 2)({seq, seq}),
      AdditiveAttention()({seq, seq}),
      Attention()({seq, seq}),
      Conv2D(2, 3)(img),
      DepthwiseConv2D(3)(img),
      SeparableConv2D(2, 3)(img),
      Conv2DTranspose(2, 3)(img),
      BatchNormalization()(img),
      GroupNormalization({.groups = 2})(img),
      PReLU()(img),
      Conv3D(2, 2)(vol),
      Embedding(7, 3)(tok),
      Activation("relu")(vec),
      Dropout(0.5)(vec),
      Flatten()(img),
      Masking()(seq),
      ELU()(vec),
      LeakyReLU()(vec),
      ReLU()(vec),
      Softmax()(vec),
      ThresholdedReLU()(vec),
      Concatenate()({vec, vec}),
      Dot(1)({vec, vec}),
      Add()({vec, vec}),
      Subtract()({vec, vec}),
      Multiply()({vec, vec}),
      Average()({vec, vec}),
      Maximum()({vec, vec}),
      Minimum()({vec, vec}),
      UnitNormalization()(vec),
      GlobalMaxPooling1D()(seq),
      GlobalAveragePooling2D()(img),
      GlobalMaxPooling3D()(vol),
      MaxPooling1D()(seq),
      AveragePooling2D()(img),
      MaxPooling3D()(vol),
      ActivityRegularization()(vec),
      AlphaDropout(0.1)(vec),
      GaussianDropout(0.1)(vec),
      GaussianNoise(0.1)(vec),
      SpatialDropout1D(0.1)(seq),
      SpatialDropout2D(0.1)(img),
      Cropping1D()(seq),
      Cropping2D()(img),
      Permute({2, 1})(seq),
      RepeatVector(2)(vec),
      Reshape({3, 2})(vec),
      UpSampling1D()(seq),
      UpSampling2D()(img),
      ZeroPadding1D()(seq),
      ZeroPadding2D()(img),
      ZeroPadding3D()(vol),
      Cropping3D()(vol),
      UpSampling3D()(vol),
  };
  st::Model m(std::vector<st::Tensor>{vec, seq, img, vol, tok}, outs);
  const std::string json = m.to_json({.keras2 = true});
  for (const char* keras3_only : {"\"module\"", "\"registered_name\"", "\"batch_shape\"", "\"negative_slope\": 0.3"})
    CHECK(json.find(keras3_only) == std::string::npos);
  auto back = st::models::model_from_json(json);
  const auto a = m.get_config(), b = back->get_config();
  REQUIRE(a["layers"].size() == b["layers"].size());
  for (std::size_t i = 0; i < a["layers"].size(); ++i) {
    CAPTURE(a["layers"][i]["name"]);
    CHECK(a["layers"][i] == b["layers"][i]);
  }
  CHECK(a == b);
}
