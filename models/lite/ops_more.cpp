// More operators: pooling, MEAN, ADD / MUL, CONCATENATION, PAD, GATHER, TRANSPOSE_CONV, and the
// int8 LOGISTIC / TANH (a 256-entry table, as TFLite's int8 kernels). Checks first, then kernels.
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>

#include "strata/backend/cpu/lite/kernels.hpp"
#include "strata/models/lite/internal.hpp"
#include "tflite_generated.h"

namespace strata::lite::detail {
namespace {

using qmath::Activation;

Activation fused(const Context& ctx, const Node& node, tflite::ActivationFunctionType a) {
  switch (a) {
    case tflite::ActivationFunctionType_NONE: return Activation::none;
    case tflite::ActivationFunctionType_RELU: return Activation::relu;
    case tflite::ActivationFunctionType_RELU_N1_TO_1: return Activation::relu_n1_to_1;
    case tflite::ActivationFunctionType_RELU6: return Activation::relu6;
    default: ctx.fail(node, "fused activation TANH / SIGN_BIT is not supported on this operator");
  }
}

bool same_quantization(const LiteTensor& a, const LiteTensor& b) {
  return a.quant.scale.size() == 1 && b.quant.scale.size() == 1 && a.scale() == b.scale() &&
         a.zero_point() == b.zero_point();
}

std::int64_t out_size(tflite::Padding padding, std::int64_t in, std::int64_t filter, int stride) {
  return padding == tflite::Padding_VALID ? (in - filter + stride) / stride : (in + stride - 1) / stride;
}
int pad_before(std::int64_t in, std::int64_t filter, int stride, std::int64_t out) {
  return static_cast<int>(std::max<std::int64_t>(0, ((out - 1) * stride + filter - in) / 2));
}

void check_stride(Context& ctx, const Node& node, int a, int b) {
  ctx.require(node, a >= 1 && b >= 1 && a < 65536 && b < 65536, "strides and filter sizes must lie in [1, 65535]");
}

void pool2d(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  const auto* o = node.op->builtin_options_as_Pool2DOptions();
  ctx.require(node, o != nullptr, "has no Pool2DOptions");
  check_stride(ctx, node, o->stride_h(), o->stride_w());
  check_stride(ctx, node, o->filter_height(), o->filter_width());
  ctx.require(node, x.shape.size() == 4, "input must be NHWC (rank 4), got " + shape_string(x.shape));
  kernels::PoolShape s{x.shape[0], x.shape[1], x.shape[2], x.shape[3], 0, 0, o->filter_height(), o->filter_width(),
                       o->stride_h(), o->stride_w(), 0, 0};
  s.out_h = out_size(o->padding(), s.in_h, s.filter_h, s.stride_h);
  s.out_w = out_size(o->padding(), s.in_w, s.filter_w, s.stride_w);
  ctx.require(node, s.out_h > 0 && s.out_w > 0, "the pooling window does not fit the input");
  s.pad_top = pad_before(s.in_h, s.filter_h, s.stride_h, s.out_h);
  s.pad_left = pad_before(s.in_w, s.filter_w, s.stride_w, s.out_w);
  const Activation act = fused(ctx, node, o->fused_activation_function());
  const bool is_max = node.code == tflite::BuiltinOperator_MAX_POOL_2D;
  ctx.count(static_cast<double>(s.batches) * static_cast<double>(s.out_h) * static_cast<double>(s.out_w) *
            static_cast<double>(s.channels) * static_cast<double>(std::min<std::int64_t>(s.filter_h, s.in_h)) *
            static_cast<double>(std::min<std::int64_t>(s.filter_w, s.in_w)));
  ctx.require(node, y.type == x.type, "output type differs from the input's");
  ctx.set_shape(y, {s.batches, s.out_h, s.out_w, s.channels});
  if (x.type == ElementType::float32) {
    if (!ctx.eval) return;
    float lo, hi;
    qmath::activation_range_float(act, &lo, &hi);
    (is_max ? kernels::max_pool_f32 : kernels::average_pool_f32)(x.as<float>(), y.as<float>(), s, lo, hi);
  } else if (x.type == ElementType::int8) {
    ctx.require(node, same_quantization(x, y), "int8 input and output must share scale and zero point");
    std::int32_t lo, hi;
    qmath::activation_range_quantized(act, y.scale(), y.zero_point(), -128, 127, &lo, &hi);
    if (!ctx.eval) return;
    (is_max ? kernels::max_pool_i8 : kernels::average_pool_i8)(x.as<std::int8_t>(), y.as<std::int8_t>(), s, lo, hi);
  } else {
    ctx.fail(node, "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  }
}

// MEAN over constant axes (float32, int8).
// REDUCE_MAX over the axes marked in `reduce` (int8: the raw values, the quantization shared).
void reduce_max(const LiteTensor& x, LiteTensor& y, const std::vector<bool>& reduce) {
  const auto rank = static_cast<std::int64_t>(x.shape.size());
  const bool f32 = x.type == ElementType::float32;
  std::vector<float> best(static_cast<std::size_t>(y.num_elements()), -std::numeric_limits<float>::infinity());
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  for (std::int64_t i = 0; i < x.num_elements(); ++i) {
    std::int64_t out = 0;
    for (std::int64_t d = 0; d < rank; ++d)
      if (!reduce[static_cast<std::size_t>(d)]) out = out * x.shape[static_cast<std::size_t>(d)] + index[static_cast<std::size_t>(d)];
    const float v = f32 ? x.as<float>()[i] : static_cast<float>(x.as<std::int8_t>()[i]);
    auto& b = best[static_cast<std::size_t>(out)];
    b = std::max(b, v);
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      if (++index[static_cast<std::size_t>(d)] < x.shape[static_cast<std::size_t>(d)]) break;
      index[static_cast<std::size_t>(d)] = 0;
    }
  }
  for (std::size_t i = 0; i < best.size(); ++i) {
    if (f32) y.as<float>()[i] = best[i];
    else y.as<std::int8_t>()[i] = static_cast<std::int8_t>(std::max(best[i], -128.0f));  // -inf: nothing reduced
  }
}

// CAST between float32, int32 and int8 (float to integer truncates toward zero, as static_cast).
void cast(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  auto castable = [](ElementType t) {
    return t == ElementType::float32 || t == ElementType::int32 || t == ElementType::int8;
  };
  ctx.require(node, castable(x.type) && castable(y.type),
              "cast from " + std::string(element_type_name(x.type)) + " to " + std::string(element_type_name(y.type)) +
                  " is not supported (float32, int32, int8)");
  ctx.set_shape(y, x.shape);
  if (!ctx.eval) return;
  for (std::int64_t i = 0; i < x.num_elements(); ++i) {
    const double v = x.type == ElementType::float32 ? static_cast<double>(x.as<float>()[i])
                     : x.type == ElementType::int32 ? static_cast<double>(x.as<std::int32_t>()[i])
                                                    : static_cast<double>(x.as<std::int8_t>()[i]);
    if (y.type == ElementType::float32) {
      y.as<float>()[i] = static_cast<float>(v);
    } else {
      // Out of range or NaN (undefined in C++): saturated, NaN as 0.
      const double lo = y.type == ElementType::int32 ? -2147483648.0 : -128.0;
      const double hi = y.type == ElementType::int32 ? 2147483647.0 : 127.0;
      const double c = std::isnan(v) ? 0.0 : std::clamp(std::trunc(v), lo, hi);
      if (y.type == ElementType::int32) y.as<std::int32_t>()[i] = static_cast<std::int32_t>(c);
      else y.as<std::int8_t>()[i] = static_cast<std::int8_t>(c);
    }
  }
}

void mean(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& axes_t = ctx.in(node, 1);
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, axes_t, ElementType::int32, "axes");
  ctx.require(node, axes_t.constant, "axes must be a constant");
  const auto rank = static_cast<std::int64_t>(x.shape.size());
  std::vector<bool> reduce(static_cast<std::size_t>(rank), false);
  for (std::int64_t i = 0; i < axes_t.num_elements(); ++i) {
    std::int64_t a = axes_t.as<std::int32_t>()[i];
    if (a < 0) a += rank;
    ctx.require(node, a >= 0 && a < rank, "axis " + std::to_string(axes_t.as<std::int32_t>()[i]) + " is out of range");
    reduce[static_cast<std::size_t>(a)] = true;
  }
  const auto* o = node.op->builtin_options_as_ReducerOptions();
  const bool keep = o != nullptr && o->keep_dims();
  std::vector<std::int64_t> shape;
  for (std::int64_t d = 0; d < rank; ++d)
    if (!reduce[static_cast<std::size_t>(d)]) shape.push_back(x.shape[static_cast<std::size_t>(d)]);
    else if (keep) shape.push_back(1);
  ctx.require(node, y.type == x.type, "output type differs from the input's");
  ctx.require(node, x.type == ElementType::float32 || x.type == ElementType::int8,
              "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  if (x.type == ElementType::int8) {
    require_quantized(ctx, node, x, "input");
    require_quantized(ctx, node, y, "output");
    ctx.require(node, x.num_elements() < (1 << 23), "int8 MEAN over more than 2^23 elements is not supported");
  }
  const bool is_max = node.code == tflite::BuiltinOperator_REDUCE_MAX;
  if (is_max && x.type == ElementType::int8)
    ctx.require(node, x.scale() == y.scale() && x.zero_point() == y.zero_point(),
                "int8 REDUCE_MAX needs the input's scale and zero point on the output");
  ctx.set_shape(y, shape);
  if (!ctx.eval) return;
  std::int64_t out_count = y.num_elements(), in_count = x.num_elements();
  if (is_max) return reduce_max(x, y, reduce);
  std::vector<double> sums(static_cast<std::size_t>(out_count), 0.0);
  std::vector<std::int32_t> isums(static_cast<std::size_t>(out_count), 0);
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  for (std::int64_t i = 0; i < in_count; ++i) {
    std::int64_t out = 0;
    for (std::int64_t d = 0; d < rank; ++d)
      if (!reduce[static_cast<std::size_t>(d)]) out = out * x.shape[static_cast<std::size_t>(d)] + index[static_cast<std::size_t>(d)];
    if (x.type == ElementType::float32) sums[static_cast<std::size_t>(out)] += x.as<float>()[i];
    else isums[static_cast<std::size_t>(out)] += x.as<std::int8_t>()[i];
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      if (++index[static_cast<std::size_t>(d)] < x.shape[static_cast<std::size_t>(d)]) break;
      index[static_cast<std::size_t>(d)] = 0;
    }
  }
  const std::int64_t n = out_count == 0 ? 1 : std::max<std::int64_t>(1, in_count / out_count);
  for (std::int64_t i = 0; i < out_count; ++i) {
    if (x.type == ElementType::float32) {
      y.as<float>()[i] = static_cast<float>(sums[static_cast<std::size_t>(i)] / static_cast<double>(n));
    } else {  // reference_ops::Mean, quantized: sum * s_in / (n * s_out), the input zero point as a bias
      const auto count = static_cast<std::int32_t>(n);
      const std::int32_t bias = qmath::saturating_add(
          y.zero_point(), -qmath::round_to_int32(std::trunc(static_cast<float>(x.zero_point()) * x.scale() / y.scale())));
      const float real_scale = x.scale() / (static_cast<float>(count) * y.scale());
      std::int32_t m = 0;
      int shift = 0;
      qmath::quantize_multiplier(real_scale, &m, &shift);
      const std::int32_t a =
          qmath::saturating_add(qmath::multiply_by_quantized_multiplier(isums[static_cast<std::size_t>(i)], m, shift), bias);
      y.as<std::int8_t>()[i] = static_cast<std::int8_t>(std::clamp(a, -128, 127));
    }
  }
}

// The input offsets of each output element under numpy broadcasting.
std::vector<std::int64_t> broadcast_offsets(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& out) {
  const std::size_t rank = out.size();
  std::vector<std::int64_t> strides(rank, 0);
  std::int64_t stride = 1;
  for (std::size_t k = 0; k < in.size(); ++k) {
    const std::size_t d = rank - 1 - k;
    const std::int64_t size = in[in.size() - 1 - k];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  std::int64_t total = 1;
  for (auto d : out) total *= d;
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(total));
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;
  for (std::int64_t i = 0; i < total; ++i) {
    offsets[static_cast<std::size_t>(i)] = offset;
    for (std::size_t d = rank; d-- > 0;) {
      offset += strides[d];
      if (++index[d] < out[d]) break;
      offset -= strides[d] * index[d];
      index[d] = 0;
    }
  }
  return offsets;
}

void add_mul(Context& ctx, const Node& node) {
  auto& a = ctx.in(node, 0);
  auto& b = ctx.in(node, 1);
  auto& y = ctx.out(node, 0);
  const bool is_add = node.code == tflite::BuiltinOperator_ADD;
  tflite::ActivationFunctionType act_type = tflite::ActivationFunctionType_NONE;
  if (is_add) {
    if (const auto* o = node.op->builtin_options_as_AddOptions()) act_type = o->fused_activation_function();
  } else if (const auto* o = node.op->builtin_options_as_MulOptions()) {
    act_type = o->fused_activation_function();
  }
  const Activation act = fused(ctx, node, act_type);
  ctx.require(node, a.type == b.type && y.type == a.type, "inputs and output must have one type");
  const std::size_t rank = std::max(a.shape.size(), b.shape.size());
  std::vector<std::int64_t> shape(rank);
  for (std::size_t k = 0; k < rank; ++k) {
    const std::int64_t da = k < a.shape.size() ? a.shape[a.shape.size() - 1 - k] : 1;
    const std::int64_t db = k < b.shape.size() ? b.shape[b.shape.size() - 1 - k] : 1;
    ctx.require(node, da == db || da == 1 || db == 1,
                "shapes " + shape_string(a.shape) + " and " + shape_string(b.shape) + " do not broadcast");
    shape[rank - 1 - k] = da == 1 ? db : da;
  }
  ctx.require(node, a.type == ElementType::float32 || a.type == ElementType::int8,
              "input type " + std::string(element_type_name(a.type)) + " is not supported (float32, int8)");
  kernels::AddI8 add_params{};
  kernels::MulI8 mul_params{};
  if (a.type == ElementType::int8) {
    for (auto* t : {&a, &b, &y}) require_quantized(ctx, node, *t, "operand");
    std::int32_t lo, hi;
    qmath::activation_range_quantized(act, y.scale(), y.zero_point(), -128, 127, &lo, &hi);
    if (is_add) {  // kernels/add.cc Prepare, int8
      add_params = {-a.zero_point(), -b.zero_point(), y.zero_point(), 0, 0, 0, 0, 0, 0, 20, lo, hi};
      const double twice_max = 2 * std::max(a.scale(), b.scale());
      const double m1 = a.scale() / twice_max, m2 = b.scale() / twice_max;
      const double mo = twice_max / ((1 << add_params.left_shift) * static_cast<double>(y.scale()));
      qmath::quantize_multiplier(m1, &add_params.input1_multiplier, &add_params.input1_shift);
      qmath::quantize_multiplier(m2, &add_params.input2_multiplier, &add_params.input2_shift);
      qmath::quantize_multiplier(mo, &add_params.output_multiplier, &add_params.output_shift);
      ctx.require(node, add_params.input1_shift <= 0 && add_params.input2_shift <= 0 && add_params.output_shift <= 0,
                  "int8 ADD scales are out of the supported range");
    } else {  // kernels/mul.cc Prepare: the product of the float scales
      mul_params = {-a.zero_point(), -b.zero_point(), y.zero_point(), 0, 0, lo, hi};
      const double m = a.scale() * b.scale() / y.scale();
      qmath::quantize_multiplier(m, &mul_params.output_multiplier, &mul_params.output_shift);
    }
  }
  ctx.set_shape(y, shape);
  if (!ctx.eval) return;
  const auto ia = broadcast_offsets(a.shape, shape), ib = broadcast_offsets(b.shape, shape);
  const std::int64_t n = y.num_elements();
  if (a.type == ElementType::float32) {
    float lo, hi;
    qmath::activation_range_float(act, &lo, &hi);
    for (std::int64_t i = 0; i < n; ++i) {
      const float va = a.as<float>()[ia[static_cast<std::size_t>(i)]], vb = b.as<float>()[ib[static_cast<std::size_t>(i)]];
      y.as<float>()[i] = std::min(std::max(is_add ? va + vb : va * vb, lo), hi);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int8_t va = a.as<std::int8_t>()[ia[static_cast<std::size_t>(i)]];
      const std::int8_t vb = b.as<std::int8_t>()[ib[static_cast<std::size_t>(i)]];
      y.as<std::int8_t>()[i] = is_add ? kernels::add_i8(va, vb, add_params) : kernels::mul_i8(va, vb, mul_params);
    }
  }
}

void concatenation(Context& ctx, const Node& node) {
  const auto* o = node.op->builtin_options_as_ConcatenationOptions();
  ctx.require(node, o != nullptr, "has no ConcatenationOptions");
  ctx.require(node, !node.inputs.empty(), "has no inputs");
  ctx.require(node, o->fused_activation_function() == tflite::ActivationFunctionType_NONE,
              "a fused activation on CONCATENATION is not supported");
  auto& first = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  const auto rank = static_cast<std::int64_t>(first.shape.size());
  std::int64_t axis = o->axis() < 0 ? o->axis() + rank : o->axis();
  ctx.require(node, axis >= 0 && axis < rank, "axis " + std::to_string(o->axis()) + " is out of range");
  auto shape = first.shape;
  shape[static_cast<std::size_t>(axis)] = 0;
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    auto& t = ctx.in(node, i);
    ctx.require(node, t.type == y.type, "inputs and output must have one type");
    ctx.require(node, y.type != ElementType::int8 || same_quantization(t, y),
                "int8 inputs must share the output's scale and zero point");
    ctx.require(node, t.shape.size() == first.shape.size(), "inputs differ in rank");
    for (std::int64_t d = 0; d < rank; ++d)
      ctx.require(node, d == axis || t.shape[static_cast<std::size_t>(d)] == first.shape[static_cast<std::size_t>(d)],
                  "input shapes " + shape_string(first.shape) + " and " + shape_string(t.shape) + " do not concatenate");
    shape[static_cast<std::size_t>(axis)] += t.shape[static_cast<std::size_t>(axis)];
  }
  ctx.set_shape(y, shape);
  if (!ctx.eval) return;
  std::int64_t outer = 1, inner = element_size(y.type);
  for (std::int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<std::size_t>(d)];
  for (std::int64_t d = axis + 1; d < rank; ++d) inner *= shape[static_cast<std::size_t>(d)];
  std::uint8_t* out = y.data.data();
  for (std::int64_t r = 0; r < outer; ++r)
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      auto& t = ctx.in(node, i);
      const std::int64_t chunk = t.shape[static_cast<std::size_t>(axis)] * inner;
      if (chunk > 0) std::memcpy(out, t.data.data() + r * chunk, static_cast<std::size_t>(chunk));
      out += chunk;
    }
}

