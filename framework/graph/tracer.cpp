#include "strata/framework/graph/tracer.hpp"

#include <algorithm>
#include <cstring>

#include "strata/framework/graph/kernel_call.hpp"


namespace strata::graph::detail {

namespace {

thread_local Tracer* current = nullptr;
// The thread's trace even while suspended (a variable moving its snapshots in a host step must
// still be followed).
thread_local Tracer* tracing = nullptr;

using backend::In;
using backend::Out;

const char* unary_name(backend::UnaryOp op) {
  static const char* names[] = {"negative", "abs",  "sign",      "square",     "sqrt",      "rsqrt",      "reciprocal",
                                "exp",      "expm1", "log",      "log1p",      "sin",       "cos",        "tanh",
                                "sigmoid",  "erf",  "floor",     "ceil",       "round",     "relu",       "relu6",
                                "leaky_relu", "elu", "selu",     "softplus",   "softsign",  "gelu",       "gelu_tanh",
                                "hard_sigmoid", "swish", "logical_not"};
  return names[static_cast<int>(op)];
}

const char* binary_name(backend::BinaryOp op) {
  static const char* names[] = {"add",  "subtract",   "multiply", "divide",        "pow",         "maximum",
                                "minimum", "equal",   "not_equal", "less",         "less_equal",  "greater",
                                "greater_equal", "logical_and", "logical_or", "logical_xor"};
  return names[static_cast<int>(op)];
}

std::string describe(const Shape& shape, DType dtype) { return std::string(dtype_name(dtype)) + shape.to_string(); }

}  // namespace

// Runs every kernel on the real backend and records it. Shapes are copied into the closures (the
// kernel interface passes them by reference).
class TracingBackend final : public backend::Backend {
 public:
  TracingBackend(Tracer& tracer, backend::Backend& real) : t_(tracer), real_(real) {}

  Device device() const override { return real_.device(); }
  void* allocate(std::size_t bytes) override { return real_.allocate(bytes); }
  void deallocate(void* ptr, std::size_t bytes) noexcept override { real_.deallocate(ptr, bytes); }
  backend::MemoryStats memory_stats() const override { return real_.memory_stats(); }
  void empty_cache() override { real_.empty_cache(); }
  void synchronize() override { real_.synchronize(); }

  void copy_to_host(const void*, void*, std::size_t) override {
    t_.host_read("a tensor's value was read to the host (item(), to_vector(), printing)");
  }
  void copy_from_host(const void* src, void* dst, std::size_t bytes) override {
    real_.copy_from_host(src, dst, bytes);
    if (!bytes) return;
    CallWriter w(Kernel::constant);
    w.bytes(src, bytes);
    t_.emit({"constant", std::to_string(bytes) + " bytes", {t_.access(dst, true, "constant")}}, w.take());
  }
  void copy(const void* src, void* dst, std::size_t bytes) override {
    real_.copy(src, dst, bytes);
    if (!bytes) return;
    CallWriter w(Kernel::copy);
    w.i64(static_cast<std::int64_t>(bytes));
    t_.emit({"copy", std::to_string(bytes) + " bytes", {t_.access(src, false, "copy"), t_.access(dst, true, "copy")}},
            w.take());
  }

