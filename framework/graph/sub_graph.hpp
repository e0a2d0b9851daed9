#pragma once
// The sub-graphs of control-flow nodes (internal): a traced branch, loop condition or body, and the
// node functions over them, shared by tracing (control_flow_node.cpp) and by loading a function
// file (control_flow_record.cpp, which also writes and reads their records).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "strata/framework/graph/graph.hpp"

namespace strata::graph::detail {

// A branch, loop condition or loop body: pruned, folded and memory-planned (not fused: a branch is
// usually small). Its external buffers are the node's
// captures, memory of the enclosing graph whose place that graph's plan decides: their addresses
// come from the node's pointers at every run, never from the trace.
class SubGraph {
 public:
  // `graph` has been optimized; `capture_index` maps its external buffers to the node's captures.
  SubGraph(Graph graph, PassStats stats, std::vector<int> capture_index)
      : graph_(std::move(graph)), stats_(stats), capture_index_(std::move(capture_index)) {
    for (auto& b : graph_.buffers)
      if (b.kind == Buffer::Kind::external) b.owner.reset();
    auto& backend = backend::get_backend(graph_.device);
    if (stats_.arena_bytes) arena_ = std::make_shared<Storage>(backend, stats_.arena_bytes);
    for (int index : capture_index_) captures_ = std::max(captures_, index + 1);
  }

  // Copies `inputs` into the graph's input buffers, runs its nodes, copies its outputs to `outputs`
  // (when not null). `captures` are the node's capture pointers.
  void run(backend::Backend& b, void* const* captures, void* const* inputs, void* const* outputs) {
    resolve(captures);
    for (std::size_t i = 0; i < graph_.inputs.size(); ++i) {
      const Buffer& buf = graph_.buffers[graph_.inputs[i]];
      if (buf.bytes && buf.arena_offset >= 0) b.copy(inputs[i], arena_base() + buf.arena_offset, buf.bytes);
    }
    for (std::size_t j = 0; j < graph_.nodes.size(); ++j) graph_.nodes[j].exec(b, pointers_[j].data());
    if (!outputs) return;
    for (std::size_t k = 0; k < graph_.outputs.size(); ++k) {
      const auto& out = graph_.outputs[k];
      void* from = output_pointer(k);
      if (const auto bytes = bytes_of(out.shape, out.dtype); bytes && from != outputs[k]) b.copy(from, outputs[k], bytes);
    }
  }

  void* output_pointer(std::size_t k) const {
    const auto& out = graph_.outputs[k];
    return address({out.buffer, out.offset, false});
  }
  std::size_t nodes() const { return graph_.nodes.size(); }
  const Graph& graph() const { return graph_; }
  const PassStats& stats() const { return stats_; }
  const std::vector<int>& capture_index() const { return capture_index_; }

 private:
  char* arena_base() const { return arena_ ? static_cast<char*>(arena_->data) : nullptr; }

  void* address(const Access& a) const {
    const Buffer& b = graph_.buffers[a.buffer];
    char* base = b.kind == Buffer::Kind::external ? static_cast<char*>(seen_[capture_index_[a.buffer]])
                 : b.arena_offset >= 0            ? arena_base() + b.arena_offset
                                                  : static_cast<char*>(b.address);
    return base + a.offset;
  }

  // Pointers are resolved once per set of capture addresses (a graph's are fixed once planned).
  void resolve(void* const* captures) {
    if (resolved_ && std::equal(seen_.begin(), seen_.end(), captures)) return;
    seen_.assign(captures, captures + captures_);
    pointers_.clear();
    for (const auto& node : graph_.nodes) {
      std::vector<void*> p;
      for (const auto& a : node.args) p.push_back(address(a));
      pointers_.push_back(std::move(p));
    }
    resolved_ = true;
  }

  Graph graph_;
  PassStats stats_;
  std::vector<int> capture_index_;  // per buffer: its index among the node's captures, or -1
  int captures_ = 0;
  std::shared_ptr<Storage> arena_;
  std::vector<void*> seen_;
  std::vector<std::vector<void*>> pointers_;
  bool resolved_ = false;
};

// The node functions. A cond node's pointers: the predicate, the captures, the written captures,
// the outputs (from `first_output`); a while_loop node's: the initial loop variables, the captures,
// the written captures, the loop variables' homes (from `first_output`), `bytes` each.
Exec cond_exec(std::shared_ptr<SubGraph> true_graph, std::shared_ptr<SubGraph> false_graph, std::size_t first_output);
Exec while_exec(std::shared_ptr<SubGraph> cond_graph, std::shared_ptr<SubGraph> body_graph,
                std::vector<std::size_t> bytes, std::size_t first_output, std::int64_t limit);

// Their records, made when a graph holding them is saved: the counts, then each sub-graph in the
// function-file layout with its capture index.
std::function<std::vector<std::byte>()> cond_encoder(std::shared_ptr<SubGraph> true_graph,
                                                     std::shared_ptr<SubGraph> false_graph, std::size_t captures,
                                                     std::vector<std::int64_t> written);
std::function<std::vector<std::byte>()> while_encoder(std::shared_ptr<SubGraph> cond_graph,
                                                      std::shared_ptr<SubGraph> body_graph, std::size_t vars,
                                                      std::size_t captures, std::vector<std::int64_t> written,
                                                      std::int64_t limit);

}  // namespace strata::graph::detail
