#include "strata/layers/initializers.hpp"

#include "strata/framework/config_reader.hpp"
#include "strata/layers/initializer_registry.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "strata/framework/errors.hpp"
#include "strata/framework/naming.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/framework/ops/math.hpp"
#include "strata/framework/ops/random.hpp"
#include "strata/framework/registry.hpp"

namespace strata::initializers {

namespace {

Config seed_config(const std::optional<std::uint64_t>& seed) { return seed ? Config(*seed) : Config(nullptr); }

// The initializer classes read their configs with the shared reader (unknown keys ignored).
ConfigReader reader(const Config& config) { return ConfigReader(config, "Initializer config"); }
void check_floating(DType dtype, const std::string& who) {
  if (!is_floating(dtype))
    throw DTypeError(who + " can only produce floating tensors, got dtype " + std::string(dtype_name(dtype)));
}

// --- constant initializers ---

class ConstantInitializer : public Initializer {
 public:
  ConstantInitializer(double value, std::string name) : value_(value), name_(std::move(name)) {}
  Tensor operator()(const Shape& shape, DType dtype) const override { return full(shape, value_, dtype); }
  std::string class_name() const override { return name_; }
  Config get_config() const override {
    if (name_ == "Constant") return Config{{"value", value_}};
    return Config::object();
  }

 private:
  double value_;
  std::string name_;  // Zeros, Ones or Constant
};

class IdentityInitializer : public Initializer {
 public:
  explicit IdentityInitializer(double gain) : gain_(gain) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    if (shape.rank() != 2)
      throw ValueError("Identity matrix initializer can only be used for 2D matrices. Received: shape=" +
                       shape.to_string() + " of rank " + std::to_string(shape.rank()) + ".");
    return eye(shape[0], shape[1], dtype) * gain_;
  }
  std::string class_name() const override { return "IdentityInitializer"; }
  Config get_config() const override { return Config{{"gain", gain_}}; }

 private:
  double gain_;
};

// --- random initializers ---

class RandomNormalInitializer : public Initializer {
 public:
  RandomNormalInitializer(RandomNormalOptions options, bool truncated) : options_(options), truncated_(truncated) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_floating(dtype, class_name());
    NormalOptions normal_options{.mean = options_.mean, .stddev = options_.stddev, .dtype = dtype, .seed = options_.seed};
    return truncated_ ? truncated_normal(shape, normal_options) : normal(shape, normal_options);
  }
  std::string class_name() const override { return truncated_ ? "TruncatedNormal" : "RandomNormal"; }
  Config get_config() const override {
    return Config{{"mean", options_.mean}, {"stddev", options_.stddev}, {"seed", seed_config(options_.seed)}};
  }

 private:
  RandomNormalOptions options_;
  bool truncated_;
};

class RandomUniformInitializer : public Initializer {
 public:
  explicit RandomUniformInitializer(RandomUniformOptions options) : options_(options) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_floating(dtype, class_name());
    return uniform(shape, {.minval = options_.minval, .maxval = options_.maxval, .dtype = dtype, .seed = options_.seed});
  }
  std::string class_name() const override { return "RandomUniform"; }
  Config get_config() const override {
    return Config{{"minval", options_.minval}, {"maxval", options_.maxval}, {"seed", seed_config(options_.seed)}};
  }

 private:
  RandomUniformOptions options_;
};

// The stddev of a standard normal truncated to [-2, 2]: scipy.stats.truncnorm.std(a=-2, b=2).
constexpr double kTruncatedNormalStddev = 0.87962566103423978;

