#pragma once
// Weight constraints, as keras.constraints: a projection applied to a weight after each update.
#include <memory>
#include <string>
#include <vector>

#include "strata/framework/config.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::constraints {

class Constraint {
 public:
  virtual ~Constraint() = default;
  virtual Tensor operator()(const Tensor& weights) const = 0;  // the projected weights
  virtual std::string class_name() const = 0;
  virtual Config get_config() const = 0;
};
using ConstraintPtr = std::shared_ptr<Constraint>;

ConstraintPtr MaxNorm(double max_value = 2.0, std::vector<int> axis = {0});
ConstraintPtr MinMaxNorm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0, std::vector<int> axis = {0});
ConstraintPtr NonNeg();
ConstraintPtr UnitNorm(std::vector<int> axis = {0});
// "max_norm", "min_max_norm", "non_neg", "unit_norm" and the class names.
ConstraintPtr get(const std::string& name);
ConstraintPtr deserialize(const Config& config);
Config serialize(const Constraint& constraint);

}  // namespace strata::constraints