void pad(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& paddings = ctx.in(node, 1);
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, paddings, ElementType::int32, "paddings");
  const auto rank = static_cast<std::int64_t>(x.shape.size());
  ctx.require(node, paddings.constant && paddings.shape == std::vector<std::int64_t>{rank, 2},
              "paddings must be a constant [rank, 2]");
  ctx.require(node, y.type == x.type, "output type differs from the input's");
  std::vector<std::int64_t> before(static_cast<std::size_t>(rank)), shape(static_cast<std::size_t>(rank));
  for (std::int64_t d = 0; d < rank; ++d) {
    const std::int64_t lo = paddings.as<std::int32_t>()[2 * d], hi = paddings.as<std::int32_t>()[2 * d + 1];
    ctx.require(node, lo >= 0 && hi >= 0 && lo < (1 << 24) && hi < (1 << 24), "paddings must be >= 0");
    before[static_cast<std::size_t>(d)] = lo;
    shape[static_cast<std::size_t>(d)] = x.shape[static_cast<std::size_t>(d)] + lo + hi;
  }
  ctx.set_shape(y, shape);
  if (!ctx.eval) return;
  const std::size_t es = element_size(x.type);
  if (x.type == ElementType::int8) std::fill(y.data.begin(), y.data.end(), static_cast<std::uint8_t>(y.zero_point()));
  else std::fill(y.data.begin(), y.data.end(), 0);
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  for (std::int64_t i = 0; i < x.num_elements(); ++i) {
    std::int64_t out = 0;
    for (std::int64_t d = 0; d < rank; ++d)
      out = out * shape[static_cast<std::size_t>(d)] + index[static_cast<std::size_t>(d)] + before[static_cast<std::size_t>(d)];
    std::memcpy(y.data.data() + out * static_cast<std::int64_t>(es), x.data.data() + i * static_cast<std::int64_t>(es), es);
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      if (++index[static_cast<std::size_t>(d)] < x.shape[static_cast<std::size_t>(d)]) break;
      index[static_cast<std::size_t>(d)] = 0;
    }
  }
}

