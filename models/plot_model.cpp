#include "strata/models/plot_model.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "strata/layers/core/input_layer.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/model.hpp"
#include "strata/models/sequential.hpp"

extern char** environ;

namespace strata::utils {

namespace {

// Text inside a record label: the record syntax ({ } | < >), the DOT string's quote and backslash
// are escaped, and a newline becomes Graphviz's centered line break, so any layer name draws as
// written.
std::string record_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      continue;
    } else {
      if (std::strchr("\"\\{}|<>", c)) out += '\\';
      out += c;
    }
  }
  return out;
}

// A plain DOT string (graph and cluster names).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c != '\r') out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  }
  return out + "\"";
}

std::string shapes_text(const std::vector<Shape>& shapes) {
  if (shapes.empty()) return "?";
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ", ") + s.to_string();
  return shapes.size() == 1 ? out : "[" + out + "]";
}

// The activation's name from the layer's config ("relu", or a serialized object's name).
std::string activation_of(const Layer& layer) {
  try {
    const Config config = layer.get_config();
    auto it = config.find("activation");
    if (it == config.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object()) {
      if (it->contains("config") && (*it)["config"].is_object() && (*it)["config"].contains("name") &&
          (*it)["config"]["name"].is_string())
        return (*it)["config"]["name"].get<std::string>();
      if (it->contains("class_name") && (*it)["class_name"].is_string()) return (*it)["class_name"].get<std::string>();
    }
  } catch (const std::exception&) {
    // A layer without a config simply shows no activation.
  }
  return "";
}

bool is_graph_model(const Layer& layer) {
  auto model = dynamic_cast<const Model*>(&layer);
  return model && (model->is_functional() || dynamic_cast<const Sequential*>(model)) && !model->layers().empty();
}

class DotWriter {
 public:
  explicit DotWriter(const PlotModelOptions& options) : options_(options) {}

  void add_model(const Model& model, const std::string& indent) {
    if (model.is_functional()) {
      add_functional(model, indent);
    } else if (dynamic_cast<const Sequential*>(&model)) {
      add_sequential(model, indent);
    } else {
      node(model, {}, {}, model.dtype(), indent);  // a subclassed model is one box, as in Keras
    }
  }

  std::string edges() const {
    std::string out;
    for (const auto& [from, to] : edges_) out += "  " + ids_.at(from) + " -> " + ids_.at(to) + ";\n";
    return out;
  }

  std::ostringstream body;

 private:
  bool expands(const Layer& layer) const { return options_.expand_nested && is_graph_model(layer); }

  // The drawn box an edge leaves from: a nested model's box that produces output `index`.
  const Layer* exit_of(const Layer* layer, std::size_t index) const {
    while (expands(*layer)) {
      auto model = dynamic_cast<const Model*>(layer);
      if (model->is_functional()) {
        const auto key = FunctionalGraph::key_of(model->outputs().at(std::min(index, model->outputs().size() - 1)));
        layer = std::get<0>(key);
        index = static_cast<std::size_t>(std::get<2>(key));
      } else {
        layer = model->layers().back().get();
        index = 0;
      }
    }
    return layer;
  }

  // The drawn box an edge enters: a nested Functional's InputLayer `index`, a nested Sequential's
  // first layer.
  const Layer* entry_of(const Layer* layer, std::size_t index) const {
    while (expands(*layer)) {
      auto model = dynamic_cast<const Model*>(layer);
      if (model->is_functional()) {
        const auto& inputs = model->graph()->input_layers();
        layer = inputs.at(std::min(index, inputs.size() - 1)).get();
      } else {
        layer = model->layers().front().get();
      }
      index = 0;
    }
    return layer;
  }

  void edge(const Layer* from, std::size_t output, const Layer* to, std::size_t input) {
    from = exit_of(from, output);
    to = entry_of(to, input);
    if (!ids_.count(from) || !ids_.count(to)) return;
    if (drawn_.insert({from, to}).second) edges_.push_back({from, to});
  }

  void cluster(const Model& model, const std::string& indent) {
    body << indent << "subgraph " << quoted("cluster_" + std::to_string(clusters_++)) << " {\n"
         << indent << "  label=" << quoted(model.name()) << "; labeljust=l; style=dashed;\n";
    add_model(model, indent + "  ");
    body << indent << "}\n";
  }

