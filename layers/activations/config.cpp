// The from_config factories of the activation layers.
#include "strata/layers/activations/fields.hpp"
#include "strata/layers/activations/prelu.hpp"
#include "strata/layers/activations/softmax.hpp"
#include "strata/layers/activations/thresholded_relu.hpp"
#include "strata/layers/builtin.hpp"

namespace strata::layers::detail {

namespace {

LayerPtr relu(const Config& c) {
  const LayerConfigReader in(c, "ReLU");
  ReLUOptions o;
  read_fields(relu_fields(), in, o);
  o.name = in.name();
  o.dtype = in.dtype();
  return make_layer<ReLULayer>(std::move(o)).ptr();
}

LayerPtr leaky_relu(const Config& c) {
  const LayerConfigReader in(c, "LeakyReLU");
  LeakyReLUOptions o{.name = in.name(), .dtype = in.dtype()};
  read_fields(leaky_relu_fields(), in, o);
  return make_layer<LeakyReLULayer>(std::move(o)).ptr();
}

LayerPtr elu(const Config& c) {
  const LayerConfigReader in(c, "ELU");
  ELUOptions o{.name = in.name(), .dtype = in.dtype()};
  read_fields(elu_fields(), in, o);
  return make_layer<ELULayer>(std::move(o)).ptr();
}

LayerPtr thresholded_relu(const Config& c) {
  const LayerConfigReader in(c, "ThresholdedReLU");
  if (const Config* theta = in.find_raw("theta"); theta && theta->is_null())
    throw ValueError("ThresholdedReLU '" + in.name() + "': theta cannot be None, requires a float");
  return make_layer<ThresholdedReLULayer>(ThresholdedReLUOptions{in.number("theta", 1.0), in.name(), in.dtype()}).ptr();
}

LayerPtr softmax(const Config& c) {
  const LayerConfigReader in(c, "Softmax");
  const auto axes = in.axes("axis");
  if (axes.size() > 1) in.not_implemented("several axes are not supported");
  return make_layer<SoftmaxLayer>(SoftmaxOptions{axes.empty() ? -1 : axes[0], in.name(), in.dtype()}).ptr();
}

LayerPtr prelu(const Config& c) {
  const LayerConfigReader in(c, "PReLU");
  PReLUOptions o;
  o.alpha_initializer = in.initializer("alpha_initializer", "zeros");
  o.alpha_regularizer = in.regularizer("alpha_regularizer");
  o.alpha_constraint = in.constraint("alpha_constraint");
  o.shared_axes = in.axes("shared_axes");
  o.name = in.name();
  o.dtype = in.dtype();
  return make_layer<PReLULayer>(std::move(o)).ptr();
}

}  // namespace

void register_activation_layers(const AddLayer& add) {
  add("ReLU", relu);
  add("LeakyReLU", leaky_relu);
  add("ELU", elu);
  add("ThresholdedReLU", thresholded_relu);
  add("Softmax", softmax);
  add("PReLU", prelu);
}

}  // namespace strata::layers::detail
