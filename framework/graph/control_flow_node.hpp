#pragma once
// st::cond and st::while_loop inside st::function (internal): each becomes one control-flow node of
// the graph whose branches (or loop condition and body) are traced into optimized sub-graphs, so
// that the predicate is read at every replay. See framework/graph/README.md.
#include <string>
#include <vector>

#include "strata/framework/graph/kernel_call.hpp"
#include "strata/framework/ops/control_flow.hpp"

namespace strata::graph::detail {

// Called by st::cond / st::while_loop (after their argument checks) while a thread traces.
std::vector<Tensor> trace_cond(const Tensor& pred, const BranchFn& true_fn, const BranchFn& false_fn);
std::vector<Tensor> trace_while(const LoopCondFn& cond, const LoopBodyFn& body, const std::vector<Tensor>& loop_vars,
                                const WhileOptions& options);

// A cond or while_loop record (after its kernel code), for decode_call: its sub-graphs rebuilt and
// checked against the node's pointer arguments (control_flow_record.cpp).
DecodedCall decode_control_flow(ByteReader& r, Kernel kernel, const std::string& where);

}  // namespace strata::graph::detail
