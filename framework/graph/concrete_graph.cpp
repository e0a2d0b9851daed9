#include "strata/framework/graph/concrete_graph.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace strata::graph {

using detail::Buffer;

ConcreteGraph::ConcreteGraph(detail::Graph graph, bool fuse) : graph_(std::move(graph)) {
  stats_ = detail::optimize(graph_, fuse);
  prepare();
}

ConcreteGraph::ConcreteGraph(detail::Graph graph, detail::PassStats stats)
    : graph_(std::move(graph)), stats_(stats) {
  prepare();
}

void ConcreteGraph::prepare() {
  backend_ = &backend::get_backend(graph_.device);
  if (stats_.arena_bytes) arena_ = std::make_shared<Storage>(*backend_, stats_.arena_bytes);
  std::vector<int> input_of(graph_.buffers.size(), -1);
  for (std::size_t i = 0; i < graph_.inputs.size(); ++i) input_of[graph_.inputs[i]] = static_cast<int>(i);
  input_uses_.assign(graph_.inputs.size(), {});
  input_at_.assign(graph_.inputs.size(), nullptr);
  for (std::size_t i = 0; i < graph_.inputs.size(); ++i)
    if (const auto offset = graph_.buffers[graph_.inputs[i]].arena_offset; offset >= 0)
      input_at_[i] = static_cast<char*>(arena_->data) + offset;
  for (std::size_t j = 0; j < graph_.nodes.size(); ++j) {
    std::vector<void*> p;
    for (std::size_t k = 0; k < graph_.nodes[j].args.size(); ++k) {
      const auto& a = graph_.nodes[j].args[k];
      p.push_back(address(a));
      if (input_of[a.buffer] >= 0) input_uses_[input_of[a.buffer]].push_back({j, k, a.offset});
      const Buffer& b = graph_.buffers[a.buffer];
      if (a.write && b.kind == Buffer::Kind::external)
        written_.emplace_back(static_cast<const char*>(b.address), static_cast<const char*>(b.address) + b.bytes);
    }
    pointers_.push_back(std::move(p));
  }
  if (std::getenv("STRATA_DUMP_GRAPHS")) {
    std::fputs(listing().c_str(), stderr);
    for (std::size_t b = 0; b < graph_.buffers.size(); ++b) {
      const auto& buf = graph_.buffers[b];
      std::fprintf(stderr, "  buf %zu kind=%d bytes=%zu off=%lld use=[%d,%d] const=%d\n", b, int(buf.kind), buf.bytes,
                   (long long)buf.arena_offset, buf.first_use, buf.last_use, int(buf.constant));
    }
  }
}

void* ConcreteGraph::address(const detail::Access& a) const {
  const Buffer& b = graph_.buffers[a.buffer];
  if (b.kind == Buffer::Kind::input && !input_at_.empty() && b.arena_offset >= 0)
    for (std::size_t i = 0; i < graph_.inputs.size(); ++i)
      if (graph_.inputs[i] == a.buffer) return input_at_[i] + a.offset;
  char* base = b.arena_offset >= 0 ? static_cast<char*>(arena_->data) + b.arena_offset
                                   : static_cast<char*>(b.address);
  return base + a.offset;
}

std::vector<Tensor> ConcreteGraph::run(const std::vector<Tensor>& inputs) {
  for (std::size_t i = 0; i < graph_.inputs.size(); ++i) {
    const Buffer& b = graph_.buffers[graph_.inputs[i]];
    if (!b.bytes || b.arena_offset < 0) continue;
    const TensorImpl& impl = *inputs[i].impl();
    auto* data = static_cast<char*>(impl.data());
    // A Variable's value (or memory a node writes) could change under the graph's reads: copied.
    bool shared = impl.variable != nullptr;
    for (const auto& [lo, hi] : written_) shared = shared || (data < hi && lo < data + b.bytes);
    char* at = data;
    if (shared) {
      at = static_cast<char*>(arena_->data) + b.arena_offset;
      backend_->copy(data, at, b.bytes);
    }
    if (at == input_at_[i]) continue;
    for (const auto& use : input_uses_[i]) pointers_[use.node][use.arg] = at + use.offset;
    input_at_[i] = at;
  }
  for (std::size_t j = 0; j < graph_.nodes.size(); ++j) graph_.nodes[j].exec(*backend_, pointers_[j].data());
  std::vector<Tensor> outputs;
  outputs.reserve(graph_.outputs.size());
  for (const auto& out : graph_.outputs) {
    Tensor t = empty(out.shape, out.dtype, graph_.device);
    const auto bytes = static_cast<std::size_t>(t.size()) * dtype_size(out.dtype);
    if (bytes) backend_->copy(address({out.buffer, out.offset, false}), t.impl()->data(), bytes);
    outputs.push_back(std::move(t));
  }
  return outputs;
}