  void fill(Out out, double value) override {
    real_.fill(out, value);
    if (!out.shape.num_elements()) return;
    CallWriter w(Kernel::fill);
    w.shape(out.shape).dtype(out.dtype).f64(value);
    t_.emit({"fill", describe(out.shape, out.dtype) + " value=" + std::to_string(value),
             {t_.access(out.data, true, "fill")}},
            w.take());
  }
  void cast(In x, Out out) override {
    real_.cast(x, out);
    if (!x.shape.num_elements()) return;
    CallWriter w(Kernel::cast);
    w.shape(x.shape).dtype(x.dtype).dtype(out.dtype);
    t_.emit({"cast", describe(x.shape, x.dtype) + " -> " + std::string(dtype_name(out.dtype)),
             {t_.access(x.data, false, "cast"), t_.access(out.data, true, "cast")}},
            w.take());
  }
  void unary(backend::UnaryOp op, In x, Out out, double alpha) override {
    real_.unary(op, x, out, alpha);
    if (!x.shape.num_elements()) return;
    Node n{std::string("unary.") + unary_name(op), describe(x.shape, x.dtype),
           {t_.access(x.data, false, "unary"), t_.access(out.data, true, "unary")}};
    if (is_floating(x.dtype) && out.dtype == x.dtype)
      n.elementwise = {out.shape.num_elements(), true, static_cast<int>(op), alpha, x.dtype};
    CallWriter w(Kernel::unary);
    w.u8(static_cast<std::uint8_t>(op)).shape(x.shape).dtype(x.dtype).dtype(out.dtype).f64(alpha);
    t_.emit(std::move(n), w.take());
  }
  void binary(backend::BinaryOp op, In a, In b, Out out) override {
    real_.binary(op, a, b, out);
    if (!out.shape.num_elements()) return;
    Node n{std::string("binary.") + binary_name(op), describe(a.shape, a.dtype) + ", " + describe(b.shape, b.dtype),
           {t_.access(a.data, false, "binary"), t_.access(b.data, false, "binary"),
            t_.access(out.data, true, "binary")}};
    const auto count = out.shape.num_elements();
    const bool plain = (a.shape.num_elements() == count || a.shape.num_elements() == 1) &&
                       (b.shape.num_elements() == count || b.shape.num_elements() == 1) && out.dtype == a.dtype &&
                       (a.shape == out.shape || a.shape.num_elements() == 1) &&
                       (b.shape == out.shape || b.shape.num_elements() == 1);
    if (plain && is_floating(a.dtype))
      n.elementwise = {count, false, static_cast<int>(op), 0.0, a.dtype, a.shape.num_elements() == 1 && count != 1,
                       b.shape.num_elements() == 1 && count != 1};
    CallWriter w(Kernel::binary);
    w.u8(static_cast<std::uint8_t>(op)).shape(a.shape).shape(b.shape).shape(out.shape).dtype(a.dtype).dtype(out.dtype);
    t_.emit(std::move(n), w.take());
  }
  void where(In c, In a, In b, Out out) override {
    real_.where(c, a, b, out);
    if (!out.shape.num_elements()) return;
    CallWriter w(Kernel::where);
    w.shape(c.shape).shape(a.shape).shape(b.shape).shape(out.shape).dtype(a.dtype);
    t_.emit({"where", describe(out.shape, out.dtype),
             {t_.access(c.data, false, "where"), t_.access(a.data, false, "where"), t_.access(b.data, false, "where"),
              t_.access(out.data, true, "where")}},
            w.take());
  }
  void reduce(backend::ReduceOp op, In x, const std::vector<int>& axes, Out out) override {
    real_.reduce(op, x, axes, out);
    if (!out.shape.num_elements()) return;
    static const char* names[] = {"sum", "mean", "max", "min", "prod", "argmax", "argmin"};
    CallWriter w(Kernel::reduce);
    w.u8(static_cast<std::uint8_t>(op)).shape(x.shape).dtype(x.dtype);
    w.ints(std::vector<std::int64_t>(axes.begin(), axes.end())).shape(out.shape).dtype(out.dtype);
    t_.emit({std::string("reduce.") + names[static_cast<int>(op)], describe(x.shape, x.dtype),
             {t_.access(x.data, false, "reduce"), t_.access(out.data, true, "reduce")}},
            w.take());
  }
  void gemm(const backend::GemmArgs& args) override {
    real_.gemm(args);
    if (!args.m || !args.n || !args.batch) return;
    Node n{"gemm", "batch=" + std::to_string(args.batch) + " m=" + std::to_string(args.m) + " n=" +
                       std::to_string(args.n) + " k=" + std::to_string(args.k) + (args.transpose_a ? " tA" : "") +
                       (args.transpose_b ? " tB" : "") + (args.bias ? " +bias" : "") + (args.relu ? " relu" : "")};
    if (args.k > 0) n.args.push_back(t_.access(args.a, false, "gemm"));
    if (args.k > 0) n.args.push_back(t_.access(args.b, false, "gemm"));
    if (args.bias) n.args.push_back(t_.access(args.bias, false, "gemm"));
    if (args.beta != 0.0) n.args.push_back(t_.access(args.c, false, "gemm"));
    n.args.push_back(t_.access(args.c, true, "gemm"));
    CallWriter w(Kernel::gemm);
    w.dtype(args.dtype).u8(args.transpose_a).u8(args.transpose_b).u8(args.bias != nullptr).u8(args.relu);
    for (auto v : {args.batch, args.m, args.n, args.k, args.lda, args.stride_a, args.ldb, args.stride_b, args.ldc,
                   args.stride_c})
      w.i64(v);
    w.f64(args.alpha).f64(args.beta);
    t_.emit(std::move(n), w.take());
  }
  void copy_strided(const backend::StridedCopyArgs& args) override {
    real_.copy_strided(args);
    if (!args.shape.num_elements()) return;
    CallWriter w(Kernel::copy_strided);
    w.dtype(args.dtype).shape(args.shape).i64(args.src_offset).ints(args.src_strides);
    w.i64(args.dst_offset).ints(args.dst_strides);
    t_.emit({"copy_strided", describe(args.shape, args.dtype),
             {t_.access(args.src, false, "copy_strided"), t_.access(args.dst, true, "copy_strided")}},
            w.take());
  }
  void gather(In x, In indices, int axis, Out out) override {
    real_.gather(x, indices, axis, out);
    if (!out.shape.num_elements()) return;
    CallWriter w(Kernel::gather);
    w.shape(x.shape).shape(indices.shape).shape(out.shape).dtype(x.dtype).dtype(indices.dtype).i64(axis);
    t_.emit({"gather", describe(x.shape, x.dtype) + " axis=" + std::to_string(axis),
             {t_.access(x.data, false, "gather"), t_.access(indices.data, false, "gather"),
              t_.access(out.data, true, "gather")}},
            w.take());
  }
  void scatter_add(In updates, In indices, int axis, Out out) override {
    real_.scatter_add(updates, indices, axis, out);
    if (!updates.shape.num_elements()) return;
    CallWriter w(Kernel::scatter_add);
    w.shape(updates.shape).shape(indices.shape).shape(out.shape).dtype(updates.dtype).dtype(indices.dtype).i64(axis);
    t_.emit({"scatter_add", describe(out.shape, out.dtype),
             {t_.access(updates.data, false, "scatter_add"), t_.access(indices.data, false, "scatter_add"),
              t_.access(out.data, false, "scatter_add"), t_.access(out.data, true, "scatter_add")}},
            w.take());
  }
  void softmax(In x, int axis, bool log, Out out) override {
    real_.softmax(x, axis, log, out);
    if (!x.shape.num_elements()) return;
    CallWriter w(Kernel::softmax);
    w.shape(x.shape).dtype(x.dtype).i64(axis).u8(log);
    t_.emit({log ? "log_softmax" : "softmax", describe(x.shape, x.dtype) + " axis=" + std::to_string(axis),
             {t_.access(x.data, false, "softmax"), t_.access(out.data, true, "softmax")}},
            w.take());
  }
  void random(backend::Distribution dist, std::uint64_t seed, double a, double b, Out out) override {
    real_.random(dist, seed, a, b, out);
    auto source = t_.take_pending_seed();
    if (!out.shape.num_elements()) return;
    if (!source) source = [seed] { return seed; };
    static const char* names[] = {"uniform", "normal", "truncated_normal"};
    Node n{std::string("random.") + names[static_cast<int>(dist)], describe(out.shape, out.dtype),
           {t_.access(out.data, true, "random")}};
    n.random = true;
    CallWriter w(Kernel::random);
    w.u8(static_cast<std::uint8_t>(dist)).f64(a).f64(b).shape(out.shape).dtype(out.dtype);
    t_.emit(std::move(n), w.take(), std::move(source));
  }
  void conv2d(const backend::ConvArgs& args, const void* x, const void* kernel, void* y) override {
    real_.conv2d(args, x, kernel, y);
    Node n{"conv2d", conv_attrs(args), {t_.access(x, false, "conv2d"), t_.access(kernel, false, "conv2d")}};
    if (args.bias) n.args.push_back(t_.access(args.bias, false, "conv2d"));
    n.args.push_back(t_.access(y, true, "conv2d"));
    CallWriter w(Kernel::conv2d);
    w.conv(args);
    t_.emit(std::move(n), w.take());
  }
  void conv2d_backward(const backend::ConvArgs& args, const void* x, const void* kernel, const void* dy, void* dx,
                       void* dkernel) override {
    real_.conv2d_backward(args, x, kernel, dy, dx, dkernel);
    // Slots: x, kernel, dy, dx, dkernel; absent ones are null and stay null.
    const void* in[3] = {x, kernel, dy};
    Node n{"conv2d_backward", conv_attrs(args)};
    std::uint8_t present = 0;
    for (int i = 0; i < 3; ++i)
      if (in[i]) {
        n.args.push_back(t_.access(in[i], false, "conv2d_backward"));
        present |= std::uint8_t(1u << i);
      }
    if (dx) n.args.push_back(t_.access(dx, true, "conv2d_backward")), present |= 8;
    if (dkernel) n.args.push_back(t_.access(dkernel, true, "conv2d_backward")), present |= 16;
    CallWriter w(Kernel::conv2d_backward);
    w.conv(args).u8(present);
    t_.emit(std::move(n), w.take());
  }
  void pool2d(backend::PoolOp op, const backend::PoolArgs& args, const void* x, void* y) override {
    real_.pool2d(op, args, x, y);
    CallWriter w(Kernel::pool2d);
    w.pool(op, args);
    t_.emit({op == backend::PoolOp::max ? "max_pool2d" : "avg_pool2d", pool_attrs(args),
             {t_.access(x, false, "pool2d"), t_.access(y, true, "pool2d")}},
            w.take());
  }
  void pool2d_backward(backend::PoolOp op, const backend::PoolArgs& args, const void* x, const void* dy,
                       void* dx) override {
    real_.pool2d_backward(op, args, x, dy, dx);
    Node n{op == backend::PoolOp::max ? "max_pool2d_backward" : "avg_pool2d_backward", pool_attrs(args)};
    if (x) n.args.push_back(t_.access(x, false, "pool2d_backward"));
    n.args.push_back(t_.access(dy, false, "pool2d_backward"));
    n.args.push_back(t_.access(dx, true, "pool2d_backward"));
    CallWriter w(Kernel::pool2d_backward);
    w.pool(op, args).u8(x != nullptr);
    t_.emit(std::move(n), w.take());
  }
  void adam_update(const backend::AdamUpdateArgs& args) override {
    real_.adam_update(args);
    if (!args.size) return;
    Node n{"adam_update", std::string(dtype_name(args.dtype)) + "[" + std::to_string(args.size) + "]"};
    n.args = {t_.access(args.grad, false, "adam_update"),     t_.access(args.variable, false, "adam_update"),
              t_.access(args.m, false, "adam_update"),        t_.access(args.v, false, "adam_update"),
              t_.access(args.variable, true, "adam_update"),  t_.access(args.m, true, "adam_update"),
              t_.access(args.v, true, "adam_update")};
    if (args.v_max) n.args.push_back(t_.access(args.v_max, false, "adam_update"));
    if (args.v_max) n.args.push_back(t_.access(args.v_max, true, "adam_update"));
    CallWriter w(Kernel::adam_update);
    w.dtype(args.dtype).i64(args.size).f64(args.alpha).f64(args.beta_1).f64(args.beta_2).f64(args.epsilon);
    w.u8(args.v_max != nullptr);
    t_.emit(std::move(n), w.take());
  }

