#include "strata/models/summary.hpp"

#include <cstdio>
#include <iostream>

#include "strata/layers/core/input_layer.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/model.hpp"

namespace strata {

namespace {

// 1234567 -> "1,234,567"
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Keras's readable_memory_size: "397.54 KB".
std::string bytes_text(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[unit]);
  return buf;
}

// Pads by characters, not bytes (the box-drawing characters are multi-byte in UTF-8).
std::string pad(const std::string& text, std::size_t width, bool right_align = false) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  std::string fill(width > chars ? width - chars : 0, ' ');
  return right_align ? fill + text : text + fill;
}

std::string repeat(const char* piece, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += piece;
  return s;
}

}  // namespace

void print_summary(std::ostream& out, const Model& model, const std::vector<SummaryRow>& rows, bool connections) {
  // Keras's column widths: three columns for Sequential and subclassed models, four for Functional.
  std::vector<std::size_t> widths = connections ? std::vector<std::size_t>{30, 24, 13, 26} : std::vector<std::size_t>{33, 24, 15};
  auto line = [&](const char* left, const char* mid, const char* right, const char* fill) {
    out << left;
    for (std::size_t c = 0; c < widths.size(); ++c) out << (c ? mid : "") << repeat(fill, widths[c]);
    out << right << "\n";
  };
  auto cells = [&](const char* edge, const std::vector<std::string>& texts) {
    for (std::size_t c = 0; c < widths.size(); ++c) {
      out << edge << ' ';
      if (c == 2) out << pad(texts[c], widths[c] - 2, true) << ' ';
      else out << pad(texts[c], widths[c] - 1);
    }
    out << edge << "\n";
  };
  out << "Model: \"" << model.name() << "\"\n";
  line("┏", "┳", "┓", "━");
  std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
  if (connections) header.push_back("Connected to");
  cells("┃", header);
  line("┡", "╇", "┩", "━");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::vector<std::string> texts{r.layer, r.output_shape, with_commas(r.params)};
    if (connections) texts.push_back(r.connected_to.empty() ? "-" : r.connected_to[0]);
    cells("│", texts);
    // Further inbound tensors on lines of their own, as Keras.
    for (std::size_t j = 1; connections && j < r.connected_to.size(); ++j) cells("│", {"", "", "", r.connected_to[j]});
    if (i + 1 < rows.size()) line("├", "┼", "┤", "─");
  }
  line("└", "┴", "┘", "─");
  std::int64_t trainable = 0, frozen = 0;
  double trainable_bytes = 0, frozen_bytes = 0;
  for (const auto& w : model.trainable_weights()) {
    trainable += w.size();
    trainable_bytes += static_cast<double>(w.size() * static_cast<std::int64_t>(dtype_size(w.dtype())));
  }
  for (const auto& w : model.non_trainable_weights()) {
    frozen += w.size();
    frozen_bytes += static_cast<double>(w.size() * static_cast<std::int64_t>(dtype_size(w.dtype())));
  }
  out << " Total params: " << with_commas(trainable + frozen) << " (" << bytes_text(trainable_bytes + frozen_bytes)
      << ")\n";
  out << " Trainable params: " << with_commas(trainable) << " (" << bytes_text(trainable_bytes) << ")\n";
  out << " Non-trainable params: " << with_commas(frozen) << " (" << bytes_text(frozen_bytes) << ")\n";
}

void Model::summary() const { summary(std::cout); }

void Model::summary(std::ostream& out) const {
  std::vector<SummaryRow> rows;
  if (graph_) {
    for (const auto& layer : graph_->layers()) {
      SummaryRow row{layer->name() + " (" + layer->class_name() + ")", "?", layer->count_params(), {}};
      if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) row.output_shape = input->batch_shape().to_string();
      for (const auto& step : graph_->steps()) {
        if (step.layer != layer) continue;
        const auto& node = layer->inbound_nodes()[static_cast<std::size_t>(step.node)];
        if (row.output_shape == "?") {
          std::string shapes;
          for (const auto& shape : node.output_shapes) shapes += (shapes.empty() ? "" : ", ") + shape.to_string();
          row.output_shape = node.output_shapes.size() == 1 ? shapes : "[" + shapes + "]";
        }
        for (const auto& t : node.inputs) {
          auto history = keras_history(t);
          row.connected_to.push_back(history->layer->name() + "[" + std::to_string(history->node_index) + "][" +
                                     std::to_string(history->tensor_index) + "]");
        }
      }
      rows.push_back(std::move(row));
    }
    return print_summary(out, *this, rows, true);
  }
  // A subclassed model: its tracked layers, with the output shape for the shape each was built on
  // (the batch axis as None), "?" before the first call.
  for (const auto& layer : sublayers()) {
    std::string shape = "?";
    if (layer->built() && layer->build_input_shape()) {
      Shape input = *layer->build_input_shape();
      if (!input.empty()) input[0] = -1;
      try {
        shape = layer->compute_output_shape(input).to_string();
      } catch (const Error&) {
        // A layer whose output shape cannot be inferred from its input shape alone stays "?".
      }
    }
    rows.push_back({layer->name() + " (" + layer->class_name() + ")", shape, layer->count_params()});
  }
  print_summary(out, *this, rows);
}

}  // namespace strata
