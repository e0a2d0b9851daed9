#include "strata/models/summary.hpp"

#include <cstdio>
#include <iostream>

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

void print_summary(std::ostream& out, const Model& model, const std::vector<SummaryRow>& rows) {
  const std::size_t w1 = 33, w2 = 24, w3 = 15;  // Keras's column widths at line_length 98... scaled to 3 columns
  auto line = [&](const char* left, const char* mid, const char* right, const char* fill) {
    out << left << repeat(fill, w1) << mid << repeat(fill, w2) << mid << repeat(fill, w3) << right << "\n";
  };
  out << "Model: \"" << model.name() << "\"\n";
  line("┏", "┳", "┓", "━");
  out << "┃ " << pad("Layer (type)", w1 - 1) << "┃ " << pad("Output Shape", w2 - 1) << "┃ "
      << pad("Param #", w3 - 2, true) << " ┃\n";
  line("┡", "╇", "┩", "━");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    out << "│ " << pad(r.layer, w1 - 1) << "│ " << pad(r.output_shape, w2 - 1) << "│ "
        << pad(with_commas(r.params), w3 - 2, true) << " │\n";
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
  for (const auto& layer : sublayers())
    rows.push_back({layer->name() + " (" + layer->class_name() + ")", "?", layer->count_params()});
  print_summary(out, *this, rows);
}

}  // namespace strata