 private:
  static std::string conv_attrs(const backend::ConvArgs& a) {
    return "x=(" + std::to_string(a.batch) + "," + std::to_string(a.in_h) + "," + std::to_string(a.in_w) + "," +
           std::to_string(a.in_channels) + ") k=" + std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w) +
           " filters=" + std::to_string(a.filters) + (a.bias ? " +bias" : "") + (a.relu ? " relu" : "");
  }
  static std::string pool_attrs(const backend::PoolArgs& a) {
    return "x=(" + std::to_string(a.batch) + "," + std::to_string(a.in_h) + "," + std::to_string(a.in_w) + "," +
           std::to_string(a.channels) + ") pool=" + std::to_string(a.pool_h) + "x" + std::to_string(a.pool_w);
  }

  Tracer& t_;
  backend::Backend& real_;
};

// ------------------------------------------------------------------------------ Tracer

Tracer::Tracer(std::string function_name, Device device, bool first_trace)
    : mark_(std::make_shared<TraceMark>(TraceMark{function_name, false})), first_trace_(first_trace) {
  graph_.name = std::move(function_name);
  graph_.device = std::move(device);
}

Tracer::~Tracer() {
  if (active_) finish();
}

void Tracer::start() {
  outer_ = current;
  current = this;
  tracing = this;
  active_ = true;
  tracing_threads.fetch_add(1, std::memory_order_relaxed);
}

