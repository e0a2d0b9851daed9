#pragma once
// The largest weight Layer::add_weight creates. Model configs are untrusted input (load_model,
// model_from_json): a config asking for a weight beyond this limit is a ValueError naming the layer
// instead of an allocation no machine can satisfy. Default 16 GiB per weight (the same limit as a
// weight read from an HDF5 file); the fuzz target lowers it.
#include <cstdint>

namespace strata {

void set_max_weight_bytes(std::uint64_t bytes);
std::uint64_t max_weight_bytes();

}  // namespace strata
