#include "strata/layers/merging/concatenate.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"

namespace strata::layers {

ConcatenateLayer::ConcatenateLayer(ConcatenateOptions options) : Layer(options.name, options.dtype), axis_(options.axis) {}

std::vector<Shape> ConcatenateLayer::compute_output_shapes(const std::vector<Shape>& shapes) {
  std::string listed;
  for (const auto& s : shapes) listed += (listed.empty() ? "" : ", ") + s.to_string();
  auto fail = [&](const std::string& why) {
    throw ShapeError("Layer '" + name() + "' (Concatenate) " + why + "; got inputs of shapes " + listed);
  };
  if (shapes.size() < 2) fail("needs at least 2 inputs");
  const std::int64_t rank = shapes[0].rank();
  const std::int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
  if (axis < 0 || axis >= rank) fail("cannot concatenate along axis " + std::to_string(axis_));
  Shape out = shapes[0];
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    if (shapes[i].rank() != rank) fail("needs inputs of the same rank");
    for (std::int64_t d = 0; d < rank; ++d) {
      const std::int64_t a = out[d], b = shapes[i][d];
      if (d == axis) out[d] = a < 0 || b < 0 ? -1 : a + b;
      else if (a >= 0 && b >= 0 && a != b)
        fail("needs matching shapes except along the concatenation axis " + std::to_string(axis_));
      else if (a < 0) out[d] = b;
    }
  }
  return {out};
}

std::vector<Tensor> ConcatenateLayer::call(const std::vector<Tensor>& inputs, bool) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  compute_output_shapes(shapes);
  return {concat(inputs, axis_)};
}

Config ConcatenateLayer::get_config() const {
  Config config = Layer::get_config();
  config["axis"] = axis_;
  return config;
}

LayerHandle<ConcatenateLayer> Concatenate(ConcatenateOptions options) {
  return make_layer<ConcatenateLayer>(std::move(options));
}

}  // namespace strata::layers
