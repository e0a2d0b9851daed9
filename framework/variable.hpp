#pragma once
// strata::Variable: a named, mutable tensor that a GradientTape watches automatically when it is
// trainable. A Variable is a Tensor (same handle), so it goes straight into ops.
#include <string>

#include "strata/framework/tensor.hpp"

namespace strata {

struct VariableOptions {
  std::string name = "Variable";
  bool trainable = true;
};

class Variable : public Tensor {
 public:
  Variable() = default;  // undefined until assigned from a Variable
  explicit Variable(const Tensor& initial_value, VariableOptions options = {});
  Variable(float value, VariableOptions options = {}) : Variable(Tensor(value), std::move(options)) {}
  Variable(double value, VariableOptions options = {}) : Variable(Tensor(value), std::move(options)) {}

  const std::string& name() const;
  bool trainable() const;
  void set_trainable(bool trainable);

  // Replace the value in place (same shape and dtype, else ValueError). Tensors read from the
  // variable earlier keep their old values.
  void assign(const Tensor& value);
  void assign_add(const Tensor& delta);
  void assign_sub(const Tensor& delta);
  // The current value as a plain tensor that later assigns do not change.
  Tensor value() const;
};

}  // namespace strata
