// Which layers hold which weights, and the all-or-nothing weight plan every format loads through:
// every weight is checked against the model before any is assigned.
#include <set>

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/ops/ops.hpp"
#include "strata/framework/warnings.hpp"
#include "strata/models/saving/internal.hpp"
#include "strata/models/sequential.hpp"
#include "strata/optimizers/optimizers.hpp"

namespace strata::models::detail {

namespace {

// A non-owning pointer (models may live on the stack).
LayerPtr unowned(const Layer& layer) { return LayerPtr(LayerPtr(), const_cast<Layer*>(&layer)); }

// Creates the optimizer's slots for the model's trainable weights without changing any value:
// one step with zero gradients, after which the weights and the iteration count are put back.
void build_optimizer(Model& model) {
  auto& opt = *model.optimizer();
  const auto variables = model.trainable_weights();
  if (variables.empty()) return;
  autodiff::NoRecordScope no_record;
  std::vector<Tensor> saved, zero;
  for (const auto& v : variables) {
    saved.push_back(Tensor::from_vector(v.value().to_vector<double>(), v.shape(), v.dtype()));
    zero.push_back(zeros_like(v.value()));
  }
  const auto iterations = opt.iterations();
  const double lr = opt.learning_rate();
  opt.apply_gradients(zero, variables);
  for (std::size_t i = 0; i < variables.size(); ++i) {
    Variable v = variables[i];
    v.assign(saved[i]);
  }
  opt.set_iterations(iterations);
  if (!opt.learning_rate_schedule()) opt.set_learning_rate(lr);
}

}  // namespace

LayerList layer_list(const Layer& root) {
  LayerList out;
  if (auto* seq = dynamic_cast<const Sequential*>(&root))
    out.layers = seq->layers();
  else if (auto* model = dynamic_cast<const Model*>(&root); model && model->is_functional())
    out.layers = model->layers();  // InputLayers included, as Keras lists them
  else if (!root.sublayers().empty())
    out.layers = root.sublayers();
  else {
    out.layers = {unowned(root)};
    return out;
  }
  std::set<std::uint64_t> held;
  for (const auto& l : out.layers)
    for (const auto& w : l->weights()) held.insert(w.id());
  for (const auto& w : root.weights())
    if (!held.count(w.id())) out.own.push_back(w);
  return out;
}

void apply(const std::vector<Assignment>& plan) {
  autodiff::NoRecordScope no_record;
  for (const auto& a : plan) {
    if (a.layer) {
      a.layer->set_weights(a.values);
    } else {
      for (std::size_t i = 0; i < a.variables.size(); ++i) {
        Variable v = a.variables[i];
        v.assign(cast(a.values[i].to(v.device()), v.dtype()));
      }
    }
  }
}

bool read_layer_weights(const saving::hdf5::Object& group, const std::vector<std::string>& names,
                        const std::vector<Variable>& expected, const std::string& layer_desc,
                        bool skip_mismatch, std::vector<Tensor>& values) {
  if (names.size() != expected.size()) {
    const std::string message = "Layer " + layer_desc + " expects " + std::to_string(expected.size()) +
                                " weight(s), but the saved weights in group '" + group.path() + "' of file '" +
                                group.file() + "' have " + std::to_string(names.size()) + " element(s)";
    if (skip_mismatch) {
      warn("Skipping loading of weights for layer " + layer_desc + ": " + message);
      return false;
    }
    throw ValueError(message);
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Shape stored = group.dataset_shape(names[i]);
    if (stored != expected[i].shape()) {
      const std::string message = "Shape mismatch in layer " + layer_desc + " for weight '" + expected[i].name() +
                                  "': the model expects " + expected[i].shape().to_string() + ", but file '" +
                                  group.file() + "' has " + stored.to_string() + " at '" + group.path() + "/" +
                                  names[i] + "'";
      if (skip_mismatch) {
        warn("Skipping loading of weights for layer " + layer_desc + ": " + message);
        return false;
      }
      throw ValueError(message);
    }
  }
  values.clear();
  for (const auto& n : names) values.push_back(group.read_dataset(n));
  return true;
}

std::string describe(const Layer& layer) { return "'" + layer.name() + "' (" + layer.class_name() + ")"; }

void check_built(const Layer& root, const std::vector<LayerPtr>& layers, const std::string& path) {
  for (const auto& l : layers)
    if (!l->built())
      throw ValueError("Cannot load weights from file '" + path + "' into model '" + root.name() + "': layer " +
                       describe(*l) + " is not built yet. Give the model an Input shape or call it on data first.");
}

std::vector<std::string> optimizer_weight_names(const optimizers::Optimizer& opt) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const auto& v : opt.variables()) {
    std::string n = v.name();
    for (auto& c : n)
      if (c == '/') c = '_';
    n = opt.name() + "/" + n;
    std::string unique = n;
    for (int k = 1; used.count(unique); ++k) unique = n + "_" + std::to_string(k);
    used.insert(unique);
    names.push_back(unique);
  }
  return names;
}

// Plans the optimizer state of `values` (file order = optimizer.variables() order).
bool plan_optimizer(Model& model, const std::vector<Shape>& shapes, const std::string& file,
                    std::vector<Variable>& targets) {
  auto opt = model.optimizer();
  if (!opt) return false;
  if (opt->variables().size() < shapes.size()) build_optimizer(model);
  targets = opt->variables();
  if (targets.size() != shapes.size()) {
    warn("Skipping loading of the optimizer state from file '" + file + "': the file has " +
         std::to_string(shapes.size()) + " optimizer variable(s), the optimizer of model '" + model.name() + "' has " +
         std::to_string(targets.size()) + ". The optimizer starts from scratch.");
    return false;
  }
  for (std::size_t i = 0; i < shapes.size(); ++i)
    if (shapes[i] != targets[i].shape()) {
      warn("Skipping loading of the optimizer state from file '" + file + "': variable '" + targets[i].name() +
           "' has shape " + targets[i].shape().to_string() + " but the file has " + shapes[i].to_string() +
           ". The optimizer starts from scratch.");
      return false;
    }
  return true;
}

}  // namespace strata::models::detail
