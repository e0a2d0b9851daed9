#include "strata/layers/recurrent/cells.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/array_ops.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/linalg.hpp"
#include "strata/framework/ops/math.hpp"

namespace strata::layers {

KerasCell::KerasCell(std::int64_t units, RecurrentOptions options, int gates, const char* kind)
    : RNNCell(options.name, options.dtype, options.dropout, options.recurrent_dropout, options.seed), units_(units),
      options_(std::move(options)), gates_(gates) {
  if (units <= 0) throw ValueError(std::string(kind) + ": units must be a positive integer, got " + std::to_string(units));
}

void KerasCell::build(const Shape& input_shape) {
  if (input_shape.empty() || input_shape.back() < 0)
    throw ShapeError("Layer '" + name() + "' (" + class_name() + ") needs a known number of input features, got shape " +
                     input_shape.to_string());
  kernel_ = add_weight("kernel", {input_shape.back(), gates_ * units_}, options_.kernel_initializer,
                       {.regularizer = options_.kernel_regularizer, .constraint = options_.kernel_constraint});
  recurrent_kernel_ = add_weight("recurrent_kernel", {units_, gates_ * units_}, options_.recurrent_initializer,
                                 {.regularizer = options_.recurrent_regularizer, .constraint = options_.recurrent_constraint});
  if (options_.use_bias)
    bias_ = add_weight("bias", bias_shape(), options_.bias_initializer,
                       {.regularizer = options_.bias_regularizer, .constraint = options_.bias_constraint});
}

Tensor KerasCell::project(const Tensor& inputs) {
  return project_with(inputs, kernel_, options_.use_bias ? input_bias() : Tensor());
}

// --- SimpleRNNCell ---

SimpleRNNCellLayer::SimpleRNNCellLayer(std::int64_t units, RecurrentOptions options)
    : KerasCell(units, std::move(options), 1, "SimpleRNNCell") {}

std::vector<Tensor> SimpleRNNCellLayer::step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool) {
  Tensor h = options_.activation(projected + matmul(recurrent_dropped(states.at(0)), recurrent_kernel_));
  return {h, h};
}

Config SimpleRNNCellLayer::get_config() const { return recurrent_cell_config(*this, units_, options_, false); }

// --- LSTMCell ---

LSTMCellLayer::LSTMCellLayer(std::int64_t units, RecurrentOptions options)
    : KerasCell(units, std::move(options), 4, "LSTMCell") {}

void LSTMCellLayer::build(const Shape& input_shape) {
  KerasCell::build(input_shape);
  if (options_.use_bias && options_.unit_forget_bias) {
    // Keras: bias_initializer for the i, c, o parts and ones for the forget gate.
    const auto& init = *options_.bias_initializer.get();
    autodiff::NoRecordScope no_record;
    bias_.assign(concat({init({units_}, dtype()), ones({units_}, dtype()), init({2 * units_}, dtype())}, 0));
  }
}

std::vector<Tensor> LSTMCellLayer::step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool) {
  const Tensor& c_prev = states.at(1);
  Tensor z = projected + matmul(recurrent_dropped(states.at(0)), recurrent_kernel_);
  auto g = split(z, 4, -1);
  const auto& ra = options_.recurrent_activation;
  Tensor i = ra(g[0]), f = ra(g[1]), o = ra(g[3]);
  Tensor c = f * c_prev + i * options_.activation(g[2]);
  Tensor h = o * options_.activation(c);
  return {h, h, c};
}

Config LSTMCellLayer::get_config() const {
  Config config = recurrent_cell_config(*this, units_, options_, true);
  config["unit_forget_bias"] = options_.unit_forget_bias;
  return config;
}

// --- GRUCell ---

GRUCellLayer::GRUCellLayer(std::int64_t units, RecurrentOptions options)
    : KerasCell(units, std::move(options), 3, "GRUCell") {}

Shape GRUCellLayer::bias_shape() const {
  return options_.reset_after ? Shape{2, 3 * units_} : Shape{3 * units_};
}

Tensor GRUCellLayer::input_bias() const {
  return options_.reset_after ? reshape(slice(bias_, 0, 0, 1), {3 * units_}) : Tensor(bias_);
}

std::vector<Tensor> GRUCellLayer::step_projected(const Tensor& projected, const std::vector<Tensor>& states, bool) {
  const Tensor h_prev = recurrent_dropped(states.at(0));
  auto x = split(projected, 3, -1);  // z, r, h parts of x W + b_input
  const auto& ra = options_.recurrent_activation;
  Tensor z, candidate;
  if (options_.reset_after) {
    Tensor inner = matmul(h_prev, recurrent_kernel_);
    if (options_.use_bias) inner = inner + reshape(slice(bias_, 0, 1, 2), {3 * units_});
    auto in = split(inner, 3, -1);
    z = ra(x[0] + in[0]);
    Tensor r = ra(x[1] + in[1]);
    candidate = options_.activation(x[2] + r * in[2]);
  } else {
    if (!recurrent_zr_.defined()) {
      recurrent_zr_ = slice(recurrent_kernel_, 1, 0, 2 * units_);
      recurrent_h_ = slice(recurrent_kernel_, 1, 2 * units_, 3 * units_);
    }
    auto in = split(matmul(h_prev, recurrent_zr_), 2, -1);
    z = ra(x[0] + in[0]);
    Tensor r = ra(x[1] + in[1]);
    candidate = options_.activation(x[2] + matmul(r * h_prev, recurrent_h_));
  }
  Tensor h = z * h_prev + (1.0 - z) * candidate;
  return {h, h};
}

void GRUCellLayer::end_sequence() {
  RNNCell::end_sequence();
  recurrent_zr_ = recurrent_h_ = Tensor();
}

Config GRUCellLayer::get_config() const {
  Config config = recurrent_cell_config(*this, units_, options_, true);
  config["reset_after"] = options_.reset_after;
  return config;
}

LayerHandle<SimpleRNNCellLayer> SimpleRNNCell(std::int64_t units, RecurrentOptions options) {
  return make_layer<SimpleRNNCellLayer>(units, std::move(options));
}
LayerHandle<LSTMCellLayer> LSTMCell(std::int64_t units, RecurrentOptions options) {
  return make_layer<LSTMCellLayer>(units, std::move(options));
}
LayerHandle<GRUCellLayer> GRUCell(std::int64_t units, RecurrentOptions options) {
  return make_layer<GRUCellLayer>(units, std::move(options));
}

}  // namespace strata::layers