class VarianceScalingInitializer : public Initializer {
 public:
  // `name` is the class name it serializes as: VarianceScaling, or a preset (GlorotUniform, ...)
  // whose config holds only the seed.
  VarianceScalingInitializer(VarianceScalingOptions options, std::string name)
      : options_(std::move(options)), name_(std::move(name)) {
    if (!(options_.scale > 0.0))
      throw ValueError("Argument `scale` must be positive float. Received: scale=" + std::to_string(options_.scale));
    if (options_.mode != "fan_in" && options_.mode != "fan_out" && options_.mode != "fan_avg")
      throw ValueError("Invalid `mode` argument: '" + options_.mode +
                       "'. Please use one of: fan_in, fan_out, fan_avg");
    std::string distribution = options_.distribution;
    std::transform(distribution.begin(), distribution.end(), distribution.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (distribution == "normal") distribution = "truncated_normal";  // as Keras
    if (distribution != "uniform" && distribution != "truncated_normal" && distribution != "untruncated_normal")
      throw ValueError("Invalid `distribution` argument: '" + options_.distribution +
                       "'. Please use one of: uniform, truncated_normal, untruncated_normal");
    options_.distribution = distribution;
  }

  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_floating(dtype, name_);
    auto [fan_in, fan_out] = compute_fans(shape);
    double scale = options_.scale;
    if (options_.mode == "fan_in")
      scale /= std::max(1.0, fan_in);
    else if (options_.mode == "fan_out")
      scale /= std::max(1.0, fan_out);
    else
      scale /= std::max(1.0, (fan_in + fan_out) / 2.0);
    if (options_.distribution == "truncated_normal")
      return truncated_normal(shape, {.mean = 0.0,
                                      .stddev = std::sqrt(scale) / kTruncatedNormalStddev,
                                      .dtype = dtype,
                                      .seed = options_.seed});
    if (options_.distribution == "untruncated_normal")
      return normal(shape, {.mean = 0.0, .stddev = std::sqrt(scale), .dtype = dtype, .seed = options_.seed});
    const double limit = std::sqrt(3.0 * scale);
    return uniform(shape, {.minval = -limit, .maxval = limit, .dtype = dtype, .seed = options_.seed});
  }
  std::string class_name() const override { return name_; }
  Config get_config() const override {
    if (name_ != "VarianceScaling") return Config{{"seed", seed_config(options_.seed)}};
    return Config{{"scale", options_.scale},
                  {"mode", options_.mode},
                  {"distribution", options_.distribution},
                  {"seed", seed_config(options_.seed)}};
  }

 private:
  VarianceScalingOptions options_;
  std::string name_;
};

// Q of the reduced QR decomposition of the m x n row-major matrix `a` (m >= n), with the signs
// of Q's columns flipped so that R has a non-negative diagonal (Keras: q *= sign(diag(r))).
// Householder reflections in float64.
std::vector<double> orthonormal_columns(std::vector<double> a, std::size_t m, std::size_t n) {
  std::vector<std::vector<double>> reflectors;  // v_k, of length m - k
  std::vector<double> r_diagonal(n);
  for (std::size_t k = 0; k < n; ++k) {
    double norm = 0.0;
    for (std::size_t i = k; i < m; ++i) norm += a[i * n + k] * a[i * n + k];
    norm = std::sqrt(norm);
    const double alpha = a[k * n + k] >= 0.0 ? -norm : norm;  // R_kk, chosen to avoid cancellation
    std::vector<double> v(m - k);
    for (std::size_t i = k; i < m; ++i) v[i - k] = a[i * n + k];
    v[0] -= alpha;
    double v_norm2 = 0.0;
    for (double x : v) v_norm2 += x * x;
    if (v_norm2 > 0.0) {
      for (std::size_t j = k; j < n; ++j) {  // A[k:, j] -= 2 v (v . A[k:, j]) / (v . v)
        double dot = 0.0;
        for (std::size_t i = k; i < m; ++i) dot += v[i - k] * a[i * n + j];
        const double factor = 2.0 * dot / v_norm2;
        for (std::size_t i = k; i < m; ++i) a[i * n + j] -= factor * v[i - k];
      }
    }
    r_diagonal[k] = a[k * n + k];
    reflectors.push_back(std::move(v));
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  std::vector<double> q(m * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) q[j * n + j] = 1.0;
  for (std::size_t kk = n; kk-- > 0;) {
    const auto& v = reflectors[kk];
    double v_norm2 = 0.0;
    for (double x : v) v_norm2 += x * x;
    if (v_norm2 == 0.0) continue;
    for (std::size_t j = 0; j < n; ++j) {
      double dot = 0.0;
      for (std::size_t i = kk; i < m; ++i) dot += v[i - kk] * q[i * n + j];
      const double factor = 2.0 * dot / v_norm2;
      for (std::size_t i = kk; i < m; ++i) q[i * n + j] -= factor * v[i - kk];
    }
  }
  for (std::size_t j = 0; j < n; ++j)
    if (r_diagonal[j] < 0.0)
      for (std::size_t i = 0; i < m; ++i) q[i * n + j] = -q[i * n + j];
  return q;
}

class OrthogonalInitializer : public Initializer {
 public:
  explicit OrthogonalInitializer(OrthogonalOptions options) : options_(options) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_floating(dtype, class_name());
    if (shape.rank() < 2)
      throw ValueError("The tensor to initialize must be at least two-dimensional. Received: shape=" +
                       shape.to_string() + " of rank " + std::to_string(shape.rank()) + ".");
    std::int64_t rows = 1;
    for (int i = 0; i + 1 < shape.rank(); ++i) rows *= shape[static_cast<std::size_t>(i)];
    const std::int64_t cols = shape.back();
    const auto m = static_cast<std::size_t>(std::max(rows, cols));
    const auto n = static_cast<std::size_t>(std::min(rows, cols));
    if (n == 0) return zeros(shape, dtype);
    const auto a = normal(Shape{static_cast<std::int64_t>(m), static_cast<std::int64_t>(n)},
                          {.mean = 0.0, .stddev = 1.0, .dtype = float64, .seed = options_.seed})
                       .to_vector<double>();
    auto q = orthonormal_columns(a, m, n);  // m x n
    std::vector<double> out(m * n);
    if (rows < cols) {  // transpose to n x m
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) out[j * m + i] = q[i * n + j];
    } else {
      out = std::move(q);
    }
    for (auto& x : out) x *= options_.gain;
    return Tensor::from_vector(out, shape, dtype);
  }
  std::string class_name() const override { return "OrthogonalInitializer"; }
  Config get_config() const override { return Config{{"gain", options_.gain}, {"seed", seed_config(options_.seed)}}; }

 private:
  OrthogonalOptions options_;
};

