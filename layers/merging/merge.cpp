#include "strata/layers/merging/merge.hpp"

#include "strata/framework/ops/math.hpp"

namespace strata::layers {

namespace {

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ", ") + s.to_string();
  return out;
}

}  // namespace

Shape merge_shapes(const Layer& layer, const std::vector<Shape>& shapes) {
  auto fail = [&](const std::string& why) {
    throw ShapeError("Layer '" + layer.name() + "' (" + layer.class_name() + ") " + why + "; got inputs of shapes " +
                     shapes_text(shapes));
  };
  if (shapes.size() < 2) fail("needs at least 2 inputs");
  Shape out = shapes[0];
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    if (s.rank() != out.rank()) fail("needs inputs of the same rank");
    for (std::int64_t d = 0; d < out.rank(); ++d) {
      const std::int64_t a = out[d], b = s[d];
      if (a == b || b == 1) continue;
      if (a == 1) out[d] = b;
      else if (a < 0 || b < 0) out[d] = a < 0 ? b : a;  // unknown: the known one must fit at run time
      else fail("needs inputs whose shapes are equal or broadcastable");
    }
  }
  return out;
}

MergeLayer::MergeLayer(MergeMode mode, MergeOptions options) : Layer(options.name, options.dtype), mode_(mode) {}

std::string MergeLayer::class_name() const {
  switch (mode_) {
    case MergeMode::add: return "Add";
    case MergeMode::subtract: return "Subtract";
    case MergeMode::multiply: return "Multiply";
    case MergeMode::average: return "Average";
    case MergeMode::maximum: return "Maximum";
    case MergeMode::minimum: return "Minimum";
  }
  return "Merge";
}

void MergeLayer::build(const std::vector<Shape>& input_shapes) { compute_output_shapes(input_shapes); }

std::vector<Shape> MergeLayer::compute_output_shapes(const std::vector<Shape>& input_shapes) {
  if (mode_ == MergeMode::subtract && input_shapes.size() != 2)
    throw ShapeError("Layer '" + name() + "' (Subtract) needs exactly 2 inputs, got " +
                     std::to_string(input_shapes.size()));
  return {merge_shapes(*this, input_shapes)};
}

std::vector<Tensor> MergeLayer::call(const std::vector<Tensor>& inputs, bool) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  compute_output_shapes(shapes);
  Tensor out = inputs[0];
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    switch (mode_) {
      case MergeMode::add:
      case MergeMode::average: out = out + x; break;
      case MergeMode::subtract: out = out - x; break;
      case MergeMode::multiply: out = out * x; break;
      case MergeMode::maximum: out = maximum(out, x); break;
      case MergeMode::minimum: out = minimum(out, x); break;
    }
  }
  if (mode_ == MergeMode::average) out = out / static_cast<double>(inputs.size());
  return {out};
}

LayerHandle<MergeLayer> Add(MergeOptions options) { return make_layer<MergeLayer>(MergeMode::add, std::move(options)); }
LayerHandle<MergeLayer> Subtract(MergeOptions options) {
  return make_layer<MergeLayer>(MergeMode::subtract, std::move(options));
}
LayerHandle<MergeLayer> Multiply(MergeOptions options) {
  return make_layer<MergeLayer>(MergeMode::multiply, std::move(options));
}
LayerHandle<MergeLayer> Average(MergeOptions options) {
  return make_layer<MergeLayer>(MergeMode::average, std::move(options));
}
LayerHandle<MergeLayer> Maximum(MergeOptions options) {
  return make_layer<MergeLayer>(MergeMode::maximum, std::move(options));
}
LayerHandle<MergeLayer> Minimum(MergeOptions options) {
  return make_layer<MergeLayer>(MergeMode::minimum, std::move(options));
}

}  // namespace strata::layers
