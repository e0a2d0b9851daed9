#pragma once
// The few places where eager code tells an active trace what it does (internal). Everything here
// is a no-op costing one relaxed atomic load when no thread traces, so eager ops pay nothing.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace strata {
struct Storage;
struct TensorImpl;
namespace backend {
class Backend;
}
}  // namespace strata

namespace strata::graph::detail {

// Set on every tensor made while a function traces: which trace made it, and whether that trace
// has ended (a tensor that escapes a trace must not be used afterwards).
struct TraceMark {
  std::string function;
  bool finished = false;
};

// Threads tracing right now (any thread); the fast path of every hook.
inline std::atomic<int> tracing_threads{0};
inline bool any_tracing() { return tracing_threads.load(std::memory_order_relaxed) != 0; }

// The backend an op must call: the tracing proxy of `real` on a tracing thread, else `real`.
backend::Backend& backend_for(backend::Backend& real);
// A tensor's memory is about to be passed to a kernel: checks its trace mark and tells the trace
// about storage it did not make (variables, captured constants).
void on_data(const TensorImpl& impl);
// A new storage (fresh memory for a tensor) and the mark its tensor gets (null when not tracing).
std::shared_ptr<Storage> make_storage(backend::Backend& owner, std::size_t bytes);
std::shared_ptr<TraceMark> current_mark();
// A variable's storage handed its memory to `moved_to` (snapshots keep the old values elsewhere).
void storage_swapped(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b);
// A Variable is being created: an error on a function's second trace.
void on_variable_created(const std::string& name);
// The seed of the next random kernel: `source()` now, re-drawn from `source` at every replay.
std::uint64_t random_seed(std::function<std::uint64_t()> source);
// True on a thread that traces (and is not suspended).
bool is_tracing();

// Runs eager code inside a trace without recording it (variable creation, host steps).
class SuspendTrace {
 public:
  SuspendTrace();
  ~SuspendTrace();
  SuspendTrace(const SuspendTrace&) = delete;
  SuspendTrace& operator=(const SuspendTrace&) = delete;

 private:
  void* saved_;
};

}  // namespace strata::graph::detail
