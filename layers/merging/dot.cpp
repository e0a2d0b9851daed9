#include "strata/layers/merging/dot.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

DotLayer::DotLayer(std::array<int, 2> axes, DotOptions options)
    : Layer(options.name, options.dtype), axes_(axes), options_(std::move(options)) {}

std::array<std::int64_t, 2> DotLayer::resolved_axes(const std::vector<Shape>& shapes) const {
  auto fail = [&](const std::string& why) {
    throw ShapeError("Layer '" + name() + "' (Dot) " + why + "; got inputs of shapes " +
                     (shapes.empty() ? std::string("none") : shapes[0].to_string()) +
                     (shapes.size() > 1 ? ", " + shapes[1].to_string() : std::string()));
  };
  if (shapes.size() != 2) fail("needs exactly 2 inputs");
  std::array<std::int64_t, 2> axes{};
  for (int i = 0; i < 2; ++i) {
    const std::int64_t rank = shapes[static_cast<std::size_t>(i)].rank();
    if (rank != 2 && rank != 3) fail("supports inputs of rank 2 or 3");
    axes[static_cast<std::size_t>(i)] = axes_[static_cast<std::size_t>(i)] < 0 ? axes_[static_cast<std::size_t>(i)] + rank
                                                                               : axes_[static_cast<std::size_t>(i)];
    if (axes[static_cast<std::size_t>(i)] < 1 || axes[static_cast<std::size_t>(i)] >= rank)
      fail("cannot take the dot product along axis " + std::to_string(axes_[static_cast<std::size_t>(i)]) +
           " (the batch axis 0 is excluded)");
  }
  const std::int64_t a = shapes[0][axes[0]], b = shapes[1][axes[1]];
  if (a >= 0 && b >= 0 && a != b)
    fail("needs the dot axes to have the same size, got " + std::to_string(a) + " and " + std::to_string(b));
  return axes;
}

std::vector<Shape> DotLayer::compute_output_shapes(const std::vector<Shape>& shapes) {
  const auto axes = resolved_axes(shapes);
  // Keras's batch_dot: the remaining axes of the first input, then those of the second.
  std::vector<std::int64_t> dims{shapes[0][0]};
  for (std::int64_t d = 1; d < shapes[0].rank(); ++d)
    if (d != axes[0]) dims.push_back(shapes[0][d]);
  for (std::int64_t d = 1; d < shapes[1].rank(); ++d)
    if (d != axes[1]) dims.push_back(shapes[1][d]);
  if (dims.size() == 1) dims.push_back(1);
  return {Shape(dims)};
}

std::vector<Tensor> DotLayer::call(const std::vector<Tensor>& inputs, bool) {
  const auto axes = resolved_axes({inputs[0].shape(), inputs[1].shape()});
  Tensor a = inputs[0], b = inputs[1];
  if (options_.normalize) {
    // Keras's l2_normalize: x / sqrt(max(sum(x^2), 1e-12)).
    auto normalized = [](const Tensor& x, std::int64_t axis) {
      return x / sqrt(maximum(sum(x * x, {static_cast<int>(axis)}, true), 1e-12));
    };
    a = normalized(a, axes[0]);
    b = normalized(b, axes[1]);
  }
  // Contract a's axis with b's as a batched matmul: a as (b, m, k), b as (b, k, n).
  if (a.rank() == 2) a = expand_dims(a, axes[0] == 1 ? 1 : 2);  // (b, 1, k)
  else if (axes[0] == 1) a = transpose(a, {0, 2, 1});
  if (b.rank() == 2) b = expand_dims(b, 2);  // (b, k, 1)
  else if (axes[1] == 2) b = transpose(b, {0, 2, 1});
  Tensor out = matmul(a, b);  // (b, m, n)
  Shape want = compute_output_shapes({inputs[0].shape(), inputs[1].shape()})[0];
  want[0] = inputs[0].shape()[0];
  return {reshape(out, want)};
}

Config DotLayer::get_config() const {
  Config config = Layer::get_config();
  config["axes"] = axes_[0] == axes_[1] ? Config(axes_[0]) : Config::array({axes_[0], axes_[1]});
  config["normalize"] = options_.normalize;
  return config;
}

LayerHandle<DotLayer> Dot(int axes, DotOptions options) { return make_layer<DotLayer>(std::array<int, 2>{axes, axes}, std::move(options)); }
LayerHandle<DotLayer> Dot(std::array<int, 2> axes, DotOptions options) {
  return make_layer<DotLayer>(axes, std::move(options));
}

}  // namespace strata::layers
