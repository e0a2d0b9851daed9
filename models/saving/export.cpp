#include "strata/models/saving/export.hpp"

#include "strata/framework/autodiff/record.hpp"
#include "strata/framework/graph/export.hpp"
#include "strata/framework/ops/creation.hpp"
#include "strata/models/model.hpp"

namespace strata::models {

void export_model(Model& model, const std::string& path, ExportOptions options) {
  if (options.batch_size < 1)
    throw ValueError("export_model: batch_size must be at least 1, got " + std::to_string(options.batch_size));
  std::vector<std::pair<Shape, DType>> specs;
  for (const auto& input : model.inputs()) specs.emplace_back(input.shape(), input.dtype());
  if (specs.empty() && model.build_input_shape()) specs.emplace_back(*model.build_input_shape(), model.dtype());
  if (specs.empty())
    throw ValueError("export_model: model '" + model.name() +
                     "' has no known input shape. Build it first (model.build(shape) or one call on data), or "
                     "trace st::function over it and save that with save_function.");
  std::vector<Tensor> examples;
  for (auto [shape, dtype] : specs) {
    if (shape.empty()) throw ValueError("export_model: model '" + model.name() + "' takes a scalar input");
    shape[0] = options.batch_size;
    for (std::size_t d = 1; d < shape.size(); ++d)
      if (shape[d] < 0)
        throw ValueError("export_model: model '" + model.name() + "' has an input of shape " + shape.to_string() +
                         " with an unknown dimension besides the batch; a function file holds concrete shapes");
    examples.push_back(zeros(shape, dtype));
  }
  auto inference = function(
      [&model](const std::vector<Tensor>& in) -> std::vector<Tensor> {
        autodiff::NoRecordScope no_record;
        return model.apply(in, false);
      },
      {.name = model.name()});
  save_function(inference.get_concrete_function(examples), path);
}

}  // namespace strata::models
