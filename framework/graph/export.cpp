// The function file: "STRATAFN", a version, then the graph as CallWriter fields (little-endian):
//   name, device, pass statistics, arena bytes,
//   buffers   (kind, bytes, arena offset, constant, label, values for variables and constants),
//   inputs    (buffer, shape, dtype), outputs (buffer, offset, shape, dtype),
//   nodes     (op, attrs, flags, accesses (buffer, offset, write), kernel record).
// Loading decodes every kernel record with the replay's own decoder and checks each pointer
// argument's reach against its buffer before anything is allocated or run.
#include "strata/framework/graph/export.hpp"

#include <fstream>
#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>

#include "strata/backend/backend.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/graph/concrete_graph.hpp"
#include "strata/framework/graph/graph_file.hpp"
#include "strata/framework/graph/kernel_call.hpp"
#include "strata/framework/ops/random.hpp"

namespace strata {

using graph::detail::Buffer;
using graph::detail::ByteReader;
using graph::detail::CallWriter;

namespace {

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'F', 'N'};
constexpr std::int64_t kVersion = 1;
// A loaded graph's arena and values together may not exceed this (a hostile file cannot make the
// loader allocate more).
std::atomic<std::int64_t> max_memory{std::int64_t(1) << 36};
thread_local std::int64_t loaded_memory = 0;  // by the file being loaded on this thread
thread_local Device loading_to;

}  // namespace

namespace graph::detail {

std::vector<std::byte> node_record(const Node& node) {
  if (!node.call.empty()) return node.call;
  return node.encode ? node.encode() : std::vector<std::byte>{};
}

void write_graph_body(CallWriter& w, const Graph& g, const PassStats& s, bool captures) {
  for (const auto& node : g.nodes)
    if (node_record(node).empty())
      throw ValueError("save_function: function '" + g.name + "' cannot be saved: its node '" + node.op +
                       "' runs C++ at every call (a host step, such as a train step's optimizer update). Save a "
                       "function made only of kernels, such as a model's inference.");
  auto& backend = backend::get_backend(g.device);
  const auto used = referenced(g);
  for (auto v : {s.nodes_traced, s.nodes_pruned, s.nodes_folded, s.nodes_merged, s.nodes_fused, s.bytes_before,
                 s.constant_bytes})
    w.i64(static_cast<std::int64_t>(v));
  w.i64(static_cast<std::int64_t>(s.arena_bytes));

  w.i64(static_cast<std::int64_t>(g.buffers.size()));
  std::vector<std::byte> host;
  for (std::size_t b = 0; b < g.buffers.size(); ++b) {
    const Buffer& buf = g.buffers[b];
    const bool in_arena = buf.arena_offset >= 0;
    // A sub-graph's external buffers are its node's captures: memory of the enclosing graph.
    const bool capture = captures && buf.kind == Buffer::Kind::external;
    const bool values = used[b] && !in_arena && buf.kind != Buffer::Kind::input && !capture;
    w.u8(static_cast<std::uint8_t>(buf.kind)).i64(used[b] ? static_cast<std::int64_t>(buf.bytes) : 0);
    w.i64(used[b] ? buf.arena_offset : -1).u8(buf.constant).text(buf.label).u8(values);
    if (values) {
      // Variables are saved with the values they hold now.
      host.resize(buf.bytes);
      if (buf.bytes) backend.copy_to_host(buf.address, host.data(), buf.bytes);
      w.bytes(host.data(), host.size());
    }
  }
  w.i64(static_cast<std::int64_t>(g.inputs.size()));
  for (std::size_t i = 0; i < g.inputs.size(); ++i)
    w.i64(g.inputs[i]).shape(g.input_specs.at(i).first).dtype(g.input_specs.at(i).second);
  w.i64(static_cast<std::int64_t>(g.outputs.size()));
  for (const auto& o : g.outputs) w.i64(o.buffer).i64(static_cast<std::int64_t>(o.offset)).shape(o.shape).dtype(o.dtype);
  w.i64(static_cast<std::int64_t>(g.nodes.size()));
  for (const auto& node : g.nodes) {
    w.text(node.op).text(node.attrs).u8(static_cast<std::uint8_t>(node.side_effect | (node.random << 1)));
    w.i64(static_cast<std::int64_t>(node.args.size()));
    for (const auto& a : node.args) w.i64(a.buffer).i64(static_cast<std::int64_t>(a.offset)).u8(a.write);
    const auto record = node_record(node);
    w.bytes(record.data(), record.size());
  }
}

}  // namespace graph::detail

