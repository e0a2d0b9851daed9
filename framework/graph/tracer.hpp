#pragma once
// The recorder behind st::function (internal): while a thread traces, every kernel an op calls goes
// through a proxy backend that runs it and appends a Node to the graph.
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "strata/framework/graph/graph.hpp"

namespace strata::graph::detail {

class TracingBackend;

class Tracer {
 public:
  Tracer(std::string function_name, Device device, bool first_trace);
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Makes this the thread's active trace until finish() (or destruction, on an error).
  void start();
  // Ends the trace: tensors it made become stale; returns the recorded graph.
  Graph finish();

  const std::string& function() const { return graph_.name; }
  const Device& device() const { return graph_.device; }
  const std::shared_ptr<TraceMark>& mark() const { return mark_; }
  bool first_trace() const { return first_trace_; }

  // Hooks (trace_hooks.hpp).
  backend::Backend& proxy(backend::Backend& real);
  int add_internal(const std::shared_ptr<Storage>& storage);
  void touch(const TensorImpl& impl);
  void swapped(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b);
  void set_pending_seed(std::function<std::uint64_t()> source) { pending_seed_ = std::move(source); }
  std::function<std::uint64_t()> take_pending_seed();

  // The graph's inputs: a copy of `value` in a buffer of the trace, returned as a traced tensor.
  Tensor add_input(const Tensor& value, std::size_t index);
  void set_outputs(const std::vector<Tensor>& outputs);

  // Recording, for the proxy and host steps.
  Access access(const void* pointer, bool write, const char* op) const;
  void record(Node node);
  // Records a kernel call: `call` is its record (kernel_call.hpp), from which the node's Exec is made.
  void emit(Node node, std::vector<std::byte> call, std::function<std::uint64_t()> seed = nullptr);
  [[noreturn]] void host_read(const char* what) const;

  // Nested traces: the branches of st::cond and the cond and body of st::while_loop, traced into
  // sub-graphs while this trace is paused (control_flow_node.cpp).
  const Graph& graph() const { return graph_; }
  // The buffer holding `storage`, or -1.
  int buffer_of(const Storage* storage) const;
  // An external buffer for memory this trace did not make (an enclosing trace's, a variable's).
  int capture(const std::shared_ptr<Storage>& storage, std::string label);
  // True when this trace or an enclosing one made tensors marked `mark`.
  bool owns_mark(const TraceMark* mark) const;
  // A dry trace records a branch that must leave no effect: memory it did not make is saved when
  // first seen, restore_written() puts back what its kernels wrote, host steps do not run.
  void set_dry() { dry_ = true; }
  bool dry() const { return dry_; }
  void restore_written();
  // Remembers the tensors of enclosing traces (and variables) the kernels read, for gradients.
  void collect_captured() { collect_ = true; }
  const std::vector<Tensor>& captured() const { return captured_; }
  // What a nested part captured counts as read here too (when it is not this trace's own).
  void add_captured(const Tensor& t) {
    if (collect_ && t.impl()->trace != mark_) note_captured(*t.impl());
  }

 private:
  int add_buffer(Buffer buffer, const void* base);
  void note_captured(const TensorImpl& impl);
  void saved_before_write(int buffer);
  void swap_owners(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b);
  void rehome_snapshots(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b);

  Graph graph_;
  std::shared_ptr<TraceMark> mark_;
  bool first_trace_;
  std::map<std::uintptr_t, int> by_address_;  // base address -> buffer (all kept alive: no reuse)
  std::unordered_map<const Storage*, int> by_storage_;
  std::unordered_map<backend::Backend*, std::unique_ptr<TracingBackend>> proxies_;
  std::function<std::uint64_t()> pending_seed_;
  Tracer* outer_ = nullptr;
  bool active_ = false;
  bool dry_ = false, collect_ = false;
  std::vector<std::pair<int, std::shared_ptr<Storage>>> saved_;  // dry: buffer, its values when first seen
  std::vector<Tensor> captured_;
  std::unordered_set<std::uint64_t> captured_ids_;
};

// The thread's active tracer (null when not tracing or suspended).
Tracer* active_tracer();

}  // namespace strata::graph::detail