void gather(Context& ctx, const Node& node) {
  auto& params = ctx.in(node, 0);
  auto& indices = ctx.in(node, 1);
  auto& y = ctx.out(node, 0);
  const auto* o = node.op->builtin_options_as_GatherOptions();
  ctx.require(node, o == nullptr || o->batch_dims() == 0, "batch_dims other than 0 is not supported");
  ctx.require(node, indices.type == ElementType::int32 || indices.type == ElementType::int64, "indices must be int32 or int64");
  const auto rank = static_cast<std::int64_t>(params.shape.size());
  std::int64_t axis = o ? o->axis() : 0;
  if (axis < 0) axis += rank;
  ctx.require(node, axis >= 0 && axis < rank, "axis is out of range");
  ctx.require(node, y.type == params.type, "output type differs from the params'");
  std::vector<std::int64_t> shape(params.shape.begin(), params.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), params.shape.begin() + axis + 1, params.shape.end());
  ctx.require(node, shape.size() <= static_cast<std::size_t>(kMaxRank), "the output has too many dimensions");
  ctx.set_shape(y, shape);
  if (!ctx.eval) return;
  std::int64_t outer = 1, inner = element_size(params.type);
  for (std::int64_t d = 0; d < axis; ++d) outer *= params.shape[static_cast<std::size_t>(d)];
  for (std::int64_t d = axis + 1; d < rank; ++d) inner *= params.shape[static_cast<std::size_t>(d)];
  const std::int64_t limit = params.shape[static_cast<std::size_t>(axis)], count = indices.num_elements();
  std::uint8_t* out = y.data.data();
  for (std::int64_t r = 0; r < outer; ++r)
    for (std::int64_t i = 0; i < count; ++i) {
      const std::int64_t k = indices.type == ElementType::int32 ? indices.as<std::int32_t>()[i] : indices.as<std::int64_t>()[i];
      ctx.require(node, k >= 0 && k < limit, "index " + std::to_string(k) + " is out of range [0, " + std::to_string(limit) + ")");
      std::memcpy(out, params.data.data() + (r * limit + k) * inner, static_cast<std::size_t>(inner));
      out += inner;
    }
}

