// A Functional graph must not keep its layers alive by itself once the model and the tensors are
// gone, also when a layer is applied to its own output.
#include <doctest/doctest.h>

#include <memory>

#include "strata/models/functional.hpp"
#include "strata/strata.hpp"

namespace st = strata;
using namespace strata::layers;

TEST_CASE("functional: a layer applied to its own output is freed with the model") {
  std::weak_ptr<st::Layer> weak;
  {
    auto x = Input({4});
    auto d = Dense(4);
    weak = d.ptr();
    auto y = d(d(x));
    st::Model model(x, y);
    auto out = model(st::ones({2, 4}));
    CHECK(out.shape() == st::Shape{2, 4});
    CHECK(model.layers().size() == 2);  // the input and d, once
    CHECK(model.graph()->steps().size() == 2);  // d twice (an input adds no step)
  }
  CHECK(weak.expired());
}

TEST_CASE("functional: temporaries called on symbolic tensors stay alive through the graph") {
  std::weak_ptr<st::Layer> weak;
  auto x = Input({3});
  st::Tensor y;
  {
    auto d = Dense(2);
    weak = d.ptr();
    y = d(Dense(5)(x));
  }
  CHECK_FALSE(weak.expired());  // y's history owns the layer
  st::Model model(x, y);
  CHECK(model(st::ones({1, 3})).shape() == st::Shape{1, 2});
}

TEST_CASE("functional: a self-applied layer keeps working when only its output is held") {
  auto x = Input({2});
  st::Tensor y;
  std::weak_ptr<st::Layer> weak;
  {
    auto d = Dense(2, {.kernel_initializer = "ones", .bias_initializer = "zeros"});
    weak = d.ptr();
    y = d(d(d(x)));
  }
  CHECK_FALSE(weak.expired());
  st::Model model(x, y);
  // ones kernel: each application sums the two inputs into both outputs.
  const auto out = model(st::ones({1, 2})).to_vector<float>();
  CHECK(out == std::vector<float>{8.0f, 8.0f});
}
