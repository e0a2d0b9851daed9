#include "strata/layers/core/input_layer.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/tensor_impl.hpp"

namespace strata::layers {

InputLayer::InputLayer(const Shape& shape, InputOptions options) : Layer(options.name, options.dtype) {
  std::vector<std::int64_t> dims{options.batch_size.value_or(-1)};
  dims.insert(dims.end(), shape.begin(), shape.end());
  batch_shape_ = Shape(dims);
  set_built(true);
}

Config InputLayer::get_config() const {
  Config config = Layer::get_config();
  Config shape = Config::array();
  for (auto d : batch_shape_) shape.push_back(d < 0 ? Config(nullptr) : Config(d));
  config["batch_shape"] = shape;
  config["sparse"] = false;
  config.erase("trainable");
  return config;
}

Tensor Input(const Shape& shape, InputOptions options) {
  auto layer = make_layer<InputLayer>(shape, options).ptr();
  return symbolic_tensor(layer->batch_shape(), options.dtype, std::make_shared<KerasHistory>(KerasHistory{layer}));
}

std::shared_ptr<InputLayer> input_layer_of(const Tensor& tensor) {
  auto history = keras_history(tensor);
  return history ? std::dynamic_pointer_cast<InputLayer>(history->layer) : nullptr;
}

}  // namespace strata::layers
