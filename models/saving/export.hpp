#pragma once
// A model's inference as a traced function file (Keras 3's model.export, with Strata's function
// file in the role of a SavedModel): what `strata predict` and load_function run without the
// model's classes.
//
//   st::models::export_model(model, "classifier.stfn", {.batch_size = 32});
//   auto f = st::load_function("classifier.stfn");   // f({x})[0]: the model's outputs for x
#include <cstdint>
#include <string>

namespace strata {
class Model;
}

namespace strata::models {

struct ExportOptions {
  // The batch the graph is traced for (a function file holds concrete shapes; `strata predict` pads
  // a last, smaller batch).
  std::int64_t batch_size = 32;
};

// Traces the model's inference pass (training=false) for inputs of its input shapes with
// `batch_size` samples and saves it with save_function. ValueError when an input shape is unknown
// (a subclassed model never built: trace st::function over it and use save_function instead).
void export_model(Model& model, const std::string& path, ExportOptions options = {});

}  // namespace strata::models
