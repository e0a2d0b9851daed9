#pragma once
// A traced graph (internal): the kernel calls one call of a function made, in program order, with
// their buffers as (buffer, offset) pairs instead of addresses, so that passes can prune, fold and
// re-place them. See framework/graph/README.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/framework/tensor_impl.hpp"

namespace strata::graph::detail {

struct Buffer {
  enum class Kind { internal, external, input };
  Kind kind = Kind::internal;
  std::size_t bytes = 0;
  std::shared_ptr<Storage> owner;  // the trace-time memory (kept while the graph needs it)
  std::string label;               // a variable's name, "input 0", ...
  void* address = nullptr;         // the memory at trace time (a variable's never moves)
  // Filled by the passes.
  bool constant = false;           // written only by folded nodes: its trace-time values are final
  std::int64_t arena_offset = -1;  // place in the replay arena (internal, non-constant buffers)
  int first_use = -1, last_use = -1;
};

// One pointer argument of a node: `offset` bytes into `buffer`.
struct Access {
  int buffer = -1;
  std::size_t offset = 0;
  bool write = false;
};

// Elementwise facts that fusion needs (count == 0: not elementwise).
struct Elementwise {
  std::int64_t count = 0;  // elements of the output; inputs have as many or exactly one
  bool unary = false;
  int op = 0;  // backend::UnaryOp or backend::BinaryOp
  double alpha = 0.0;
  DType dtype = DType::float32;
  bool a_scalar = false, b_scalar = false;  // a binary operand of one element (broadcast)
};

// Runs a node's kernel on `backend` with its pointer arguments resolved, in Access order.
using Exec = std::function<void(backend::Backend& backend, void* const* pointers)>;

struct Node {
  std::string op;     // "matmul", "unary.relu", "host.apply_gradients"...
  std::string attrs;  // shapes and flags, for listings
  std::vector<Access> args;
  Exec exec;
  // The kernel call as a record (kernel_call.hpp) that `exec` was decoded from; empty for host
  // steps, which run C++ closures and cannot be exported.
  std::vector<std::byte> call;
  // For a node that is more than one kernel call (a control-flow node over sub-graphs): makes its
  // record when the graph is saved.
  std::function<std::vector<std::byte>()> encode;
  bool side_effect = false;  // runs even when nothing reads what it writes (host steps)
  bool random = false;
  Elementwise elementwise;
};

// A value the graph returns: `shape` and `dtype` at `offset` bytes into `buffer`.
struct Output {
  int buffer = -1;
  std::size_t offset = 0;
  Shape shape;
  DType dtype = DType::float32;
};

struct Graph {
  std::string name;
  Device device;
  std::vector<Buffer> buffers;
  std::vector<Node> nodes;
  std::vector<int> inputs;  // buffers the caller's inputs are copied into
  std::vector<std::pair<Shape, DType>> input_specs;  // what each input must be
  std::vector<Output> outputs;
};

// The bytes of `shape` values of `dtype`.
inline std::size_t bytes_of(const Shape& shape, DType dtype) {
  return static_cast<std::size_t>(shape.num_elements()) * dtype_size(dtype);
}

// Per buffer: whether a node or an output of `graph` uses it.
std::vector<bool> referenced(const Graph& graph);

// What the passes did, for introspection.
struct PassStats {
  std::size_t nodes_traced = 0, nodes_pruned = 0, nodes_folded = 0, nodes_merged = 0, nodes_fused = 0,
              nodes_replayed = 0;
  std::size_t bytes_before = 0;  // every intermediate in its own buffer, as eagerly
  std::size_t arena_bytes = 0;   // the memory plan's one arena
  std::size_t constant_bytes = 0;
};

// The passes, in order: prune what reaches no output or side effect, fold what depends only on
// constants, merge common subexpressions, fuse elementwise chains, then give each remaining intermediate its place in one arena
// by liveness.
PassStats optimize(Graph& graph, bool fuse);

}  // namespace strata::graph::detail
