// predict's traced step (models/step_functions.*) against the normal path: a call of the model with
// training false and nothing recorded, which must give the same bits.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "strata/framework/autodiff/record.hpp"
#include "strata/strata.hpp"

namespace st = strata;
using namespace strata::layers;
using st::Shape;
using st::Tensor;

namespace {

// The normal path: Layer::operator() on the model, as predict_step does eagerly.
Tensor normal_call(st::Model& model, const Tensor& x) {
  st::autodiff::NoRecordScope no_record;
  return model(x, false);
}

std::vector<Tensor> normal_apply(st::Model& model, const std::vector<Tensor>& xs) {
  st::autodiff::NoRecordScope no_record;
  return model.apply(xs, false);
}

// Bit-for-bit equality (same shape, dtype and values).
void check_same(const Tensor& got, const Tensor& want) {
  REQUIRE(got.shape() == want.shape());
  REQUIRE(got.dtype() == want.dtype());
  const auto a = st::cast(got, st::float64).to_vector<double>();
  const auto b = st::cast(want, st::float64).to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == b[i]);
}

}  // namespace

TEST_CASE("predict function: the main job's MLP with Dropout gives the normal path's bits at any batch size") {
  st::set_random_seed(7);
  st::Sequential model({Input({28, 28}), Flatten(), Dense(256, "relu"), Dropout(0.5), Dense(128, "relu"), Dense(10)});
  for (std::int64_t batch : {1, 3, 17, 1}) {
    auto x = st::uniform({batch, 28, 28});
    check_same(model.predict_on_batch(x), normal_call(model, x));
    check_same(model.predict_on_batch(x), normal_call(model, x));  // the replay
  }
  CHECK(model.step_trace_count("predict") == 3);
  // predict (batches of 4, the last one short) through the model's traced step. (Each batch against
  // the normal path on the same batch: BLAS may sum in another order for another number of rows.)
  auto x = st::uniform({10, 28, 28});
  const Tensor all = model.predict(x, {.batch_size = 4, .verbose = 0});
  for (std::int64_t begin : {0, 4, 8}) {
    const std::int64_t end = std::min<std::int64_t>(begin + 4, 10);
    check_same(st::slice(all, 0, begin, end), normal_call(model, st::slice(x, 0, begin, end)));
  }
}

TEST_CASE("predict function: a result is never overwritten by the next call") {
  st::set_random_seed(8);
  st::Sequential model({Input({6}), Dense(5, "relu"), Dense(3)});
  auto x1 = st::uniform({2, 6});
  auto x2 = st::uniform({2, 6}, {.minval = 2.0, .maxval = 3.0});
  const Tensor y1 = model.predict_on_batch(x1);
  const auto values = y1.to_vector<float>();
  const Tensor y2 = model.predict_on_batch(x2);  // y1 is held: a new buffer
  CHECK(y1.to_vector<float>() == values);
  check_same(y2, normal_call(model, x2));
  // A view of a result holds it too.
  const Tensor view = st::reshape(model.predict_on_batch(x1), Shape{6});
  const auto view_values = view.to_vector<float>();
  model.predict_on_batch(x2);
  CHECK(view.to_vector<float>() == view_values);
}

TEST_CASE("predict function: convolution, normalization and other activations among planned layers") {
  st::set_random_seed(9);
  auto bn = BatchNormalization();
  st::Sequential model({Input({8, 8, 2}), Conv2D(4, 3, "relu"), bn, MaxPooling2D(2), Flatten(),
                        Dense(16, "tanh"), GaussianNoise(0.3), GaussianDropout(0.2), Dropout(0.3),
                        Dense(7, {.use_bias = false}), Dense(3, "softmax")});
  // Moving statistics away from their initial values, so that normalization does something.
  model.compile({.optimizer = st::optimizers::SGD(0.01), .loss = st::losses::MeanSquaredError()});
  auto xs = st::uniform({16, 8, 8, 2});
  model.fit(xs, st::uniform({16, 3}), {.epochs = 1, .batch_size = 8, .verbose = 0});
  for (std::int64_t batch : {1, 5, 5}) {
    auto x = st::uniform({batch, 8, 8, 2});
    check_same(model.predict_on_batch(x), normal_call(model, x));
  }
}

