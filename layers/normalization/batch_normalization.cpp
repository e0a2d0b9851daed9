#include "strata/layers/normalization/batch_normalization.hpp"

#include <nlohmann/json.hpp>

#include "strata/layers/normalization/fields.hpp"

#include "strata/framework/autodiff/gradient_tape.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/reduction.hpp"

namespace strata::layers {

BatchNormalizationLayer::BatchNormalizationLayer(BatchNormalizationOptions options)
    : Layer(options.name, options.dtype), options_(std::move(options)), keras_version_(keras_version::current()) {
  if (!(options_.epsilon > 0))
    throw ValueError("BatchNormalization: epsilon must be positive, got " + std::to_string(options_.epsilon));
}

void BatchNormalizationLayer::build(const Shape& input_shape) {
  const int rank = input_shape.rank();
  const int axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (axis < 0 || axis >= rank || input_shape[static_cast<std::size_t>(axis)] < 0)
    throw ShapeError("Layer '" + name() + "' (BatchNormalization): axis " + std::to_string(options_.axis) +
                     " is not a known dimension of inputs of shape " + input_shape.to_string());
  axis_ = axis;
  rank_ = rank;
  const std::int64_t features = input_shape[static_cast<std::size_t>(axis)];
  if (options_.scale)
    gamma_ = add_weight("gamma", {features}, options_.gamma_initializer,
                        {.regularizer = options_.gamma_regularizer, .constraint = options_.gamma_constraint});
  if (options_.center)
    beta_ = add_weight("beta", {features}, options_.beta_initializer,
                       {.regularizer = options_.beta_regularizer, .constraint = options_.beta_constraint});
  moving_mean_ = add_weight("moving_mean", {features}, options_.moving_mean_initializer, {.trainable = false});
  moving_variance_ = add_weight("moving_variance", {features}, options_.moving_variance_initializer, {.trainable = false});
}

Tensor BatchNormalizationLayer::call(const Tensor& inputs, bool training) {
  const Shape& s = inputs.shape();
  const std::int64_t features = moving_mean_.shape()[0];
  if (s.rank() <= axis_ || s[static_cast<std::size_t>(axis_)] != features)
    throw ShapeError("Layer '" + name() + "' (BatchNormalization) was built for " + std::to_string(features) +
                     " features on axis " + std::to_string(axis_) + ", got inputs of shape " + s.to_string());
  // The statistics broadcast along every axis but `axis`.
  Shape broadcast(std::vector<std::int64_t>(static_cast<std::size_t>(s.rank()), 1));
  broadcast[static_cast<std::size_t>(axis_)] = features;
  std::vector<int> reduce;
  for (int i = 0; i < s.rank(); ++i)
    if (i != axis_) reduce.push_back(i);
  Tensor mean_, variance;
  if (training && trainable()) {
    mean_ = mean(inputs, Axes(reduce), true);
    variance = mean(square(inputs - mean_), Axes(reduce), true);
    const double m = options_.momentum;
    moving_mean_.assign(moving_mean_ * m + stop_gradient(reshape(mean_, Shape{features})) * (1.0 - m));
    const double n = static_cast<double>(inputs.size() / features);
    moving_variance_.assign(moving_variance_ * m +
                            stop_gradient(reshape(variance, Shape{features})) * (moving_variance_correction(n) * (1.0 - m)));
  } else {
    mean_ = reshape(moving_mean_, broadcast);
    variance = reshape(moving_variance_, broadcast);
  }
  Tensor y = (inputs - mean_) * rsqrt(variance + options_.epsilon);
  if (options_.scale) y = y * reshape(gamma_, broadcast);
  if (options_.center) y = y + reshape(beta_, broadcast);
  return y;
}

namespace {
// Where tf.keras 2 ran TensorFlow's fused kernel (float32 4-D / 5-D inputs, channels first or last).
bool fused_shape(int rank, int axis, DType dtype, bool five_d_too) {
  return dtype == float32 && ((rank == 4 && (axis == 1 || axis == 3)) || (five_d_too && rank == 5 && (axis == 1 || axis == 4)));
}
}  // namespace

double BatchNormalizationLayer::moving_variance_correction(double n) const {
  namespace kv = keras_version;
  if (kv::bn_multi_backend_unbiased(keras_version_)) return n / (n - (1.0 + options_.epsilon));
  if (kv::bn_fused_unbiased(keras_version_) && fused_shape(rank_, axis_, dtype(), kv::bn_fused_5d(keras_version_)) && n > 1)
    return n / (n - 1.0);
  return 1.0;
}

Config BatchNormalizationLayer::get_config() const {
  namespace kv = keras_version;
  const bool multi = kv::bn_multi_backend_unbiased(keras_version_);
  kv::note("BatchNormalization moving variance", kv::bn_multi_backend_unbiased, multi, keras_version_.text);
  if (rank_ == 4 || rank_ == 5) {
    const bool fused = !multi && kv::bn_fused_unbiased(keras_version_) &&
                       fused_shape(rank_, axis_, dtype(), kv::bn_fused_5d(keras_version_));
    if (fused_shape(rank_, axis_, dtype(), true))
      kv::note("BatchNormalization moving variance", rank_ == 5 ? kv::bn_fused_5d : kv::bn_fused_unbiased, fused,
               keras_version_.text);
  }
  Config config = Layer::get_config();
  detail::write_fields(detail::batch_normalization_fields(), options_, config);
  config["axis"] = options_.axis;
  config["synchronized"] = false;
  return config;
}

LayerHandle<BatchNormalizationLayer> BatchNormalization(BatchNormalizationOptions options) {
  return make_layer<BatchNormalizationLayer>(std::move(options));
}

}  // namespace strata::layers
