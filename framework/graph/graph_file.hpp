#pragma once
// A graph in the function-file layout (internal; export.cpp): the body of a file, and of each
// sub-graph a control-flow node's record holds.
#include <string>
#include <vector>

#include "strata/framework/graph/kernel_call.hpp"

namespace strata::graph::detail {

// What save_function writes for a node: its kernel record, or the record its encoder makes (a
// control-flow node); empty when it cannot be saved (a host step).
std::vector<std::byte> node_record(const Node& node);

// Statistics, arena size, buffers (with the values of variables and constants), inputs, outputs,
// nodes. With `captures`, external buffers are the enclosing node's captures: no values, no place.
void write_graph_body(CallWriter& w, const Graph& graph, const PassStats& stats, bool captures);
// The reverse, every field checked; `graph.device` must be set. IOError naming `where`.
void read_graph_body(ByteReader& r, Graph& graph, PassStats& stats, bool captures, const std::string& where);

// The device the file being loaded on this thread goes to (for its sub-graphs' memory).
const Device& loading_device();

}  // namespace strata::graph::detail