TEST_CASE("predict function: a Functional model with branches, a shared layer and a merge") {
  st::set_random_seed(10);
  auto image = Input({4, 4}, {.name = "image"});
  auto meta = Input({3}, {.name = "meta"});
  auto shared = Dense(6, "relu");
  auto a = shared(Flatten()(image));
  auto b = Dense(6, "sigmoid")(meta);
  auto h = Concatenate()({a, b});
  auto h2 = Dropout(0.4)(h);
  auto cls = Dense(4, {.name = "class"})(h2);
  auto again = shared(Dense(16)(meta));  // the shared layer's second node
  st::Model model({image, meta}, {cls, again});
  const std::vector<Tensor> xs{st::uniform({2, 4, 4}), st::uniform({2, 3})};
  for (int call = 0; call < 2; ++call) {
    auto ys = model.predict_outputs(xs, {.verbose = 0});
    auto want = normal_apply(model, xs);
    REQUIRE(ys.size() == 2);
    check_same(ys[0], want[0]);
    check_same(ys[1], want[1]);
  }

  // One input, one output: through predict.
  auto in = Input({5});
  auto out = Dense(2)(Dropout(0.1)(Dense(8, "relu")(in)));
  st::Model small(in, out);
  auto x = st::uniform({3, 5});
  check_same(small.predict_on_batch(x), normal_call(small, x));
  // A wrong input shape raises the normal path's error.
  CHECK_THROWS_AS(small.predict_on_batch(st::uniform({3, 4})), st::ShapeError);

  // One input, two outputs.
  auto in2 = Input({5});
  auto h3 = Dense(4, "relu")(in2);
  st::Model two(in2, {Dense(2)(h3), Dense(3, "sigmoid")(h3)});
  auto both = two.predict_outputs(x, {.verbose = 0});
  std::vector<Tensor> want2;
  {
    st::autodiff::NoRecordScope no_record;  // (apply() on one input wants one output)
    want2 = two.call(std::vector<Tensor>{x}, false);
  }
  REQUIRE(both.size() == 2);
  check_same(both[0], want2[0]);
  check_same(both[1], want2[1]);
}

TEST_CASE("predict function: a Sequential changed after a predict is traced again") {
  st::set_random_seed(11);
  st::Sequential model({Input({4}), Dense(8, "relu")});
  auto x = st::uniform({2, 4});
  check_same(model.predict_on_batch(x), normal_call(model, x));
  model.add(Dense(3));
  const Tensor y = model.predict_on_batch(x);
  CHECK(y.shape() == Shape{2, 3});
  check_same(y, normal_call(model, x));
  model.pop();
  CHECK(model.predict_on_batch(x).shape() == Shape{2, 8});
}

TEST_CASE("predict function: inputs the model casts, subclasses and unbuilt models") {
  st::set_random_seed(12);
  st::Sequential model({Input({4}), Dense(3, "relu")});
  // float64 inputs are cast by the model.
  auto x64 = st::cast(st::uniform({2, 4}), st::float64);
  check_same(model.predict_on_batch(x64), normal_call(model, x64));
  check_same(model.predict_on_batch(x64), normal_call(model, x64));
  // Wrong last dimension: the normal path's error.
  CHECK_THROWS_AS(model.predict_on_batch(st::uniform({2, 5})), st::ShapeError);

  // A subclass that overrides call keeps its call.
  class Doubled : public st::Sequential {
   public:
    using st::Sequential::Sequential;
    Tensor call(const Tensor& inputs, bool training) override { return st::Sequential::call(inputs, training) * 2.0f; }
  };
  auto doubled = std::make_shared<Doubled>(std::vector<st::SequentialItem>{Input({4}), Dense(3)});
  auto x = st::uniform({2, 4});
  check_same(doubled->predict_on_batch(x), normal_call(*doubled, x));
  check_same(doubled->predict_on_batch(x), normal_call(*doubled, x));

  // No Input: layers are built inside the first trace, and the replay gives the same.
  st::Sequential lazy({Dense(5, "relu"), Dense(2)});
  const Tensor first = lazy.predict_on_batch(x);
  check_same(lazy.predict_on_batch(x), first);
  check_same(first, normal_call(lazy, x));
}
