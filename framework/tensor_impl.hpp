#pragma once
// What a Tensor handle points at. Internal to the framework and backends: layers and user code go
// through Tensor and ops only.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "strata/backend/backend.hpp"
#include "strata/framework/graph/trace_hooks.hpp"
#include "strata/framework/tensor.hpp"

namespace strata {

// A block of device memory, returned to the device's caching allocator when the last tensor using
// it goes away.
struct Storage {
  backend::Backend* backend = nullptr;
  void* data = nullptr;
  std::size_t bytes = 0;
  bool owned = true;  // false: a view of memory someone else frees (a replayed graph's arena)

  Storage(backend::Backend& owner, std::size_t size);
  Storage(backend::Backend& owner, void* memory, std::size_t size)  // not owned
      : backend(&owner), data(memory), bytes(size), owned(false) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct TensorImpl;

struct VariableState {
  std::string name;
  bool trainable = true;
  std::weak_ptr<TensorImpl> owner;  // the Variable's own handle (snapshots share this state)
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::size_t offset_bytes = 0;  // views (reshape, leading-axis slices) share storage
  Shape shape;
  DType dtype = DType::float32;
  Device device;
  std::uint64_t id = 0;
  std::shared_ptr<VariableState> variable;  // set for Variables and their snapshots
  // A symbolic tensor (Input(), a Functional graph edge) has no storage, only a shape with -1 for
  // unknown dimensions, and the graph node that produces it (opaque here; owned by models/).
  std::shared_ptr<void> keras_history;
  // Set when a function's trace made this tensor (see graph/trace_hooks.hpp).
  std::shared_ptr<graph::detail::TraceMark> trace;

  bool symbolic() const { return storage == nullptr; }
  void* data() const {
    if (!storage) throw_symbolic();
    if (trace || graph::detail::any_tracing()) graph::detail::on_data(*this);
    return static_cast<char*>(storage->data) + offset_bytes;
  }
  [[noreturn]] void throw_symbolic() const;
  backend::Backend& backend() const {
    if (!storage) throw_symbolic();
    if (graph::detail::any_tracing()) return graph::detail::backend_for(*storage->backend);
    return *storage->backend;
  }
  backend::In in() const { return {data(), shape, dtype}; }
  backend::Out out() const { return {data(), shape, dtype}; }
};

std::uint64_t next_tensor_id();

// A symbolic tensor of `shape` (which may hold -1) and `dtype`, with no values.
Tensor symbolic_tensor(const Shape& shape, DType dtype, std::shared_ptr<void> history);

// A variable's memory, ready to be overwritten in place. Snapshots and views that share it keep the
// old values: they are moved to a copy, so the variable keeps its address (a traced graph and the
// kernels it replays hold that address).
void* writable_data(TensorImpl& variable);

// A new uninitialised tensor on `device`.
Tensor empty(const Shape& shape, DType dtype, const Device& device);
// A new tensor sharing `source`'s storage with another shape (same element count) and a new id.
Tensor alias(const Tensor& source, const Shape& shape, std::size_t extra_offset_bytes = 0);
// The current value of a Variable as a separate handle on the same storage, with the variable's id
// (so tapes route its gradient to the variable) but untouched by later assigns.
Tensor snapshot(const Tensor& variable);

}  // namespace strata
