#pragma once
// plot_model: a model's layer graph as Graphviz DOT (keras.utils.plot_model). A ".dot" path gets
// the DOT text; ".png" / ".svg" / ".pdf" are rendered by Graphviz's `dot` program (IOError naming
// the program when it is not installed; the DOT text is then left next to the path as "<path>.dot").
#include <string>

namespace strata {
class Model;
}

namespace strata::utils {

struct PlotModelOptions {
  bool show_shapes = false;
  bool show_dtype = false;
  bool show_layer_names = true;
  std::string rankdir = "TB";  // "TB" top to bottom, "LR" left to right
};

// The DOT text for a Functional or Sequential model (other models: their tracked layers in order).
std::string model_to_dot(const Model& model, const PlotModelOptions& options = {});
void plot_model(const Model& model, const std::string& path, const PlotModelOptions& options = {});

}  // namespace strata::utils
