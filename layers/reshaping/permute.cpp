#include "strata/layers/reshaping/permute.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "strata/framework/ops/array_ops.hpp"

namespace strata::layers {

namespace {
std::string dims_string(const std::vector<int>& dims) {
  std::string out = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + (dims.size() == 1 ? ",)" : ")");
}
}  // namespace

PermuteLayer::PermuteLayer(std::vector<int> dims, PermuteOptions options)
    : Layer(options.name, options.dtype), dims_(std::move(dims)) {
  auto sorted = dims_;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<int>(i) + 1)
      throw ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
                       "consecutive and start from 1. Received dims=" + dims_string(dims_));
}

void PermuteLayer::check_rank(const Shape& input_shape) {
  if (input_shape.rank() != static_cast<int>(dims_.size()) + 1)
    throw ShapeError("Layer '" + name() + "' (Permute) with dims " + dims_string(dims_) + " expects inputs of rank " +
                     std::to_string(dims_.size() + 1) + ", got shape " + input_shape.to_string());
}

Shape PermuteLayer::compute_output_shape(const Shape& input_shape) {
  check_rank(input_shape);
  std::vector<std::int64_t> out{input_shape[0]};
  for (int d : dims_) out.push_back(input_shape[static_cast<std::size_t>(d)]);
  return Shape(out);
}

Tensor PermuteLayer::call(const Tensor& inputs) {
  check_rank(inputs.shape());
  std::vector<int> perm{0};
  perm.insert(perm.end(), dims_.begin(), dims_.end());
  return transpose(inputs, perm);
}

Config PermuteLayer::get_config() const {
  Config config = Layer::get_config();
  config["dims"] = dims_;
  return config;
}

LayerHandle<PermuteLayer> Permute(std::vector<int> dims, PermuteOptions options) {
  return make_layer<PermuteLayer>(std::move(dims), std::move(options));
}

}  // namespace strata::layers