Registry<Initializer>& registry() {
  static Registry<Initializer>* instance = [] {
    auto* r = new Registry<Initializer>("initializer");
    using Factory = Registry<Initializer>::Factory;
    auto preset = [](double scale, const char* mode, const char* distribution, const char* name) -> Factory {
      return [=](const Config& c) -> InitializerPtr {
        return std::make_shared<VarianceScalingInitializer>(
            VarianceScalingOptions{.scale = scale, .mode = mode, .distribution = distribution, .seed = reader(c).seed()}, name);
      };
    };
    const std::vector<std::pair<std::string, Factory>> classes = {
        {"Zeros", [](const Config&) { return Zeros(); }},
        {"Ones", [](const Config&) { return Ones(); }},
        {"Constant", [](const Config& c) { return Constant(reader(c).number("value", 0.0)); }},
        {"Identity", [](const Config& c) { return Identity(reader(c).number("gain", 1.0)); }},
        {"RandomNormal",
         [](const Config& c) {
           return RandomNormal({reader(c).number("mean", 0.0), reader(c).number("stddev", 0.05), reader(c).seed()});
         }},
        {"TruncatedNormal",
         [](const Config& c) {
           return TruncatedNormal({reader(c).number("mean", 0.0), reader(c).number("stddev", 0.05), reader(c).seed()});
         }},
        {"RandomUniform",
         [](const Config& c) {
           return RandomUniform({reader(c).number("minval", -0.05), reader(c).number("maxval", 0.05), reader(c).seed()});
         }},
        {"VarianceScaling",
         [](const Config& c) {
           return VarianceScaling({reader(c).number("scale", 1.0), reader(c).string("mode", "fan_in"),
                                   reader(c).string("distribution", "truncated_normal"), reader(c).seed()});
         }},
        {"GlorotUniform", preset(1.0, "fan_avg", "uniform", "GlorotUniform")},
        {"GlorotNormal", preset(1.0, "fan_avg", "truncated_normal", "GlorotNormal")},
        {"HeNormal", preset(2.0, "fan_in", "truncated_normal", "HeNormal")},
        {"HeUniform", preset(2.0, "fan_in", "uniform", "HeUniform")},
        {"LecunNormal", preset(1.0, "fan_in", "truncated_normal", "LecunNormal")},
        {"LecunUniform", preset(1.0, "fan_in", "uniform", "LecunUniform")},
        {"Orthogonal", [](const Config& c) { return Orthogonal({reader(c).number("gain", 1.0), reader(c).seed()}); }},
    };
    for (const auto& [name, factory] : classes) {
      r->add(name, factory);
      r->add(to_snake_case(name), factory);
    }
    // Keras's aliases.
    for (const auto& [alias, target] : std::vector<std::pair<std::string, std::string>>{
             {"IdentityInitializer", "Identity"},
             {"OrthogonalInitializer", "Orthogonal"},
             {"normal", "RandomNormal"},
             {"uniform", "RandomUniform"},
             {"one", "Ones"},
             {"zero", "Zeros"}}) {
      for (const auto& [name, factory] : classes)
        if (name == target) r->add(alias, factory);
    }
    return r;
  }();
  return *instance;
}

}  // namespace