Graph Tracer::finish() {
  if (active_) {
    current = outer_;
    tracing = outer_;
    active_ = false;
    tracing_threads.fetch_sub(1, std::memory_order_relaxed);
  }
  mark_->finished = true;
  return std::move(graph_);
}

backend::Backend& Tracer::proxy(backend::Backend& real) {
  auto& slot = proxies_[&real];
  if (!slot) slot = std::make_unique<TracingBackend>(*this, real);
  return *slot;
}

int Tracer::add_buffer(Buffer buffer, const void* base) {
  const int id = static_cast<int>(graph_.buffers.size());
  by_storage_[buffer.owner.get()] = id;
  by_address_[reinterpret_cast<std::uintptr_t>(base)] = id;
  graph_.buffers.push_back(std::move(buffer));
  return id;
}

int Tracer::add_internal(const std::shared_ptr<Storage>& storage) {
  return add_buffer(Buffer{Buffer::Kind::internal, storage->bytes, storage, "", storage->data}, storage->data);
}

void Tracer::touch(const TensorImpl& impl) {
  if (collect_ && impl.trace != mark_) note_captured(impl);
  const auto& storage = impl.storage;
  if (by_storage_.count(storage.get())) return;
  std::string label = impl.variable ? impl.variable->name : "captured " + describe(impl.shape, impl.dtype);
  const int id =
      add_buffer(Buffer{Buffer::Kind::external, storage->bytes, storage, std::move(label), storage->data}, storage->data);
  if (dry_) saved_before_write(id);
}