void save_function(const ConcreteFunction& function, const std::string& path) {
  if (!function.defined()) throw ValueError("save_function: the concrete function is undefined");
  const auto& cg = *function.graph();
  const auto& g = cg.graph();
  CallWriter w;
  for (char c : kMagic) w.u8(static_cast<std::uint8_t>(c));
  w.i64(kVersion).text(g.name).text(g.device.to_string());
  try {
    graph::detail::write_graph_body(w, g, cg.stats(), false);
  } catch (const ValueError& e) {
    throw ValueError(std::string(e.what()) + " (writing '" + path + "')");
  }

  const auto bytes = w.take();
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw IOError("save_function: cannot open '" + path + "' for writing");
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!file.flush()) throw IOError("save_function: writing '" + path + "' failed");
}

namespace graph::detail {

void read_graph_body(ByteReader& r, Graph& g, PassStats& stats, bool captures, const std::string& where) {
  for (auto* v : {&stats.nodes_traced, &stats.nodes_pruned, &stats.nodes_folded, &stats.nodes_merged, &stats.nodes_fused,
                  &stats.bytes_before, &stats.constant_bytes})
    *v = static_cast<std::size_t>(r.size("a statistic"));
  const std::int64_t arena = r.size("the arena size");
  stats.arena_bytes = static_cast<std::size_t>(arena);
  const std::int64_t limit = max_memory.load();
  // One budget for a file's graph and every sub-graph in it.
  auto spend = [&](std::int64_t bytes) {
    loaded_memory += bytes;
    if (loaded_memory > limit) r.fail("the graph needs more than " + std::to_string(limit) + " bytes");
  };
  spend(arena);
  auto& backend = backend::get_backend(g.device);

  const auto buffers = r.count("the buffer count");
  g.buffers.resize(static_cast<std::size_t>(buffers));
  std::vector<std::byte> values;
  for (std::int64_t b = 0; b < buffers; ++b) {
    Buffer& buf = g.buffers[static_cast<std::size_t>(b)];
    const std::string at = "buffer " + std::to_string(b);
    buf.kind = r.code(Buffer::Kind::input, "buffer kind");
    const auto size = r.size("a buffer size");
    buf.bytes = static_cast<std::size_t>(size);
    buf.arena_offset = r.signed_size("an arena offset");
    buf.constant = r.flag();
    buf.label = r.text();
    const bool has_values = r.flag();
    if (buf.arena_offset < -1 || (buf.arena_offset >= 0 && buf.arena_offset + size > std::int64_t(stats.arena_bytes)))
      r.fail(at + " (" + std::to_string(size) + " bytes at " + std::to_string(buf.arena_offset) +
             ") lies outside the arena of " + std::to_string(stats.arena_bytes) + " bytes");
    const bool capture = captures && buf.kind == Buffer::Kind::external;
    if (capture && (has_values || buf.arena_offset >= 0)) r.fail(at + " is a capture with values or an arena place");
    if (!capture && has_values == (buf.arena_offset >= 0) && size > 0)
      r.fail(at + (has_values ? " has values and a place in the arena" : " has neither values nor a place in the arena"));
    if (buf.kind == Buffer::Kind::input && has_values) r.fail(at + " is an input with values");
    if (size == 0) buf.arena_offset = -1;  // nothing to place; a nonzero reach of it fails below
    if (!has_values) continue;
    values = r.bytes();
    if (values.size() != buf.bytes)
      r.fail(at + " holds " + std::to_string(values.size()) + " bytes of values, expected " + std::to_string(size));
    spend(size);
    buf.owner = std::make_shared<Storage>(backend, buf.bytes);
    buf.address = buf.owner->data;
    if (size) backend.copy_from_host(values.data(), buf.address, buf.bytes);
  }

  // The arena is no larger than the buffers placed in it (rounded to the planner's alignment).
  std::int64_t arena_end = 0;
  for (const auto& buf : g.buffers)
    if (buf.arena_offset >= 0) arena_end = std::max(arena_end, buf.arena_offset + std::int64_t(buf.bytes));
  if (std::int64_t(stats.arena_bytes) > arena_end + 64)
    r.fail("an arena of " + std::to_string(stats.arena_bytes) + " bytes for buffers that end at " +
           std::to_string(arena_end));

  auto buffer_index = [&](const char* what) {
    const auto b = r.i64();
    if (b < 0 || b >= buffers) r.fail(std::string(what) + " names buffer " + std::to_string(b) + " of " +
                                      std::to_string(buffers));
    return static_cast<int>(b);
  };
  auto fits = [&](int b, std::size_t offset, std::size_t bytes, const std::string& what) {
    const auto have = g.buffers[static_cast<std::size_t>(b)].bytes;
    if (offset > have || bytes > have - offset)
      r.fail(what + " reaches " + std::to_string(bytes) + " bytes from offset " + std::to_string(offset) +
             " of buffer " + std::to_string(b) + ", which has " + std::to_string(have));
  };
  const auto inputs = r.count("the input count");
  for (std::int64_t i = 0; i < inputs; ++i) {
    const int b = buffer_index("an input");
    Shape shape = r.shape();
    const DType dtype = r.dtype();
    if (g.buffers[static_cast<std::size_t>(b)].kind != Buffer::Kind::input) r.fail("input " + std::to_string(i) + " is not an input buffer");
    const auto bytes = bytes_of(shape, dtype);
    if (bytes != g.buffers[static_cast<std::size_t>(b)].bytes && g.buffers[static_cast<std::size_t>(b)].arena_offset >= 0)
      r.fail("input " + std::to_string(i) + " of shape " + shape.to_string() + " does not fill its buffer");
    g.inputs.push_back(b);
    g.input_specs.emplace_back(std::move(shape), dtype);
  }
  const auto outputs = r.count("the output count");
  for (std::int64_t i = 0; i < outputs; ++i) {
    Output o;
    o.buffer = buffer_index("an output");
    o.offset = static_cast<std::size_t>(r.size("an offset"));
    o.shape = r.shape();
    o.dtype = r.dtype();
    fits(o.buffer, o.offset, bytes_of(o.shape, o.dtype), "output " + std::to_string(i));
    g.outputs.push_back(std::move(o));
  }
  const auto nodes = r.count("the node count");
  for (std::int64_t j = 0; j < nodes; ++j) {
    Node node;
    node.op = r.text();
    node.attrs = r.text();
    const auto flags = r.u8();
    if (flags > 3) r.fail("node " + std::to_string(j) + " has unknown flags");
    node.side_effect = flags & 1;
    node.random = flags & 2;
    const auto args = r.count("an argument count");
    for (std::int64_t i = 0; i < args; ++i) {
      Access a;
      a.buffer = buffer_index("an argument");
      a.offset = static_cast<std::size_t>(r.size("an offset"));
      a.write = r.flag();
      if (a.write && g.buffers[static_cast<std::size_t>(a.buffer)].kind == Buffer::Kind::input)
        r.fail("node " + std::to_string(j) + " writes an input buffer");
      node.args.push_back(a);
    }
    node.call = r.bytes();
    const std::string at = where + ", node " + std::to_string(j) + " ('" + node.op + "')";
    auto decoded = decode_call(node.call, [] { return next_random_seed(); }, at);
    if (auto error = node_extents_error(g, node, decoded); !error.empty())
      throw IOError(at + ": " + error);
    node.exec = std::move(decoded.exec);
    g.nodes.push_back(std::move(node));
  }
  stats.nodes_replayed = g.nodes.size();
}

}  // namespace graph::detail

