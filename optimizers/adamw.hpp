#pragma once
// AdamW, as keras.optimizers.AdamW: Adam with decoupled weight decay (w -= w * weight_decay * lr
// before each Adam step; the same as PyTorch's AdamW). weight_decay is required (default 0.004).
#include "strata/optimizers/adam.hpp"

namespace strata::optimizers {

struct AdamWOptions {
  LearningRate learning_rate = 0.001;
  std::optional<double> weight_decay = 0.004;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "adamw";
};

class AdamWOptimizer : public AdamOptimizer {
 public:
  explicit AdamWOptimizer(AdamWOptions options = {});
  std::string class_name() const override { return "AdamW"; }
  static std::shared_ptr<Optimizer> from_config(const Config& config);
};

std::shared_ptr<Optimizer> AdamW(AdamWOptions options = {});
std::shared_ptr<Optimizer> AdamW(LearningRate learning_rate);

}  // namespace strata::optimizers
