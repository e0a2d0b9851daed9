#pragma once
// A traced graph made ready to replay (internal): optimized, its memory planned into one arena,
// every node's pointers resolved once.
#include <memory>
#include <vector>

#include "strata/framework/graph/function.hpp"
#include "strata/framework/graph/graph.hpp"

namespace strata::graph {

class ConcreteGraph {
 public:
  ConcreteGraph(detail::Graph graph, bool fuse);
  // A graph the passes have already run on (loaded from a file): only made ready to replay.
  ConcreteGraph(detail::Graph graph, detail::PassStats stats);

  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  const detail::Graph& graph() const { return graph_; }
  const detail::PassStats& stats() const { return stats_; }
  std::string listing() const;
  std::string to_dot() const;

 private:
  void* address(const detail::Access& a) const;
  void prepare();

  detail::Graph graph_;
  detail::PassStats stats_;
  backend::Backend* backend_ = nullptr;
  std::shared_ptr<Storage> arena_;
  std::vector<std::vector<void*>> pointers_;  // per node, in Access order
  // Inputs are read where the caller's tensors are (no copy) unless the graph writes memory they
  // may share: then they are copied into their place in the arena. Where each input is read:
  struct InputUse {
    std::size_t node, arg, offset;
  };
  std::vector<std::vector<InputUse>> input_uses_;
  std::vector<char*> input_at_;                           // where each input is read now
  std::vector<std::pair<const char*, const char*>> written_;  // variables' memory the nodes write
};

}  // namespace strata::graph
