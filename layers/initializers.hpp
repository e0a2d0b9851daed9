#pragma once
// Weight initializers, as keras.initializers: objects with Keras's arguments, resolvable by name
// ("glorot_uniform", "zeros", ...). A seeded initializer gives the same values on every call; an
// unseeded one draws from the global generator (strata::set_random_seed).
#include <memory>
#include <optional>
#include <string>

#include "strata/framework/config.hpp"
#include "strata/framework/tensor.hpp"

namespace strata::initializers {

class Initializer {
 public:
  virtual ~Initializer() = default;
  virtual Tensor operator()(const Shape& shape, DType dtype = float32) const = 0;
  virtual std::string class_name() const = 0;  // Keras class name, e.g. "GlorotUniform"
  virtual Config get_config() const;           // Keras config (arguments only)
};

using InitializerPtr = std::shared_ptr<Initializer>;

// An initializer given by name ("glorot_uniform") or as an object.
class InitializerRef {
 public:
  InitializerRef(const char* name);
  InitializerRef(const std::string& name);
  InitializerRef(InitializerPtr initializer) : ptr_(std::move(initializer)) {}
  template <class T>
  InitializerRef(std::shared_ptr<T> initializer) : ptr_(std::move(initializer)) {}
  const InitializerPtr& get() const { return ptr_; }

 private:
  InitializerPtr ptr_;
};

// Keras names (snake_case, e.g. "glorot_uniform") and class names ("GlorotUniform").
InitializerPtr get(const std::string& name);
// From a Keras serialization {"class_name": ..., "config": {...}}.
InitializerPtr deserialize(const Config& config);
Config serialize(const Initializer& initializer);

struct SeedOption {
  std::optional<std::uint64_t> seed;
};
struct RandomNormalOptions {
  double mean = 0.0;
  double stddev = 0.05;
  std::optional<std::uint64_t> seed;
};
struct RandomUniformOptions {
  double minval = -0.05;
  double maxval = 0.05;
  std::optional<std::uint64_t> seed;
};
struct VarianceScalingOptions {
  double scale = 1.0;
  std::string mode = "fan_in";             // fan_in, fan_out, fan_avg
  std::string distribution = "truncated_normal";  // truncated_normal, untruncated_normal, uniform
  std::optional<std::uint64_t> seed;
};
struct OrthogonalOptions {
  double gain = 1.0;
  std::optional<std::uint64_t> seed;
};

InitializerPtr Zeros();
InitializerPtr Ones();
InitializerPtr Constant(double value = 0.0);
InitializerPtr Identity(double gain = 1.0);
InitializerPtr RandomNormal(RandomNormalOptions options = {});
InitializerPtr RandomUniform(RandomUniformOptions options = {});
InitializerPtr TruncatedNormal(RandomNormalOptions options = {});
InitializerPtr VarianceScaling(VarianceScalingOptions options = {});
InitializerPtr GlorotUniform(SeedOption options = {});
InitializerPtr GlorotNormal(SeedOption options = {});
InitializerPtr HeNormal(SeedOption options = {});
InitializerPtr HeUniform(SeedOption options = {});
InitializerPtr LecunNormal(SeedOption options = {});
InitializerPtr LecunUniform(SeedOption options = {});
InitializerPtr Orthogonal(OrthogonalOptions options = {});

// Keras's fan computation: (fan_in, fan_out) of a weight shape (receptive field for conv kernels).
std::pair<double, double> compute_fans(const Shape& shape);

}  // namespace strata::initializers
