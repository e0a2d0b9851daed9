#pragma once
// A node's kernel call as bytes (internal): which Backend entry point, with which shapes, dtypes and
// flags. The tracer encodes every kernel it records, and the node's Exec is always made by decoding
// that record, so one decoder serves both replay and loading from a file (framework/graph/export.cpp):
// every compiled step exercises the code a loaded file runs.
//
// Decoding treats the bytes as untrusted: every enum, size and shape is checked (the backend's own
// argument checks run on the decoded arguments), and the bytes each pointer argument reaches are
// computed, so that a loader can check them against the buffers before anything runs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/framework/graph/graph.hpp"

namespace strata::graph::detail {

enum class Kernel : std::uint8_t {
  constant, copy, fill, cast, unary, binary, where, reduce, gemm, copy_strided, gather, scatter_add, softmax,
  random, conv2d, conv2d_backward, pool2d, pool2d_backward, adam_update, fused_elementwise,
  cond, while_loop,  // control-flow nodes: their sub-graphs in the record (control_flow_node.cpp)
};

// Appends fields to a record (little-endian, fixed widths). Also writes function files.
class CallWriter {
 public:
  CallWriter() = default;
  explicit CallWriter(Kernel kernel) { u8(static_cast<std::uint8_t>(kernel)); }
  CallWriter& u8(std::uint8_t v);
  CallWriter& i64(std::int64_t v);
  CallWriter& f64(double v);
  CallWriter& dtype(DType d) { return u8(static_cast<std::uint8_t>(d)); }
  CallWriter& shape(const Shape& s);
  CallWriter& ints(const std::vector<std::int64_t>& v);
  CallWriter& bytes(const void* data, std::size_t n);  // length, then the bytes
  CallWriter& text(const std::string& v);
  // Structured arguments, written as their decoders read them.
  CallWriter& conv(const backend::ConvArgs& a);
  CallWriter& pool(backend::PoolOp op, const backend::PoolArgs& a);
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

// Reads what CallWriter writes, from untrusted bytes: every read is bounds-checked, every size is
// limited (dimensions to 2^40, element counts to 2^48, ranks to 16), and a failure is an IOError
// "<where>: <what>".
class ByteReader {
 public:
  static constexpr std::int64_t kMaxDim = std::int64_t(1) << 40;
  static constexpr std::size_t kMaxRank = 16;

  ByteReader(const std::vector<std::byte>& bytes, std::string where) : b_(bytes), where_(std::move(where)) {}
  [[noreturn]] void fail(const std::string& what) const;

  std::uint8_t u8();
  std::int64_t i64();
  double f64();
  bool flag();
  DType dtype();
  template <class E>
  E code(E last, const char* what) {
    const auto v = u8();
    if (v > static_cast<std::uint8_t>(last)) fail(std::string("unknown ") + what + " code " + std::to_string(v));
    return static_cast<E>(v);
  }
  std::int64_t size(const char* what);         // in [0, kMaxDim]
  std::int64_t signed_size(const char* what);  // in [-kMaxDim, kMaxDim]
  std::int64_t count(const char* what);        // of following items of a byte or more: <= remaining()
  Shape shape();
  std::vector<std::int64_t> ints(const char* what);
  std::vector<std::byte> bytes();
  std::string text();
  std::size_t remaining() const { return b_.size() - pos_; }
  void end() const;  // fails unless every byte was read

 private:
  void need(std::size_t n) const;
  const std::vector<std::byte>& b_;
  std::string where_;
  std::size_t pos_ = 0;
};

// The seed a random kernel draws at each run (the tracer's source, or the loading program's
// global generator).
using SeedSource = std::function<std::uint64_t()>;

struct DecodedCall {
  Kernel kernel;
  Exec exec;
  // Bytes reached through each pointer argument, in the node's Access order.
  std::vector<std::size_t> extents;
};

// Decodes a record; IOError naming `where` (a file and node) on anything malformed.
DecodedCall decode_call(const std::vector<std::byte>& call, SeedSource seed, const std::string& where);

// Empty when every pointer argument of `node` (decoded as `call`) stays inside its buffer, else what
// is wrong.
std::string node_extents_error(const Graph& graph, const Node& node, const DecodedCall& call);

// The most memory (arena and values) load_function lets a file ask for (default 64 GiB; the fuzz
// target lowers it).
void set_max_loaded_memory(std::int64_t bytes);

// The record of a fused elementwise chain (made by the fusion pass).
std::vector<std::byte> fused_call(DType dtype, std::int64_t count, const std::vector<bool>& input_scalar,
                                  const std::vector<backend::FusedStep>& steps);

}  // namespace strata::graph::detail