void register_initializer(const std::string& name, std::function<InitializerPtr(const Config& config)> factory) {
  if (name.empty() || !factory) throw ValueError("register_initializer: the name or the factory is empty");
  registry().add(name, std::move(factory));
}

Config Initializer::get_config() const { return Config::object(); }

InitializerRef::InitializerRef(const char* name) : ptr_(initializers::get(name)) {}
InitializerRef::InitializerRef(const std::string& name) : ptr_(initializers::get(name)) {}

InitializerPtr get(const std::string& name) { return registry().create(name, Config::object()); }

InitializerPtr deserialize(const Config& config) {
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ValueError("Cannot deserialize an initializer from " + config.dump() +
                     ": expected {\"class_name\": ..., \"config\": {...}}");
  const Config args = config.contains("config") && !config["config"].is_null() ? config["config"] : Config::object();
  if (!args.is_object())
    throw ValueError("Cannot deserialize initializer '" + config["class_name"].get<std::string>() +
                     "': its config must be an object, got " + args.dump());
  return registry().create(config["class_name"].get<std::string>(), args);
}

Config serialize(const Initializer& initializer) {
  return Config{{"module", "keras.initializers"},
                {"class_name", initializer.class_name()},
                {"config", initializer.get_config()},
                {"registered_name", nullptr}};
}

InitializerPtr Zeros() { return std::make_shared<ConstantInitializer>(0.0, "Zeros"); }
InitializerPtr Ones() { return std::make_shared<ConstantInitializer>(1.0, "Ones"); }
InitializerPtr Constant(double value) { return std::make_shared<ConstantInitializer>(value, "Constant"); }
InitializerPtr Identity(double gain) { return std::make_shared<IdentityInitializer>(gain); }
InitializerPtr RandomNormal(RandomNormalOptions options) {
  return std::make_shared<RandomNormalInitializer>(options, false);
}
InitializerPtr RandomUniform(RandomUniformOptions options) {
  return std::make_shared<RandomUniformInitializer>(options);
}
InitializerPtr TruncatedNormal(RandomNormalOptions options) {
  return std::make_shared<RandomNormalInitializer>(options, true);
}
InitializerPtr VarianceScaling(VarianceScalingOptions options) {
  return std::make_shared<VarianceScalingInitializer>(std::move(options), "VarianceScaling");
}

namespace {
// The Glorot/He/Lecun presets are VarianceScaling with fixed settings, kept under their own class name.
InitializerPtr variance_scaling_preset(const char* class_name, double scale, const char* mode,
                                       const char* distribution, SeedOption options) {
  return std::make_shared<VarianceScalingInitializer>(
      VarianceScalingOptions{.scale = scale, .mode = mode, .distribution = distribution, .seed = options.seed},
      class_name);
}
}  // namespace

InitializerPtr GlorotUniform(SeedOption options) {
  return variance_scaling_preset("GlorotUniform", 1.0, "fan_avg", "uniform", options);
}
InitializerPtr GlorotNormal(SeedOption options) {
  return variance_scaling_preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal", options);
}
InitializerPtr HeNormal(SeedOption options) {
  return variance_scaling_preset("HeNormal", 2.0, "fan_in", "truncated_normal", options);
}
InitializerPtr HeUniform(SeedOption options) {
  return variance_scaling_preset("HeUniform", 2.0, "fan_in", "uniform", options);
}
InitializerPtr LecunNormal(SeedOption options) {
  return variance_scaling_preset("LecunNormal", 1.0, "fan_in", "truncated_normal", options);
}
InitializerPtr LecunUniform(SeedOption options) {
  return variance_scaling_preset("LecunUniform", 1.0, "fan_in", "uniform", options);
}
InitializerPtr Orthogonal(OrthogonalOptions options) { return std::make_shared<OrthogonalInitializer>(options); }

std::pair<double, double> compute_fans(const Shape& shape) {
  if (shape.rank() < 1) return {1.0, 1.0};
  if (shape.rank() == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  if (shape.rank() == 2) return {static_cast<double>(shape[0]), static_cast<double>(shape[1])};
  double receptive_field = 1.0;
  for (int i = 0; i + 2 < shape.rank(); ++i) receptive_field *= static_cast<double>(shape[static_cast<std::size_t>(i)]);
  return {static_cast<double>(shape[static_cast<std::size_t>(shape.rank() - 2)]) * receptive_field,
          static_cast<double>(shape.back()) * receptive_field};
}

}  // namespace strata::initializers
