// Control-flow nodes at replay, and as records in function files: the counts of the node's pointer
// groups, then each sub-graph in the function-file layout (graph_file.hpp) with its capture index.
// Loading checks that every capture, written capture, loop variable and output the sub-graphs reach
// fits the node's argument, so the node's extents carry the same guarantee as a kernel's.
#include <string>

#include "strata/framework/graph/control_flow_node.hpp"
#include "strata/framework/graph/graph_file.hpp"
#include "strata/framework/graph/sub_graph.hpp"

namespace strata::graph::detail {

namespace {

bool read_bool(backend::Backend& b, const void* p) {
  std::uint8_t value = 0;
  b.copy_to_host(p, &value, 1);
  return value != 0;
}

void write_sub(CallWriter& w, const SubGraph& sub) {
  write_graph_body(w, sub.graph(), sub.stats(), true);
  w.i64(static_cast<std::int64_t>(sub.capture_index().size()));
  for (int i : sub.capture_index()) w.i64(i);
}

void write_counts(CallWriter& w, std::size_t captures, const std::vector<std::int64_t>& written) {
  w.i64(static_cast<std::int64_t>(captures)).i64(static_cast<std::int64_t>(written.size()));
  for (auto k : written) w.i64(k);
}

// A sub-graph from a record; `capture_bytes` grows to what its captures reach.
std::shared_ptr<SubGraph> read_sub(ByteReader& r, std::int64_t captures, std::vector<std::size_t>& capture_bytes,
                                   const std::string& where) {
  Graph g;
  g.device = loading_device();
  PassStats stats;
  read_graph_body(r, g, stats, true, where);
  if (r.count("a capture index") != static_cast<std::int64_t>(g.buffers.size()))
    r.fail("a capture index of another length than the sub-graph's buffers");
  std::vector<int> index(g.buffers.size());
  for (std::size_t b = 0; b < g.buffers.size(); ++b) {
    const auto k = r.signed_size("a capture");
    const bool external = g.buffers[b].kind == Buffer::Kind::external;
    // An external buffer nothing uses is no capture (-1).
    if (k < -1 || k >= captures || (!external && k != -1))
      r.fail("buffer " + std::to_string(b) + " of a sub-graph names capture " + std::to_string(k) + " of " +
             std::to_string(captures));
    index[b] = static_cast<int>(k);
    if (k >= 0) capture_bytes[static_cast<std::size_t>(k)] = std::max(capture_bytes[static_cast<std::size_t>(k)], g.buffers[b].bytes);
  }
  auto check_used = [&](int b) {
    if (g.buffers[static_cast<std::size_t>(b)].kind == Buffer::Kind::external && index[static_cast<std::size_t>(b)] < 0)
      r.fail("a sub-graph uses its buffer " + std::to_string(b) + ", which is no capture");
  };
  for (const auto& node : g.nodes)
    for (const auto& a : node.args) check_used(a.buffer);
  for (const auto& o : g.outputs) check_used(o.buffer);
  return std::make_shared<SubGraph>(std::move(g), stats, std::move(index));
}

std::vector<std::size_t> output_bytes(const SubGraph& sub) {
  std::vector<std::size_t> out;
  for (const auto& o : sub.graph().outputs) out.push_back(bytes_of(o.shape, o.dtype));
  return out;
}

// The bytes a sub-graph copies in from each of `n` inputs must be those of the loop variables (an
// unused input copies nothing).
void check_inputs(const ByteReader& r, const SubGraph& sub, const std::vector<std::size_t>& bytes, const char* what) {
  const auto& g = sub.graph();
  if (g.inputs.size() != bytes.size())
    r.fail(std::string(what) + " takes " + std::to_string(g.inputs.size()) + " inputs, the loop has " +
           std::to_string(bytes.size()) + " variables");
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto have = g.buffers[static_cast<std::size_t>(g.inputs[i])].bytes;
    if (have != 0 && have != bytes[i]) r.fail(std::string(what) + " input " + std::to_string(i) + " has another size");
  }
}

}  // namespace

Exec cond_exec(std::shared_ptr<SubGraph> true_graph, std::shared_ptr<SubGraph> false_graph, std::size_t first_output) {
  return [true_graph, false_graph, first_output](backend::Backend& b, void* const* p) {
    (read_bool(b, p[0]) ? *true_graph : *false_graph).run(b, p + 1, nullptr, p + first_output);
  };
}