void Tracer::swapped(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b) {
  swap_owners(a, b);
  if (outer_) rehome_snapshots(a, b);
}

void Tracer::swap_owners(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b) {
  // The memory did not move; the Storage objects that own it did.
  auto ia = by_storage_.find(a.get()), ib = by_storage_.find(b.get());
  const int buffer_a = ia == by_storage_.end() ? -1 : ia->second;
  const int buffer_b = ib == by_storage_.end() ? -1 : ib->second;
  if (buffer_a >= 0) by_storage_.erase(a.get());
  if (buffer_b >= 0) by_storage_.erase(b.get());
  if (buffer_a >= 0) {
    graph_.buffers[buffer_a].owner = b;
    by_storage_[b.get()] = buffer_a;
  }
  if (buffer_b >= 0) {
    graph_.buffers[buffer_b].owner = a;
    by_storage_[a.get()] = buffer_b;
  }
}

std::function<std::uint64_t()> Tracer::take_pending_seed() {
  auto out = std::move(pending_seed_);
  pending_seed_ = nullptr;
  return out;
}

Tensor Tracer::add_input(const Tensor& value, std::size_t index) {
  Tensor copy;
  {
    SuspendTrace quiet;
    copy = empty(value.shape(), value.dtype(), value.device());
    const auto bytes = static_cast<std::size_t>(value.size()) * dtype_size(value.dtype());
    if (bytes) value.impl()->backend().copy(value.impl()->data(), copy.impl()->data(), bytes);
  }
  copy.impl()->trace = mark_;
  const auto& storage = copy.impl()->storage;
  const int id = add_buffer(Buffer{Buffer::Kind::input, storage->bytes, storage, "input " + std::to_string(index),
                                   storage->data},
                            storage->data);
  graph_.inputs.push_back(id);
  graph_.input_specs.emplace_back(value.shape(), value.dtype());
  return copy;
}

void Tracer::set_outputs(const std::vector<Tensor>& outputs) {
  for (const auto& out : outputs) {
    if (!out.defined()) throw ValueError("function '" + graph_.name + "': an output is an undefined tensor");
    const auto& impl = *out.impl();
    touch(impl);
    const Access a = access(impl.data(), false, "output");
    graph_.outputs.push_back({a.buffer, a.offset, impl.shape, impl.dtype});
  }
}