  void add_functional(const Model& model, const std::string& indent) {
    const auto& steps = model.graph()->steps();
    for (const auto& layer : model.layers()) {
      if (expands(*layer)) {
        cluster(dynamic_cast<const Model&>(*layer), indent);
        continue;
      }
      std::vector<Shape> in, out;
      std::vector<DType> out_dtypes;
      if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
        in = out = {input->batch_shape()};
      } else {
        // The layer's first call inside this model gives the shapes shown.
        auto step = std::find_if(steps.begin(), steps.end(), [&](const auto& s) { return s.layer == layer; });
        if (step != steps.end()) {
          const auto& call = layer->inbound_nodes().at(static_cast<std::size_t>(step->node));
          for (const auto& t : call.inputs) in.push_back(t.shape());
          out = call.output_shapes;
          out_dtypes = call.output_dtypes;
        }
      }
      node(*layer, in, out, out_dtypes.empty() ? layer->dtype() : out_dtypes.front(), indent);
    }
    for (const auto& step : steps)
      for (std::size_t i = 0; i < step.inputs.size(); ++i)
        edge(std::get<0>(step.inputs[i]), static_cast<std::size_t>(std::get<2>(step.inputs[i])), step.layer.get(), i);
  }

  void add_sequential(const Model& model, const std::string& indent) {
    std::optional<Shape> shape = model.build_input_shape();
    const Layer* previous = nullptr;
    for (const auto& layer : model.layers()) {
      if (expands(*layer)) {
        cluster(dynamic_cast<const Model&>(*layer), indent);
        shape = shape && layer->built() ? std::optional<Shape>(layer->compute_output_shape(*shape)) : std::nullopt;
      } else {
        std::vector<Shape> in, out;
        if (shape) {
          in = {*shape};
          shape = layer->built() ? std::optional<Shape>(layer->compute_output_shape(*shape)) : std::nullopt;
          if (shape) out = {*shape};
        }
        node(*layer, in, out, layer->dtype(), indent);
      }
      if (previous) edge(previous, 0, layer.get(), 0);
      previous = layer.get();
    }
  }

  void node(const Layer& layer, const std::vector<Shape>& in, const std::vector<Shape>& out, DType dtype,
            const std::string& indent) {
    const std::string id = "layer" + std::to_string(ids_.size());
    ids_.emplace(&layer, id);
    std::string label = options_.show_layer_names
                            ? record_text(layer.name()) + " (" + record_text(layer.class_name()) + ")"
                            : record_text(layer.class_name());
    if (options_.show_layer_activations) {
      const std::string activation = activation_of(layer);
      if (!activation.empty()) label += "|Activation: " + record_text(activation);
    }
    if (options_.show_dtype) label += "|" + std::string(dtype_name(dtype));
    if (options_.show_shapes) label += "|{input: " + shapes_text(in) + "|output: " + shapes_text(out) + "}";
    if (options_.show_trainable && !layer.weights().empty())
      label += layer.trainable() ? "|Trainable" : "|Non-trainable";
    body << indent << id << " [label=\"" << label << "\"];\n";
  }

  const PlotModelOptions& options_;
  std::map<const Layer*, std::string> ids_;
  std::set<std::pair<const Layer*, const Layer*>> drawn_;
  std::vector<std::pair<const Layer*, const Layer*>> edges_;
  int clusters_ = 0;
};

// Runs `dot -T<format> in -o out` (no shell: any path is safe) and gives dot's exit status and its
// messages on stderr.
std::pair<int, std::string> run_dot(const std::string& format, const std::string& in, const std::string& out) {
  std::string err_path = (std::filesystem::temp_directory_path() / "strata_dot_XXXXXX").string();
  const int err_fd = mkstemp(err_path.data());
  if (err_fd < 0) throw IOError("plot_model: cannot create a temporary file for Graphviz's messages");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<std::string> args{"dot", "-T" + format, in, "-o", out};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawn_error == 0) waitpid(pid, &status, 0);
  close(err_fd);
  std::ifstream err_in(err_path);
  std::string messages((std::istreambuf_iterator<char>(err_in)), {});
  std::filesystem::remove(err_path);
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == ' ')) messages.pop_back();
  if (spawn_error != 0) return {-spawn_error, messages};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), messages};
}

}  // namespace

std::string model_to_dot(const Model& model, const PlotModelOptions& options) {
  static const std::set<std::string> rankdirs{"TB", "LR", "BT", "RL"};
  if (!rankdirs.count(options.rankdir))
    throw ValueError("plot_model: rankdir must be one of \"TB\", \"LR\", \"BT\", \"RL\"; got \"" + options.rankdir + "\"");
  if (options.dpi <= 0) throw ValueError("plot_model: dpi must be positive; got " + std::to_string(options.dpi));
  DotWriter writer(options);
  writer.add_model(model, "  ");
  return "digraph " + quoted(model.name()) + " {\n  graph [rankdir=" + options.rankdir +
         ", dpi=" + std::to_string(options.dpi) + ", concentrate=true];\n" +
         "  node [shape=record, fontname=\"Helvetica\"];\n" + writer.body.str() + writer.edges() + "}\n";
}

void plot_model(const Model& model, const std::string& path, const PlotModelOptions& options) {
  const std::string text = model_to_dot(model, options);
  std::string format = std::filesystem::path(path).extension().string();
  if (!format.empty()) format.erase(0, 1);
  std::transform(format.begin(), format.end(), format.begin(), [](unsigned char c) { return std::tolower(c); });
  if (format.empty()) format = "png";  // Keras's default when the name has no extension
  const bool render = format != "dot" && format != "gv";
  const std::string dot_path = render ? path + ".dot" : path;
  {
    std::ofstream out(dot_path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw IOError("plot_model: cannot write '" + dot_path + "'");
  }
  if (!render) return;
  const auto [status, messages] = run_dot(format, dot_path, path);
  if (status == -ENOENT)
    throw IOError("plot_model: rendering '" + path + "' needs Graphviz's `dot` program, which is not on PATH "
                  "(install Graphviz, e.g. Debian's graphviz package); the DOT text is in '" + dot_path + "'");
  if (status < 0)
    throw IOError("plot_model: cannot run Graphviz's `dot` to render '" + path + "': " + std::strerror(-status) +
                  "; the DOT text is in '" + dot_path + "'");
  std::error_code ec;
  if (status != 0 || std::filesystem::file_size(path, ec) == 0 || ec)
    throw IOError("plot_model: Graphviz's `dot -T" + format + "` failed to render '" + path + "'" +
                  (messages.empty() ? std::string() : ": " + messages) + "; the DOT text is in '" + dot_path + "'");
  std::filesystem::remove(dot_path);
}

}  // namespace strata::utils