Exec while_exec(std::shared_ptr<SubGraph> cond_graph, std::shared_ptr<SubGraph> body_graph,
                std::vector<std::size_t> bytes, std::size_t first_output, std::int64_t limit) {
  const std::size_t n = bytes.size();
  return [cond_graph, body_graph, bytes, n, first_output, limit](backend::Backend& k, void* const* p) {
    void* const* captures = p + n;
    void* const* vars = p + first_output;  // the loop variables live in the node's outputs
    for (std::size_t i = 0; i < n; ++i)
      if (bytes[i] && p[i] != vars[i]) k.copy(p[i], vars[i], bytes[i]);
    for (std::int64_t iteration = 0; limit < 0 || iteration < limit; ++iteration) {
      cond_graph->run(k, captures, vars, nullptr);
      if (!read_bool(k, cond_graph->output_pointer(0))) break;
      body_graph->run(k, captures, vars, vars);
    }
  };
}

std::function<std::vector<std::byte>()> cond_encoder(std::shared_ptr<SubGraph> true_graph,
                                                     std::shared_ptr<SubGraph> false_graph, std::size_t captures,
                                                     std::vector<std::int64_t> written) {
  return [=] {
    CallWriter w(Kernel::cond);
    write_counts(w, captures, written);
    write_sub(w, *true_graph);
    write_sub(w, *false_graph);
    return w.take();
  };
}

std::function<std::vector<std::byte>()> while_encoder(std::shared_ptr<SubGraph> cond_graph,
                                                      std::shared_ptr<SubGraph> body_graph, std::size_t vars,
                                                      std::size_t captures, std::vector<std::int64_t> written,
                                                      std::int64_t limit) {
  return [=] {
    CallWriter w(Kernel::while_loop);
    w.i64(static_cast<std::int64_t>(vars));
    write_counts(w, captures, written);
    w.i64(limit);
    write_sub(w, *cond_graph);
    write_sub(w, *body_graph);
    return w.take();
  };
}

DecodedCall decode_control_flow(ByteReader& r, Kernel kernel, const std::string& where) {
  // A hostile file could nest records until the stack runs out.
  static thread_local int depth = 0;
  if (depth >= 16) r.fail("control flow nested more than 16 deep");
  struct Nesting {
    Nesting() { ++depth; }
    ~Nesting() { --depth; }
  } nesting;

  const bool is_cond = kernel == Kernel::cond;
  const std::int64_t vars = is_cond ? 0 : r.count("the loop variables");
  const std::int64_t captures = r.count("the captures");
  std::vector<std::int64_t> written(static_cast<std::size_t>(r.count("the written captures")));
  for (auto& k : written) {
    k = r.signed_size("a written capture");
    if (k < 0 || k >= captures) r.fail("written capture " + std::to_string(k) + " of " + std::to_string(captures));
  }
  const std::int64_t limit = is_cond ? -1 : r.signed_size("maximum_iterations");
  if (limit < -1) r.fail("maximum_iterations " + std::to_string(limit));
  std::vector<std::size_t> capture_bytes(static_cast<std::size_t>(captures), 0);
  auto first = read_sub(r, captures, capture_bytes, where + (is_cond ? ", true branch" : ", loop condition"));
  auto second = read_sub(r, captures, capture_bytes, where + (is_cond ? ", false branch" : ", loop body"));

  DecodedCall d{kernel, nullptr, {}};
  auto& ext = d.extents;
  const auto outputs = output_bytes(*(is_cond ? first : second));
  if (is_cond) {
    if (output_bytes(*second) != outputs || !first->graph().inputs.empty() || !second->graph().inputs.empty())
      r.fail("the branches differ in their results or take inputs");
    ext.push_back(1);  // the predicate
  } else {
    if (outputs.size() != static_cast<std::size_t>(vars)) r.fail("the loop body does not return every loop variable");
    check_inputs(r, *first, outputs, "the loop condition");
    check_inputs(r, *second, outputs, "the loop body");
    const auto& cond_out = first->graph().outputs;
    if (cond_out.empty() || cond_out[0].dtype != DType::boolean || cond_out[0].shape.num_elements() < 1)
      r.fail("the loop condition does not return a bool");
    ext = outputs;  // the initial loop variables
  }
  ext.insert(ext.end(), capture_bytes.begin(), capture_bytes.end());
  for (auto k : written) ext.push_back(capture_bytes[static_cast<std::size_t>(k)]);
  ext.insert(ext.end(), outputs.begin(), outputs.end());
  const std::size_t first_output = ext.size() - outputs.size();
  d.exec = is_cond ? cond_exec(first, second, first_output) : while_exec(first, second, outputs, first_output, limit);
  return d;
}

}  // namespace strata::graph::detail
