#pragma once
// st::function: traces a C++ callable into a graph once per input signature and replays the graph
// on later calls (TensorFlow's tf.function). See framework/graph/README.md.
//
//   auto f = st::function([&](const st::Tensor& x) { return st::relu(st::matmul(x, w) + b); });
//   auto y = f(x);          // first call: runs the C++ and records its kernels
//   y = f(x2);              // same shapes and dtypes: replays the optimized graph
//
// C++ control flow (if, for) runs once, at trace time, and is baked into the graph; use st::cond and
// st::while_loop for control flow on tensor values. Inside a trace a value cannot be read to the host.
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "strata/framework/tensor.hpp"

namespace strata {

// The shape (-1 for a dimension of any size) and dtype an input must have (tf.TensorSpec).
struct TensorSpec {
  Shape shape;
  DType dtype = float32;
  std::string name = {};
  std::string to_string() const;
};

struct FunctionOptions {
  // When given, every call must fit it (else TraceError), and one concrete function serves every
  // size of the -1 dimensions.
  std::vector<TensorSpec> input_signature = {};
  std::string name = "function";
  // Elementwise fusion (passes that reorder float arithmetic); pruning, folding and the memory plan
  // always run.
  bool fuse = true;
};

// What one signature's graph looks like, before and after the passes.
struct GraphStats {
  std::size_t nodes_traced = 0, nodes_pruned = 0, nodes_folded = 0, nodes_fused = 0, nodes_replayed = 0;
  std::size_t nodes_merged = 0;  // common subexpressions computed once
  std::size_t bytes_before = 0;  // every intermediate in its own memory, as eagerly
  std::size_t arena_bytes = 0;   // the memory plan's one arena (replays allocate nothing else)
  std::size_t constant_bytes = 0;
};

namespace graph {
class ConcreteGraph;
}

// One traced graph: the function specialised to one input signature.
class ConcreteFunction {
 public:
  ConcreteFunction() = default;
  explicit ConcreteFunction(std::shared_ptr<graph::ConcreteGraph> g) : graph_(std::move(g)) {}
  bool defined() const { return graph_ != nullptr; }
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const;
  GraphStats stats() const;
  // The inputs it takes and the outputs it returns (concrete shapes: the signature it was traced for).
  std::vector<TensorSpec> input_specs() const;
  std::vector<TensorSpec> output_specs() const;
  const std::string& name() const;
  // A readable listing, a node per line: "%7 = gemm(%3, w:dense/kernel) m=32 n=10 k=64".
  std::string listing() const;
  // The same graph in Graphviz's DOT language.
  std::string to_dot() const;
  const std::shared_ptr<graph::ConcreteGraph>& graph() const { return graph_; }

 private:
  std::shared_ptr<graph::ConcreteGraph> graph_;
};

class Function {
 public:
  using Callable = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
  Function() = default;
  Function(Callable callable, FunctionOptions options);

  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const;
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const { return call(inputs); }
  // Signatures traced so far (TensorFlow's experimental_get_tracing_count).
  int trace_count() const;
  // The graph for these inputs' signature, traced now if needed (running the callable once).
  ConcreteFunction get_concrete_function(const std::vector<Tensor>& inputs) const;
  const std::string& name() const;
  bool defined() const { return state_ != nullptr; }

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// A Function over a callable of Tensors: f(x), f(x, y) return what the callable returns.
template <class R, class... Args>
class TypedFunction : public Function {
 public:
  using Function::Function;
  using Function::operator();
  R operator()(const Args&... args) const {
    auto outs = call({Tensor(args)...});
    if constexpr (std::is_same_v<R, Tensor>)
      return outs.at(0);
    else
      return outs;
  }
};

namespace graph::detail {
template <class F, class R, class... A>
auto make_typed(F f, FunctionOptions options, R (*)(A...)) {
  using Result = std::conditional_t<std::is_same_v<std::decay_t<R>, Tensor>, Tensor, std::vector<Tensor>>;
  Function::Callable erased = [f = std::move(f)](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    if (in.size() != sizeof...(A))
      throw ValueError("function: expected " + std::to_string(sizeof...(A)) + " inputs, got " +
                       std::to_string(in.size()));
    return [&]<std::size_t... I>(std::index_sequence<I...>) -> std::vector<Tensor> {
      if constexpr (std::is_same_v<Result, Tensor>)
        return {f(in[I]...)};
      else
        return f(in[I]...);
    }(std::index_sequence_for<A...>{});
  };
  return TypedFunction<Result, std::decay_t<A>...>(std::move(erased), std::move(options));
}
template <class T>
struct signature_of : signature_of<decltype(&T::operator())> {};
template <class C, class R, class... A>
struct signature_of<R (C::*)(A...) const> {
  using type = R (*)(A...);
};
template <class C, class R, class... A>
struct signature_of<R (C::*)(A...)> {
  using type = R (*)(A...);
};
template <class R, class... A>
struct signature_of<R (*)(A...)> {
  using type = R (*)(A...);
};
}  // namespace graph::detail

// Traces `callable` (taking Tensors or one std::vector<Tensor>, returning a Tensor or a vector).
template <class F>
auto function(F callable, FunctionOptions options = {}) {
  if constexpr (std::is_invocable_r_v<std::vector<Tensor>, F, const std::vector<Tensor>&>) {
    return Function(Function::Callable(std::move(callable)), std::move(options));
  } else {
    using Sig = typename graph::detail::signature_of<std::decay_t<F>>::type;
    return graph::detail::make_typed(std::move(callable), std::move(options), Sig{});
  }
}

// Every st::function (and so fit / evaluate / predict's compiled steps) runs its C++ eagerly
// instead of tracing and replaying, as tf.config.run_functions_eagerly: for debugging, and to
// compare a program's compiled and eager results. STRATA_RUN_FUNCTIONS_EAGERLY=1 in the environment
// turns it on at start-up.
void run_functions_eagerly(bool enable);
bool functions_run_eagerly();

// True while the calling thread traces a function (for code that must behave differently then).
bool is_tracing();

// Runs `step` at every replay as eager code, in program order, with the values of `inputs` (an
// optimizer update whose learning rate is computed on the host). It cannot be exported.
void host_step(const std::string& name, const std::vector<Tensor>& inputs,
               std::function<void(const std::vector<Tensor>&)> step);

}  // namespace strata
