#pragma once
// Keras's model.summary() table.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace strata {

class Model;

struct SummaryRow {
  std::string layer;         // "dense (Dense)"
  std::string output_shape;  // "(None, 128)"
  std::int64_t params = 0;
  std::vector<std::string> connected_to;  // Functional models: "dense[0][0]", one per inbound tensor
};

// With `connections`, Keras's fourth column "Connected to" (Functional models).
void print_summary(std::ostream& out, const Model& model, const std::vector<SummaryRow>& rows, bool connections = false);

}  // namespace strata