Access Tracer::access(const void* pointer, bool write, const char* op) const {
  const auto p = reinterpret_cast<std::uintptr_t>(pointer);
  auto it = by_address_.upper_bound(p);
  if (it != by_address_.begin()) {
    --it;
    const Buffer& b = graph_.buffers[it->second];
    if (p < it->first + std::max<std::size_t>(b.bytes, 1)) return {it->second, p - it->first, write};
  }
  // A nested trace meets an enclosing trace's memory without a tensor (a variable's old storage
  // copied by writable_data): capture it (the cache of buffers is all this changes).
  for (const Tracer* t = outer_; t; t = t->outer_) {
    auto o = t->by_address_.upper_bound(p);
    if (o == t->by_address_.begin()) continue;
    --o;
    const Buffer& b = t->graph_.buffers[o->second];
    if (p >= o->first + std::max<std::size_t>(b.bytes, 1) || !b.owner) continue;
    const int id = const_cast<Tracer*>(this)->capture(b.owner, b.label);
    return {id, p - o->first, write};
  }
  throw TraceError("function '" + graph_.name + "': the kernel '" + op +
                   "' got memory that no tensor of the trace owns (an internal error: a kernel called with a raw "
                   "pointer that did not come from a tensor)");
}

void Tracer::record(Node node) { graph_.nodes.push_back(std::move(node)); }

void Tracer::emit(Node node, std::vector<std::byte> call, SeedSource seed) {
  node.call = std::move(call);
  auto decoded = decode_call(node.call, std::move(seed), "function '" + graph_.name + "', kernel '" + node.op + "'");
  // Every trace checks its own records, so an encoder and its decoder cannot drift apart unseen.
  if (auto error = node_extents_error(graph_, node, decoded); !error.empty())
    throw TraceError("function '" + graph_.name + "', kernel '" + node.op + "': " + error + " (an internal error)");
  node.exec = std::move(decoded.exec);
  record(std::move(node));
}

void Tracer::host_read(const char* what) const {
  throw TraceError("function '" + graph_.name + "': " + what +
                   " while tracing. A traced function runs its C++ once to record a graph and then replays the "
                   "graph, so host values read during the trace would be stale at every later call. Return the "
                   "tensor from the function and read it outside, or run eagerly (compile with .run_eagerly = true).");
}

Tracer* active_tracer() { return current; }

// ------------------------------------------------------------------------------ hooks

backend::Backend& backend_for(backend::Backend& real) { return current ? current->proxy(real) : real; }

void on_data(const TensorImpl& impl) {
  if (impl.trace) {
    if (impl.trace->finished)
      throw TraceError("A tensor of shape " + impl.shape.to_string() + " created while tracing function '" +
                       impl.trace->function +
                       "' was used after that trace ended. Tensors made inside a traced function exist only "
                       "in its graph: return them from the function instead of keeping them.");
    if (current && !current->owns_mark(impl.trace.get()))
      throw TraceError("A tensor of shape " + impl.shape.to_string() + " created while tracing function '" +
                       impl.trace->function + "' was used while tracing function '" + current->function() +
                       "'. Pass it as an input instead.");
  }
  if (current) current->touch(impl);
}

std::shared_ptr<Storage> make_storage(backend::Backend& owner, std::size_t bytes) {
  auto storage = std::make_shared<Storage>(owner, bytes);
  if (current) current->add_internal(storage);
  return storage;
}

std::shared_ptr<TraceMark> current_mark() { return current ? current->mark() : nullptr; }

void storage_swapped(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b) {
  if (tracing) tracing->swapped(a, b);
}

void on_variable_created(const std::string& name) {
  if (current && !current->first_trace())
    throw TraceError("function '" + current->function() + "' creates the variable '" + name +
                     "' on a second trace: variables may only be created on the first call of a traced function "
                     "(create them outside, or build the model before calling the function with a new signature)");
}

std::uint64_t random_seed(std::function<std::uint64_t()> source) {
  // A dry nested trace draws nothing (its values are dropped; the control-flow node draws when it
  // runs), so a branch not taken leaves the generator as eagerly.
  if (current && current->dry()) {
    current->set_pending_seed(std::move(source));
    return 0;
  }
  const std::uint64_t value = source();
  if (current) current->set_pending_seed(std::move(source));
  return value;
}

bool is_tracing() { return current != nullptr; }

SuspendTrace::SuspendTrace() : saved_(current) { current = nullptr; }
SuspendTrace::~SuspendTrace() { current = static_cast<Tracer*>(saved_); }

}  // namespace strata::graph::detail
