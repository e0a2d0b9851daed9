#include "strata/models/plot_model.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "strata/layers/core/input_layer.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/model.hpp"
#include "strata/models/sequential.hpp"

extern char** environ;

namespace strata::utils {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ", ") + s.to_string();
  return shapes.size() == 1 ? out : "[" + out + "]";
}

}  // namespace

std::string model_to_dot(const Model& model, const PlotModelOptions& options) {
  std::ostringstream dot;
  dot << "digraph \"" << escape(model.name()) << "\" {\n  graph [rankdir=" << options.rankdir << "];\n"
      << "  node [shape=record, fontname=\"Helvetica\"];\n";
  std::map<const Layer*, std::string> ids;
  auto node = [&](const Layer& layer, const std::vector<Shape>& in, const std::vector<Shape>& out, DType dtype) {
    const std::string id = "layer" + std::to_string(ids.size());
    ids[&layer] = id;
    std::string label = options.show_layer_names ? layer.name() + " (" + layer.class_name() + ")" : layer.class_name();
    if (options.show_dtype) label += "|" + std::string(dtype_name(dtype));
    if (options.show_shapes) label += "|{input: " + shapes_text(in) + "|output: " + shapes_text(out) + "}";
    dot << "  " << id << " [label=\"" << escape(label) << "\"];\n";
  };
  std::vector<std::pair<const Layer*, const Layer*>> edges;
  std::vector<LayerPtr> layers = model.layers();
  if (model.is_functional()) {
    for (const auto& layer : layers) {
      std::vector<Shape> in, out;
      if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
        in = out = {input->batch_shape()};
      } else if (!layer->inbound_nodes().empty()) {
        // The layer's first call inside this model gives the shapes shown.
        for (const auto& n : layer->inbound_nodes()) {
          bool inside = false;
          for (const auto& t : n.inputs) inside = inside || ids.count(keras_history(t)->layer.get());
          if (!inside) continue;
          for (const auto& t : n.inputs) {
            in.push_back(t.shape());
            edges.push_back({keras_history(t)->layer.get(), layer.get()});
          }
          if (out.empty()) out = n.output_shapes;
        }
      }
      node(*layer, in, out, layer->dtype());
    }
  } else {
    std::optional<Shape> shape = model.build_input_shape();
    const Layer* previous = nullptr;
    for (const auto& layer : layers) {
      std::vector<Shape> in, out;
      if (shape) {
        in = {*shape};
        shape = layer->built() ? std::optional<Shape>(layer->compute_output_shape(*shape)) : std::nullopt;
        if (shape) out = {*shape};
      }
      node(*layer, in, out, layer->dtype());
      if (previous) edges.push_back({previous, layer.get()});
      previous = layer.get();
    }
  }
  std::set<std::pair<const Layer*, const Layer*>> drawn;
  for (const auto& e : edges)
    if (drawn.insert(e).second) dot << "  " << ids.at(e.first) << " -> " << ids.at(e.second) << ";\n";
  dot << "}\n";
  return dot.str();
}

void plot_model(const Model& model, const std::string& path, const PlotModelOptions& options) {
  const std::string text = model_to_dot(model, options);
  const auto dot_at = path.rfind('.');
  const std::string ext = dot_at == std::string::npos ? "" : path.substr(dot_at + 1);
  const bool render = ext == "png" || ext == "svg" || ext == "pdf";
  const std::string dot_path = render ? path + ".dot" : path;
  {
    std::ofstream out(dot_path);
    out << text;
    if (!out) throw IOError("plot_model: cannot write '" + dot_path + "'");
  }
  if (!render) return;
  // Graphviz runs as a child process with its arguments as they are (no shell, so any path is safe).
  const std::string format = "-T" + ext;
  std::vector<std::string> args{"dot", format, dot_path, "-o", path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0)
    throw IOError("plot_model: rendering '" + path + "' needs Graphviz's `dot` program (Debian package graphviz); the "
                  "DOT text is in '" + dot_path + "'");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw IOError("plot_model: `dot` failed to render '" + path + "'; the DOT text is in '" + dot_path + "'");
  std::remove(dot_path.c_str());
}

}  // namespace strata::utils