namespace {

std::vector<std::byte> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IOError("load_function: cannot open '" + path + "'");
  std::vector<char> text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(text.size());
  if (!text.empty()) std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

bool has_magic(const std::vector<std::byte>& bytes) {
  if (bytes.size() < sizeof kMagic) return false;
  for (std::size_t i = 0; i < sizeof kMagic; ++i)
    if (static_cast<char>(bytes[i]) != kMagic[i]) return false;
  return true;
}

ConcreteFunction parse(const std::vector<std::byte>& bytes, const std::string& path, const Device* device_override) {
  const std::string where = "load_function: '" + path + "'";
  if (!has_magic(bytes)) throw IOError(where + " is not a Strata function file (it does not start with STRATAFN)");
  ByteReader r(bytes, where);
  for (std::size_t i = 0; i < sizeof kMagic; ++i) r.u8();
  if (const auto version = r.i64(); version != kVersion)
    r.fail("file version " + std::to_string(version) + ", this program reads version " + std::to_string(kVersion));

  graph::detail::Graph g;
  g.name = r.text();
  const std::string device_type = r.text();
  try {
    g.device = device_override ? *device_override : Device(std::string_view(device_type));
  } catch (const Error& e) {
    r.fail(std::string("its device: ") + e.what());
  }
  graph::detail::PassStats stats;
  loaded_memory = 0;
  loading_to = g.device;
  graph::detail::read_graph_body(r, g, stats, false, where);
  r.end();
  stats.nodes_replayed = g.nodes.size();
  return ConcreteFunction(std::make_shared<graph::ConcreteGraph>(std::move(g), stats));
}

}  // namespace

namespace graph::detail {
const Device& loading_device() { return loading_to; }
void set_max_loaded_memory(std::int64_t bytes) { max_memory.store(bytes); }
}  // namespace graph::detail

ConcreteFunction load_function(const std::string& path) { return parse(read_file(path), path, nullptr); }
ConcreteFunction load_function(const std::string& path, const Device& device) {
  return parse(read_file(path), path, &device);
}

bool is_function_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  char head[sizeof kMagic] = {};
  return file.read(head, sizeof head) && std::equal(head, head + sizeof head, kMagic);
}

}  // namespace strata