void transpose_conv(Context& ctx, const Node& node) {
  auto& out_shape = ctx.in(node, 0);
  auto& w = ctx.in(node, 1);
  auto& x = ctx.in(node, 2);
  const LiteTensor* bias = ctx.optional_in(node, 3);
  auto& y = ctx.out(node, 0);
  const auto* o = node.op->builtin_options_as_TransposeConvOptions();
  ctx.require(node, o != nullptr, "has no TransposeConvOptions");
  check_stride(ctx, node, o->stride_h(), o->stride_w());
  ctx.require(node, o->fused_activation_function() == tflite::ActivationFunctionType_NONE,
              "a fused activation on TRANSPOSE_CONV is not supported");
  require_type(ctx, node, out_shape, ElementType::int32, "output_shape");
  ctx.require(node, out_shape.constant && out_shape.num_elements() == 4, "output_shape must be a constant of 4 values");
  ctx.require(node, x.shape.size() == 4 && w.shape.size() == 4, "input and filter must have rank 4");
  require_data(ctx, node, w, "filter");
  kernels::ConvShape s{};
  s.batches = x.shape[0]; s.in_h = x.shape[1]; s.in_w = x.shape[2]; s.in_c = x.shape[3];
  s.out_c = w.shape[0]; s.k_h = w.shape[1]; s.k_w = w.shape[2];
  s.stride_h = o->stride_h(); s.stride_w = o->stride_w(); s.dil_h = 1; s.dil_w = 1;
  const std::int32_t* os = out_shape.as<std::int32_t>();
  s.out_h = os[1]; s.out_w = os[2];
  ctx.require(node, os[0] == s.batches && os[3] == s.out_c && w.shape[3] == s.in_c && s.out_h > 0 && s.out_w > 0 &&
                        s.out_h < (1 << 24) && s.out_w < (1 << 24),
              "output_shape, filter and input do not fit together");
  ctx.require(node, out_size(o->padding(), s.out_h, s.k_h, s.stride_h) == s.in_h &&
                        out_size(o->padding(), s.out_w, s.k_w, s.stride_w) == s.in_w,
              "output_shape does not match the input size for these strides and padding");
  s.pad_top = pad_before(s.out_h, s.k_h, s.stride_h, s.in_h);
  s.pad_left = pad_before(s.out_w, s.k_w, s.stride_w, s.in_w);
  const std::vector<std::int64_t> shape{s.batches, s.out_h, s.out_w, s.out_c};
  ctx.count(static_cast<double>(x.num_elements()) * static_cast<double>(s.k_h) * static_cast<double>(s.k_w) *
            static_cast<double>(s.out_c));
  if (x.type == ElementType::float32) {
    require_type(ctx, node, w, ElementType::float32, "filter");
    require_type(ctx, node, y, ElementType::float32, "output");
    if (bias) require_type(ctx, node, *bias, ElementType::float32, "bias");
    ctx.require(node, !bias || bias->num_elements() == s.out_c, "bias size differs from the output channels");
    ctx.set_shape(y, shape);
    if (!ctx.eval) return;
    kernels::transpose_conv_f32(x.as<float>(), w.as<float>(), bias ? bias->as<float>() : nullptr, y.as<float>(), s);
  } else if (x.type == ElementType::int8) {
    require_type(ctx, node, w, ElementType::int8, "filter");
    require_type(ctx, node, y, ElementType::int8, "output");
    if (bias) require_type(ctx, node, *bias, ElementType::int32, "bias");
    ctx.require(node, !bias || bias->num_elements() == s.out_c, "bias size differs from the output channels");
    for (auto* t : {&x, &w, &y}) require_quantized(ctx, node, *t, "operand");
    ctx.require(node, w.quant.scale.size() == 1 || static_cast<std::int64_t>(w.quant.scale.size()) == s.out_c,
                "filter scales do not match the output channels");
    std::vector<std::int32_t> mult;
    std::vector<int> shift;
    for (float ws : w.quant.scale) {
      mult.push_back(0);
      shift.push_back(0);
      qmath::quantize_multiplier(static_cast<double>(x.scale()) * ws / y.scale(), &mult.back(), &shift.back());
    }
    kernels::Requantize q{mult.data(), shift.data(), mult.size() > 1, -x.zero_point(), y.zero_point(), -128, 127};
    ctx.set_shape(y, shape);
    if (!ctx.eval) return;
    kernels::transpose_conv_i8(x.as<std::int8_t>(), w.as<std::int8_t>(), bias ? bias->as<std::int32_t>() : nullptr,
                               y.as<std::int8_t>(), s, q);
  } else {
    ctx.fail(node, "input type " + std::string(element_type_name(x.type)) + " is not supported (float32, int8)");
  }
}

}  // namespace

