#include "strata/framework/graph/kernel_call.hpp"

#include <algorithm>
#include <cstring>

#include "strata/backend/kernel_checks.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/graph/control_flow_node.hpp"

namespace strata::graph::detail {

using backend::Backend;

namespace {

// Limits that keep every size computation below far from overflow.
constexpr unsigned __int128 kMaxBytes = static_cast<unsigned __int128>(1) << 48;

// Bytes of `elements` values of `dtype`, or a failure past the limit.
std::size_t bytes_of(const ByteReader& r, unsigned __int128 elements, DType dtype) {
  const auto bytes = elements * dtype_size(dtype);
  if (bytes > kMaxBytes) r.fail("an argument of more than 2^48 bytes");
  return static_cast<std::size_t>(bytes);
}
std::size_t bytes_of(const ByteReader& r, const Shape& s, DType dtype) {
  return bytes_of(r, static_cast<unsigned __int128>(s.num_elements()), dtype);
}

// Runs a backend argument check on decoded arguments: its error becomes the record's.
template <class F>
void checked(const ByteReader& r, F&& check) {
  try {
    check();
  } catch (const Error& e) {
    r.fail(std::string("invalid kernel arguments: ") + e.what());
  }
}



backend::ConvArgs read_conv(ByteReader& r, bool* has_bias) {
  backend::ConvArgs a;
  a.dtype = r.dtype();
  for (auto* v : {&a.batch, &a.in_h, &a.in_w, &a.in_channels, &a.out_h, &a.out_w, &a.filters, &a.kernel_h,
                  &a.kernel_w, &a.stride_h, &a.stride_w, &a.dilation_h, &a.dilation_w, &a.pad_top, &a.pad_left,
                  &a.groups})
    *v = r.size("a convolution size");
  *has_bias = r.flag();
  a.relu = r.flag();
  if (!is_floating(a.dtype)) r.fail("conv2d on dtype " + std::string(dtype_name(a.dtype)));
  checked(r, [&] { backend::check_conv(a); });
  // A 1x1 stride-1 unpadded convolution reads x as its patch matrix: the output is the input's size.
  if (a.kernel_h == 1 && a.kernel_w == 1 && a.stride_h == 1 && a.stride_w == 1 && a.pad_top == 0 &&
      a.pad_left == 0 && a.groups == 1 && (a.out_h != a.in_h || a.out_w != a.in_w))
    r.fail("conv2d: a 1x1 convolution's output size differs from its input's");
  return a;
}

struct ConvExtents {
  std::size_t x, kernel, bias, y;
};
ConvExtents conv_extents(const ByteReader& r, const backend::ConvArgs& a) {
  using U = unsigned __int128;
  return {bytes_of(r, U(a.batch) * U(a.in_h) * U(a.in_w) * U(a.in_channels), a.dtype),
          bytes_of(r, U(a.kernel_h) * U(a.kernel_w) * U(a.in_channels / a.groups) * U(a.filters), a.dtype),
          bytes_of(r, U(a.filters), a.dtype), bytes_of(r, U(a.batch) * U(a.out_h) * U(a.out_w) * U(a.filters), a.dtype)};
}


backend::PoolArgs read_pool(ByteReader& r, backend::PoolOp* op) {
  *op = r.code(backend::PoolOp::average, "pooling");
  backend::PoolArgs a;
  a.dtype = r.dtype();
  for (auto* v : {&a.batch, &a.in_h, &a.in_w, &a.channels, &a.out_h, &a.out_w, &a.pool_h, &a.pool_w, &a.stride_h,
                  &a.stride_w, &a.pad_top, &a.pad_left})
    *v = r.size("a pooling size");
  if (!is_floating(a.dtype)) r.fail("pool2d on dtype " + std::string(dtype_name(a.dtype)));
  checked(r, [&] { backend::check_pool(a); });
  return a;
}

DecodedCall decode(ByteReader& r, Kernel kernel, SeedSource seed) {
  using namespace backend;
  using U = unsigned __int128;
  DecodedCall d{kernel, nullptr, {}};
  auto& ext = d.extents;
  switch (kernel) {
    case Kernel::cond:
    case Kernel::while_loop:
      r.fail("a control-flow record where a kernel was expected");
    case Kernel::constant: {
      auto values = r.bytes();
      ext = {values.size()};
      d.exec = [values = std::move(values)](Backend& b, void* const* p) {
        b.copy_from_host(values.data(), p[0], values.size());
      };
      break;
    }
    case Kernel::copy: {
      const auto n = static_cast<std::size_t>(r.size("a byte count"));
      ext = {n, n};
      d.exec = [n](Backend& b, void* const* p) { b.copy(p[0], p[1], n); };
      break;
    }
    case Kernel::fill: {
      Shape s = r.shape();
      const DType t = r.dtype();
      const double value = r.f64();
      ext = {bytes_of(r, s, t)};
      d.exec = [s, t, value](Backend& b, void* const* p) { b.fill({p[0], s, t}, value); };
      break;
    }
    case Kernel::cast: {
      Shape s = r.shape();
      const DType xd = r.dtype(), od = r.dtype();
      checked(r, [&] { check_cast({nullptr, s, xd}, {nullptr, s, od}); });
      ext = {bytes_of(r, s, xd), bytes_of(r, s, od)};
      d.exec = [s, xd, od](Backend& b, void* const* p) { b.cast({p[0], s, xd}, {p[1], s, od}); };
      break;
    }
    case Kernel::unary: {
      const auto op = r.code(UnaryOp::logical_not, "unary op");
      Shape s = r.shape();
      const DType xd = r.dtype(), od = r.dtype();
      const double alpha = r.f64();
      checked(r, [&] { check_unary(op, {nullptr, s, xd}, {nullptr, s, od}); });
      ext = {bytes_of(r, s, xd), bytes_of(r, s, od)};
      d.exec = [op, s, xd, od, alpha](Backend& b, void* const* p) { b.unary(op, {p[0], s, xd}, {p[1], s, od}, alpha); };
      break;
    }
    case Kernel::binary: {
      const auto op = r.code(BinaryOp::logical_xor, "binary op");
      Shape as = r.shape(), bs = r.shape(), os = r.shape();
      const DType t = r.dtype(), od = r.dtype();
      checked(r, [&] { check_binary(op, {nullptr, as, t}, {nullptr, bs, t}, {nullptr, os, od}); });
      ext = {bytes_of(r, as, t), bytes_of(r, bs, t), bytes_of(r, os, od)};
      d.exec = [op, as, bs, os, t, od](Backend& k, void* const* p) {
        k.binary(op, {p[0], as, t}, {p[1], bs, t}, {p[2], os, od});
      };
      break;
    }
    case Kernel::where: {
      Shape cs = r.shape(), as = r.shape(), bs = r.shape(), os = r.shape();
      const DType t = r.dtype();
      checked(r, [&] {
        check_where({nullptr, cs, DType::boolean}, {nullptr, as, t}, {nullptr, bs, t}, {nullptr, os, t});
      });
      ext = {bytes_of(r, cs, DType::boolean), bytes_of(r, as, t), bytes_of(r, bs, t), bytes_of(r, os, t)};
      d.exec = [cs, as, bs, os, t](Backend& k, void* const* p) {
        k.where({p[0], cs, DType::boolean}, {p[1], as, t}, {p[2], bs, t}, {p[3], os, t});
      };
      break;
    }
    case Kernel::reduce: {
      const auto op = r.code(ReduceOp::argmin, "reduction");
      Shape xs = r.shape();
      const DType xd = r.dtype();
      std::vector<int> axes;
      for (auto a : r.ints("an axis")) axes.push_back(static_cast<int>(a));
      Shape os = r.shape();
      const DType od = r.dtype();
      checked(r, [&] { check_reduce(op, {nullptr, xs, xd}, axes, {nullptr, os, od}); });
      ext = {bytes_of(r, xs, xd), bytes_of(r, os, od)};
      d.exec = [op, xs, xd, axes, os, od](Backend& b, void* const* p) {
        b.reduce(op, {p[0], xs, xd}, axes, {p[1], os, od});
      };
      break;
    }
    case Kernel::gemm: {
      GemmArgs g;
      g.dtype = r.dtype();
      g.transpose_a = r.flag();
      g.transpose_b = r.flag();
      const bool has_bias = r.flag();
      g.relu = r.flag();
      for (auto* v : {&g.batch, &g.m, &g.n, &g.k, &g.lda, &g.stride_a, &g.ldb, &g.stride_b, &g.ldc, &g.stride_c})
        *v = r.size("a gemm size");
      g.alpha = r.f64();
      g.beta = r.f64();
      if (!is_floating(g.dtype)) r.fail("gemm on dtype " + std::string(dtype_name(g.dtype)));
      if (!g.batch || !g.m || !g.n) r.fail("gemm with an empty product");
      checked(r, [&] { check_gemm(g); });
      const bool has_k = g.k > 0, reads_c = g.beta != 0.0;
      const U last = U(g.batch - 1);
      auto matrix = [&](std::int64_t rows, std::int64_t cols, std::int64_t ld, std::int64_t stride) {
        return bytes_of(r, last * U(stride) + U(rows - 1) * U(ld) + U(cols), g.dtype);
      };
      if (has_k) {
        ext.push_back(g.transpose_a ? matrix(g.k, g.m, g.lda, g.stride_a) : matrix(g.m, g.k, g.lda, g.stride_a));
        ext.push_back(g.transpose_b ? matrix(g.n, g.k, g.ldb, g.stride_b) : matrix(g.k, g.n, g.ldb, g.stride_b));
      }
      if (has_bias) ext.push_back(bytes_of(r, U(g.n), g.dtype));
      const auto c = matrix(g.m, g.n, g.ldc, g.stride_c);
      if (reads_c) ext.push_back(c);
      ext.push_back(c);
      d.exec = [g, has_k, has_bias, reads_c](Backend& b, void* const* p) {
        GemmArgs a = g;
        int i = 0;
        if (has_k) a.a = p[i++];
        if (has_k) a.b = p[i++];
        if (has_bias) a.bias = p[i++];
        if (reads_c) ++i;
        a.c = p[i];
        b.gemm(a);
      };
      break;
    }
    case Kernel::copy_strided: {
      StridedCopyArgs a;
      a.dtype = r.dtype();
      a.shape = r.shape();
      a.src_offset = r.size("an offset");
      a.src_strides = r.ints("a stride");
      a.dst_offset = r.size("an offset");
      a.dst_strides = r.ints("a stride");
      if (a.src_strides.size() != a.shape.size() || a.dst_strides.size() != a.shape.size())
        r.fail("copy_strided: " + std::to_string(a.src_strides.size()) + " / " + std::to_string(a.dst_strides.size()) +
               " strides for shape " + a.shape.to_string());
      if (a.shape.num_elements() == 0) r.fail("copy_strided of nothing");
      // The lowest and highest element each side reaches.
      auto reach = [&](std::int64_t offset, const std::vector<std::int64_t>& strides) {
        __int128 low = offset, high = offset;
        for (std::size_t i = 0; i < strides.size(); ++i) {
          const __int128 span = __int128(a.shape[i] - 1) * strides[i];
          (span < 0 ? low : high) += span;
        }
        if (low < 0) r.fail("copy_strided: strides reach before the buffer");
        return bytes_of(r, static_cast<U>(high) + 1, a.dtype);
      };
      ext = {reach(a.src_offset, a.src_strides), reach(a.dst_offset, a.dst_strides)};
      d.exec = [a](Backend& b, void* const* p) {
        StridedCopyArgs c = a;
        c.src = p[0];
        c.dst = p[1];
        b.copy_strided(c);
      };
      break;
    }
    case Kernel::gather:
    case Kernel::scatter_add: {
      Shape xs = r.shape(), is = r.shape(), os = r.shape();
      const DType t = r.dtype(), id = r.dtype();
      const int axis = static_cast<int>(r.size("an axis"));
      const bool gather = kernel == Kernel::gather;
      checked(r, [&] {
        gather ? check_gather({nullptr, xs, t}, {nullptr, is, id}, axis, {nullptr, os, t})
               : check_scatter_add({nullptr, xs, t}, {nullptr, is, id}, axis, {nullptr, os, t});
      });
      ext = {bytes_of(r, xs, t), bytes_of(r, is, id), bytes_of(r, os, t)};
      if (!gather) ext.push_back(ext.back());
      d.exec = [gather, xs, is, os, t, id, axis](Backend& b, void* const* p) {
        if (gather)
          b.gather({p[0], xs, t}, {p[1], is, id}, axis, {p[2], os, t});
        else
          b.scatter_add({p[0], xs, t}, {p[1], is, id}, axis, {p[3], os, t});
      };
      break;
    }
    case Kernel::softmax: {
      Shape s = r.shape();
      const DType t = r.dtype();
      const int axis = static_cast<int>(r.size("an axis"));
      const bool log = r.flag();
      checked(r, [&] { check_softmax({nullptr, s, t}, axis, log, {nullptr, s, t}); });
      ext = {bytes_of(r, s, t), bytes_of(r, s, t)};
      d.exec = [s, t, axis, log](Backend& b, void* const* p) { b.softmax({p[0], s, t}, axis, log, {p[1], s, t}); };
      break;
    }
    case Kernel::random: {
      const auto dist = r.code(Distribution::truncated_normal, "distribution");
      const double a = r.f64(), b = r.f64();
      Shape s = r.shape();
      const DType t = r.dtype();
      if (!is_floating(t)) r.fail("random values of dtype " + std::string(dtype_name(t)));
      ext = {bytes_of(r, s, t)};
      d.exec = [dist, a, b, s, t, seed = std::move(seed)](Backend& k, void* const* p) {
        k.random(dist, seed(), a, b, {p[0], s, t});
      };
      break;
    }
    case Kernel::conv2d: {
      bool has_bias = false;
      const ConvArgs a = read_conv(r, &has_bias);
      const auto e = conv_extents(r, a);
      ext = {e.x, e.kernel};
      if (has_bias) ext.push_back(e.bias);
      ext.push_back(e.y);
      d.exec = [a, has_bias](Backend& b, void* const* p) {
        ConvArgs c = a;
        if (has_bias) c.bias = p[2];
        b.conv2d(c, p[0], p[1], p[has_bias ? 3 : 2]);
      };
      break;
    }
    case Kernel::conv2d_backward: {
      bool has_bias = false;
      const ConvArgs a = read_conv(r, &has_bias);
      const auto present = r.u8();
      // Slots x, kernel, dy, dx, dkernel; dy always, dx needs the kernel, dkernel needs x.
      if (present > 31 || !(present & 4) || ((present & 8) && !(present & 2)) || ((present & 16) && !(present & 1)) ||
          !(present & 24))
        r.fail("conv2d_backward: inconsistent arguments (mask " + std::to_string(present) + ")");
      const auto e = conv_extents(r, a);
      const std::size_t slot[5] = {e.x, e.kernel, e.y, e.x, e.kernel};
      for (int i = 0; i < 5; ++i)
        if (present & (1u << i)) ext.push_back(slot[i]);
      d.exec = [a, present](Backend& b, void* const* p) {
        void* s[5] = {};
        int j = 0;
        for (int i = 0; i < 5; ++i)
          if (present & (1u << i)) s[i] = p[j++];
        b.conv2d_backward(a, s[0], s[1], s[2], s[3], s[4]);
      };
      break;
    }
    case Kernel::pool2d:
    case Kernel::pool2d_backward: {
      PoolOp op;
      const PoolArgs a = read_pool(r, &op);
      const std::size_t x = bytes_of(r, U(a.batch) * U(a.in_h) * U(a.in_w) * U(a.channels), a.dtype);
      const std::size_t y = bytes_of(r, U(a.batch) * U(a.out_h) * U(a.out_w) * U(a.channels), a.dtype);
      if (kernel == Kernel::pool2d) {
        ext = {x, y};
        d.exec = [op, a](Backend& b, void* const* p) { b.pool2d(op, a, p[0], p[1]); };
        break;
      }
      const bool has_x = r.flag();
      if (op == PoolOp::max && !has_x) r.fail("max_pool2d_backward without its input");
      ext = has_x ? std::vector<std::size_t>{x, y, x} : std::vector<std::size_t>{y, x};
      d.exec = [op, a, has_x](Backend& b, void* const* p) {
        if (has_x)
          b.pool2d_backward(op, a, p[0], p[1], p[2]);
        else
          b.pool2d_backward(op, a, nullptr, p[0], p[1]);
      };
      break;
    }
    case Kernel::adam_update: {
      AdamUpdateArgs a{};
      a.dtype = r.dtype();
      a.size = r.size("a size");
      a.alpha = r.f64();
      a.beta_1 = r.f64();
      a.beta_2 = r.f64();
      a.epsilon = r.f64();
      const bool amsgrad = r.flag();
      if (!is_floating(a.dtype)) r.fail("adam_update on dtype " + std::string(dtype_name(a.dtype)));
      ext.assign(amsgrad ? 9 : 7, bytes_of(r, U(a.size), a.dtype));
      d.exec = [a, amsgrad](Backend& b, void* const* p) {
        AdamUpdateArgs u = a;
        u.grad = p[0];
        u.variable = p[4];
        u.m = p[5];
        u.v = p[6];
        u.v_max = amsgrad ? p[8] : nullptr;
        b.adam_update(u);
      };
      break;
    }
    case Kernel::fused_elementwise: {
      const DType t = r.dtype();
      const auto count = r.size("an element count");
      std::vector<bool> scalar(static_cast<std::size_t>(r.count("fused inputs")));
      for (std::size_t i = 0; i < scalar.size(); ++i) scalar[i] = r.flag();
      std::vector<FusedStep> steps(static_cast<std::size_t>(r.count("fused steps")));
      if (!is_floating(t) || !count || scalar.empty() || steps.empty())
        r.fail("fused_elementwise: an empty or non-float program");
      for (std::size_t s = 0; s < steps.size(); ++s) {
        FusedStep& step = steps[s];
        step.unary = r.flag();
        step.op = step.unary ? static_cast<int>(r.code(UnaryOp::swish, "unary op"))
                             : static_cast<int>(r.code(BinaryOp::minimum, "binary op"));
        step.alpha = r.f64();
        step.a = static_cast<int>(r.signed_size("an operand"));
        step.b = static_cast<int>(r.signed_size("an operand"));
        for (int operand : {step.a, step.b}) {
          const bool input = operand >= 0 && static_cast<std::size_t>(operand) < scalar.size();
          const bool earlier = operand < 0 && static_cast<std::size_t>(-1 - operand) < s;
          if (!input && !earlier) r.fail("fused_elementwise: step " + std::to_string(s) + " reads operand " +
                                         std::to_string(operand));
        }
      }
      for (std::size_t i = 0; i < scalar.size(); ++i) ext.push_back(bytes_of(r, scalar[i] ? U(1) : U(count), t));
      ext.push_back(bytes_of(r, U(count), t));
      // The program is built once; a call only sets its pointers (a replay runs one call at a time).
      FusedElementwiseArgs program{t, count, std::vector<const void*>(scalar.size()), scalar, steps, nullptr};
      d.exec = [program = std::move(program)](Backend& b, void* const* p) mutable {
        std::copy(p, p + program.inputs.size(), program.inputs.begin());
        program.out = p[program.inputs.size()];
        b.fused_elementwise(program);
      };
      break;
    }
  }
  r.end();
  return d;
}

}  // namespace

void ByteReader::fail(const std::string& what) const { throw IOError(where_ + ": " + what); }

std::uint8_t ByteReader::u8() {
  need(1);
  return static_cast<std::uint8_t>(b_[pos_++]);
}
std::int64_t ByteReader::i64() {
  need(8);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b_[pos_++]) << (8 * i);
  return static_cast<std::int64_t>(v);
}
double ByteReader::f64() {
  const auto bits = static_cast<std::uint64_t>(i64());
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
bool ByteReader::flag() {
  const auto v = u8();
  if (v > 1) fail("a flag is " + std::to_string(v) + ", expected 0 or 1");
  return v == 1;
}
DType ByteReader::dtype() {
  const auto v = u8();
  if (v > static_cast<std::uint8_t>(DType::boolean)) fail("unknown dtype code " + std::to_string(v));
  return static_cast<DType>(v);
}
std::int64_t ByteReader::size(const char* what) {
  const auto v = i64();
  if (v < 0 || v > kMaxDim) fail(std::string(what) + " " + std::to_string(v) + " is out of range");
  return v;
}
std::int64_t ByteReader::count(const char* what) {
  const auto v = i64();
  if (v < 0 || static_cast<std::uint64_t>(v) > remaining())
    fail(std::string(what) + " " + std::to_string(v) + " is more than the bytes left");
  return v;
}
std::int64_t ByteReader::signed_size(const char* what) {
  const auto v = i64();
  if (v < -kMaxDim || v > kMaxDim) fail(std::string(what) + " " + std::to_string(v) + " is out of range");
  return v;
}
Shape ByteReader::shape() {
  const auto rank = u8();
  if (rank > kMaxRank) fail("a shape of rank " + std::to_string(rank));
  std::vector<std::int64_t> dims(rank);
  unsigned __int128 count = 1;
  for (auto& d : dims) {
    d = size("a dimension");
    count *= static_cast<unsigned __int128>(d);
    if (count > kMaxBytes) fail("a shape with more than 2^48 elements");
  }
  return Shape(std::move(dims));
}
std::vector<std::int64_t> ByteReader::ints(const char* what) {
  const auto n = u8();
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = signed_size(what);
  return v;
}
std::vector<std::byte> ByteReader::bytes() {
  const auto n = static_cast<std::size_t>(count("a byte count"));
  std::vector<std::byte> v(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
                           b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return v;
}
std::string ByteReader::text() {
  const auto n = static_cast<std::size_t>(count("a string length"));
  std::string v(reinterpret_cast<const char*>(b_.data()) + pos_, n);
  pos_ += n;
  return v;
}
void ByteReader::end() const {
  if (pos_ != b_.size()) fail(std::to_string(b_.size() - pos_) + " bytes after the end");
}
void ByteReader::need(std::size_t n) const {
  if (remaining() < n) fail("the data ends early");
}

CallWriter& CallWriter::u8(std::uint8_t v) {
  out_.push_back(static_cast<std::byte>(v));
  return *this;
}
CallWriter& CallWriter::i64(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::byte>((u >> (8 * i)) & 0xff));
  return *this;
}
CallWriter& CallWriter::f64(double v) {
  std::int64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return i64(bits);
}
CallWriter& CallWriter::shape(const Shape& s) {
  u8(static_cast<std::uint8_t>(s.size()));
  for (std::size_t i = 0; i < s.size(); ++i) i64(s[i]);
  return *this;
}
CallWriter& CallWriter::ints(const std::vector<std::int64_t>& v) {
  u8(static_cast<std::uint8_t>(v.size()));
  for (auto x : v) i64(x);
  return *this;
}
CallWriter& CallWriter::text(const std::string& v) { return bytes(v.data(), v.size()); }
CallWriter& CallWriter::bytes(const void* data, std::size_t n) {
  i64(static_cast<std::int64_t>(n));
  const auto* p = static_cast<const std::byte*>(data);
  out_.insert(out_.end(), p, p + n);
  return *this;
}

DecodedCall decode_call(const std::vector<std::byte>& call, SeedSource seed, const std::string& where) {
  ByteReader r(call, where);
  const auto kernel = r.code(Kernel::while_loop, "kernel");
  if (kernel == Kernel::cond || kernel == Kernel::while_loop) {
    DecodedCall d = decode_control_flow(r, kernel, where);
    r.end();
    return d;
  }
  if (kernel == Kernel::random && !seed) r.fail("a random kernel without a seed source");
  return decode(r, kernel, std::move(seed));
}

std::string node_extents_error(const Graph& graph, const Node& node, const DecodedCall& call) {
  if (call.extents.size() != node.args.size())
    return "the kernel takes " + std::to_string(call.extents.size()) + " pointer arguments, the node gives " +
           std::to_string(node.args.size());
  for (std::size_t i = 0; i < node.args.size(); ++i) {
    const Access& a = node.args[i];
    if (a.buffer < 0 || static_cast<std::size_t>(a.buffer) >= graph.buffers.size())
      return "argument " + std::to_string(i) + " names buffer " + std::to_string(a.buffer) + " of " +
             std::to_string(graph.buffers.size());
    const std::size_t bytes = graph.buffers[static_cast<std::size_t>(a.buffer)].bytes;
    if (a.offset > bytes || call.extents[i] > bytes - a.offset)
      return "argument " + std::to_string(i) + " reaches " + std::to_string(call.extents[i]) + " bytes from offset " +
             std::to_string(a.offset) + " of buffer " + std::to_string(a.buffer) + ", which has " +
             std::to_string(bytes);
  }
  return {};
}

std::vector<std::byte> fused_call(DType dtype, std::int64_t count, const std::vector<bool>& input_scalar,
                                  const std::vector<backend::FusedStep>& steps) {
  CallWriter w(Kernel::fused_elementwise);
  w.dtype(dtype).i64(count).i64(static_cast<std::int64_t>(input_scalar.size()));
  for (bool s : input_scalar) w.u8(s);
  w.i64(static_cast<std::int64_t>(steps.size()));
  for (const auto& s : steps) w.u8(s.unary).u8(static_cast<std::uint8_t>(s.op)).f64(s.alpha).i64(s.a).i64(s.b);
  return w.take();
}

CallWriter& CallWriter::conv(const backend::ConvArgs& a) {
  dtype(a.dtype);
  for (auto v : {a.batch, a.in_h, a.in_w, a.in_channels, a.out_h, a.out_w, a.filters, a.kernel_h, a.kernel_w,
                 a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.pad_top, a.pad_left, a.groups})
    i64(v);
  u8(a.bias != nullptr).u8(a.relu);
  return *this;
}
CallWriter& CallWriter::pool(backend::PoolOp op, const backend::PoolArgs& a) {
  u8(static_cast<std::uint8_t>(op)).dtype(a.dtype);
  for (auto v : {a.batch, a.in_h, a.in_w, a.channels, a.out_h, a.out_w, a.pool_h, a.pool_w, a.stride_h, a.stride_w,
                 a.pad_top, a.pad_left})
    i64(v);
  return *this;
}

}  // namespace strata::graph::detail