namespace {
std::string buffer_name(const detail::Graph& g, int b) {
  const Buffer& buf = g.buffers[b];
  switch (buf.kind) {
    case Buffer::Kind::input: return "%in" + buf.label.substr(buf.label.find(' ') + 1);
    case Buffer::Kind::external: return "$" + buf.label;
    case Buffer::Kind::internal: return (buf.constant ? "%const" : "%") + std::to_string(b);
  }
  return "?";
}
std::string access_name(const detail::Graph& g, const detail::Access& a) {
  return buffer_name(g, a.buffer) + (a.offset ? "+" + std::to_string(a.offset) : "");
}
}  // namespace

std::string ConcreteGraph::listing() const {
  std::ostringstream os;
  os << "function " << graph_.name << "(";
  for (std::size_t i = 0; i < graph_.inputs.size(); ++i) os << (i ? ", " : "") << buffer_name(graph_, graph_.inputs[i]);
  os << ")  # " << stats_.nodes_traced << " nodes traced, " << stats_.nodes_pruned << " pruned, " << stats_.nodes_folded
     << " folded, " << stats_.nodes_merged << " merged, " << stats_.nodes_fused << " fused, " << graph_.nodes.size() << " replayed; intermediates "
     << stats_.bytes_before << " bytes -> arena " << stats_.arena_bytes << " bytes\n";
  for (const auto& node : graph_.nodes) {
    std::string writes, reads;
    for (const auto& a : node.args) {
      std::string& list = a.write ? writes : reads;
      const std::string name = access_name(graph_, a);
      list += (list.empty() ? "" : ", ") + name;
    }
    os << "  " << (writes.empty() ? "_" : writes) << " = " << node.op << "(" << reads << ")";
    if (!node.attrs.empty()) os << "  " << node.attrs;
    os << "\n";
  }
  os << "  return (";
  for (std::size_t i = 0; i < graph_.outputs.size(); ++i) {
    const auto& o = graph_.outputs[i];
    os << (i ? ", " : "") << access_name(graph_, {o.buffer, o.offset, false}) << ":" << dtype_name(o.dtype)
       << o.shape.to_string();
  }
  os << ")\n";
  return os.str();
}

std::string ConcreteGraph::to_dot() const {
  std::ostringstream os;
  os << "digraph \"" << graph_.name << "\" {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n";
  std::vector<int> last_writer(graph_.buffers.size(), -1);
  auto value_node = [&](int b) {
    const Buffer& buf = graph_.buffers[b];
    if (buf.kind == Buffer::Kind::internal && !buf.constant) return std::string();
    return "b" + std::to_string(b);
  };
  for (std::size_t b = 0; b < graph_.buffers.size(); ++b) {
    const auto name = value_node(static_cast<int>(b));
    if (!name.empty() && graph_.buffers[b].last_use >= 0)
      os << "  " << name << " [shape=box, label=\"" << buffer_name(graph_, static_cast<int>(b)) << "\"];\n";
  }
  for (std::size_t j = 0; j < graph_.nodes.size(); ++j) {
    const auto& node = graph_.nodes[j];
    os << "  n" << j << " [shape=ellipse, label=\"" << node.op << "\"];\n";
    for (const auto& a : node.args) {
      if (a.write) continue;
      if (last_writer[a.buffer] >= 0)
        os << "  n" << last_writer[a.buffer] << " -> n" << j << ";\n";
      else if (auto v = value_node(a.buffer); !v.empty())
        os << "  " << v << " -> n" << j << ";\n";
    }
    for (const auto& a : node.args)
      if (a.write) {
        last_writer[a.buffer] = static_cast<int>(j);
        if (graph_.buffers[a.buffer].kind == Buffer::Kind::external)
          os << "  n" << j << " -> b" << a.buffer << " [style=dashed];\n";
      }
  }
  for (std::size_t i = 0; i < graph_.outputs.size(); ++i) {
    os << "  out" << i << " [shape=box, label=\"output " << i << "\"];\n";
    const int w = last_writer[graph_.outputs[i].buffer];
    os << "  " << (w >= 0 ? "n" + std::to_string(w) : "b" + std::to_string(graph_.outputs[i].buffer)) << " -> out" << i
       << ";\n";
  }
  os << "}\n";
  return os.str();
}

}  // namespace strata::graph