// int8 LOGISTIC / TANH: a table over the 256 inputs, each dequantized, transformed in float and
// requantized (TFLite's int8 LUT kernels).
void lut_activation_i8(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, y, ElementType::int8, "output");
  require_quantized(ctx, node, x, "input");
  require_quantized(ctx, node, y, "output");
  ctx.set_shape(y, x.shape);
  if (!ctx.eval) return;
  std::int8_t table[256];
  const bool logistic = node.code == tflite::BuiltinOperator_LOGISTIC;
  for (int q = -128; q <= 127; ++q) {
    const float real = x.scale() * static_cast<float>(q - x.zero_point());
    const float f = logistic ? 1.0f / (1.0f + std::exp(-real)) : std::tanh(real);
    const std::int32_t r = qmath::quantize_value(f, y.scale(), y.zero_point());
    table[q + 128] = static_cast<std::int8_t>(std::clamp(r, -128, 127));
  }
  for (std::int64_t i = 0; i < x.num_elements(); ++i) y.as<std::int8_t>()[i] = table[x.as<std::int8_t>()[i] + 128];
}

// int8 LEAKY_RELU (reference_ops::QuantizeLeakyRelu): x - x_zp requantized by s_x / s_y when
// non-negative, by s_x * alpha / s_y otherwise (float products, as the kernel's Prepare).
void leaky_relu_i8(Context& ctx, const Node& node) {
  auto& x = ctx.in(node, 0);
  auto& y = ctx.out(node, 0);
  require_type(ctx, node, y, ElementType::int8, "output");
  require_quantized(ctx, node, x, "input");
  require_quantized(ctx, node, y, "output");
  const auto* o = node.op->builtin_options_as_LeakyReluOptions();
  const float alpha = o ? o->alpha() : 0.2f;
  ctx.require(node, std::isfinite(alpha), "alpha must be a number");
  ctx.set_shape(y, x.shape);
  if (!ctx.eval) return;
  std::int32_t m_identity = 0, m_alpha = 0;
  int s_identity = 0, s_alpha = 0;
  qmath::quantize_multiplier(x.scale() / y.scale(), &m_identity, &s_identity);
  qmath::quantize_multiplier(x.scale() * alpha / y.scale(), &m_alpha, &s_alpha);
  for (std::int64_t i = 0; i < x.num_elements(); ++i) {
    const std::int32_t v = x.as<std::int8_t>()[i] - x.zero_point();
    const std::int32_t r = qmath::saturating_add(
        y.zero_point(), v >= 0 ? qmath::multiply_by_quantized_multiplier(v, m_identity, s_identity)
                               : qmath::multiply_by_quantized_multiplier(v, m_alpha, s_alpha));
    y.as<std::int8_t>()[i] = static_cast<std::int8_t>(std::clamp(r, -128, 127));
  }
}

bool run_more(Context& ctx, const Node& node) {
  switch (node.code) {
    case tflite::BuiltinOperator_MAX_POOL_2D:
    case tflite::BuiltinOperator_AVERAGE_POOL_2D: pool2d(ctx, node); return true;
    case tflite::BuiltinOperator_MEAN:
    case tflite::BuiltinOperator_REDUCE_MAX: mean(ctx, node); return true;
    case tflite::BuiltinOperator_CAST: cast(ctx, node); return true;
    case tflite::BuiltinOperator_ADD:
    case tflite::BuiltinOperator_MUL: add_mul(ctx, node); return true;
    case tflite::BuiltinOperator_CONCATENATION: concatenation(ctx, node); return true;
    case tflite::BuiltinOperator_PAD: pad(ctx, node); return true;
    case tflite::BuiltinOperator_GATHER: gather(ctx, node); return true;
    case tflite::BuiltinOperator_TRANSPOSE_CONV: transpose_conv(ctx, node); return true;
    default: return false;
  }
}

}  // namespace strata::lite::detail
