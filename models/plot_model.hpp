#pragma once
// plot_model: a model's layer graph as Graphviz DOT (keras.utils.plot_model / model_to_dot).
// The file's extension picks the output: ".dot" / ".gv" get the DOT text; any other extension
// (".png", ".svg", ".pdf", ".jpg", ...; none means ".png", as Keras) is rendered by Graphviz's `dot`
// program in that format. Without Graphviz the IOError says so, and the DOT text is left next to
// the path as "<path>.dot" so nothing is lost.
#include <string>

namespace strata {
class Model;
}

namespace strata::utils {

// Keras's options, in Keras's order.
struct PlotModelOptions {
  bool show_shapes = false;
  bool show_dtype = false;
  bool show_layer_names = true;
  std::string rankdir = "TB";  // "TB" top to bottom, "LR" left to right (also "BT", "RL")
  bool expand_nested = false;  // nested Functional / Sequential models drawn as dashed clusters
  int dpi = 200;
  bool show_layer_activations = false;  // "Activation: relu" for layers with an activation
  bool show_trainable = false;          // "Trainable" / "Non-trainable" for layers with weights
};

// The DOT text. Functional and Sequential models are drawn layer by layer; any other (subclassed)
// model is one node, as in Keras. ValueError for a rankdir or dpi Graphviz would not take.
std::string model_to_dot(const Model& model, const PlotModelOptions& options = {});
void plot_model(const Model& model, const std::string& path, const PlotModelOptions& options = {});

}  // namespace strata::utils
