#pragma once
// Weight regularizers, as keras.regularizers: a penalty added to the training loss.
#include <memory>
#include <string>

#include "strata/framework/config.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::regularizers {

class Regularizer {
 public:
  virtual ~Regularizer() = default;
  virtual Tensor operator()(const Tensor& weights) const = 0;  // a scalar penalty
  virtual std::string class_name() const = 0;
  virtual Config get_config() const = 0;
};
using RegularizerPtr = std::shared_ptr<Regularizer>;

RegularizerPtr L1(double l1 = 0.01);
RegularizerPtr L2(double l2 = 0.01);
RegularizerPtr L1L2(double l1 = 0.0, double l2 = 0.0);
// "l1", "l2", "l1_l2" and the class names.
RegularizerPtr get(const std::string& name);
RegularizerPtr deserialize(const Config& config);
Config serialize(const Regularizer& regularizer);

}  // namespace strata::regularizers
