// The float TFLite graph of a Sequential or Functional model: one or a few TFLite operators per
// Keras layer, as TensorFlow's converter lowers them (weights transposed to TFLite's layouts,
// BatchNormalization folded into the kernel before it, Dropout and noise layers dropped).
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"
#include "strata/models/functional.hpp"
#include "strata/models/lite/convert_ir.hpp"
#include "strata/models/model.hpp"
#include "tflite_generated.h"

namespace strata::lite::convert_detail {
namespace {

using Dims = std::vector<std::int64_t>;
namespace op = tflite;

const std::set<std::string> kIdentity{"Dropout",         "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                                      "GaussianNoise",   "GaussianDropout",  "AlphaDropout",     "ActivityRegularization",
                                      "InputLayer"};

std::string activation_name(const Config& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object()) {
    if (value.contains("config") && value["config"].is_object() && value["config"].contains("name"))
      return value["config"]["name"].get<std::string>();
    if (value.contains("class_name")) return value["class_name"].get<std::string>();
  }
  return "linear";
}

bool activation_supported(const std::string& a) {
  static const std::set<std::string> ok{"linear", "relu",      "relu6", "sigmoid", "tanh", "softmax",
                                        "elu",    "hard_swish", "gelu", "leaky_relu", "swish", "silu"};
  return ok.count(a) > 0;
}

std::vector<float> floats(const Tensor& t) { return t.to_vector<float>(); }

// Why a layer has no TFLite form here ("" when it has one).
std::string unsupported_reason(Layer& layer) {
  const std::string cls = layer.class_name();
  const Config c = layer.get_config();
  if (kIdentity.count(cls)) return "";
  auto channels_last = [&] { return !c.contains("data_format") || c["data_format"] == "channels_last"; };
  auto act_ok = [&] { return !c.contains("activation") || activation_supported(activation_name(c["activation"])); };
  if (cls == "Dense") return act_ok() ? "" : "activation '" + activation_name(c["activation"]) + "'";
  if (cls == "Conv1D" || cls == "Conv2D" || cls == "DepthwiseConv2D" || cls == "SeparableConv2D" ||
      cls == "Conv2DTranspose") {
    if (!channels_last()) return "data_format channels_first";
    if (c.value("padding", "valid") == "causal") return "causal padding";
    if (c.contains("groups") && c["groups"] != 1) return "groups > 1";
    if (cls == "Conv2DTranspose" && c.contains("output_padding") && !c["output_padding"].is_null())
      return "output_padding";
    return act_ok() ? "" : "activation '" + activation_name(c["activation"]) + "'";
  }
  if (cls == "MaxPooling1D" || cls == "MaxPooling2D" || cls == "AveragePooling1D" || cls == "AveragePooling2D" ||
      cls == "GlobalAveragePooling1D" || cls == "GlobalAveragePooling2D" || cls == "GlobalMaxPooling1D" ||
      cls == "GlobalMaxPooling2D")
    return channels_last() ? "" : "data_format channels_first";
  if (cls == "ELU") return c.value("alpha", 1.0) == 1.0 ? "" : "ELU with alpha other than 1";
  if (cls == "Softmax") {
    const Config axis = c.contains("axis") ? c["axis"] : Config(-1);
    const bool last = axis.is_number() ? axis == -1 : axis.is_array() && axis.size() == 1 && axis[0] == -1;
    return last ? "" : "softmax over an axis other than the last";
  }
  if (cls == "Flatten" || cls == "Reshape" || cls == "LeakyReLU" ||
      cls == "Add" || cls == "Multiply" || cls == "Concatenate" || cls == "Embedding" || cls == "ZeroPadding1D" ||
      cls == "ZeroPadding2D")
    return "";
  if (cls == "Activation") return act_ok() ? "" : "activation '" + activation_name(c["activation"]) + "'";
  if (cls == "ReLU") {
    const double slope = c.value("negative_slope", 0.0), threshold = c.value("threshold", 0.0);
    const bool six = c.contains("max_value") && !c["max_value"].is_null() && c["max_value"].get<double>() == 6.0;
    const bool none = !c.contains("max_value") || c["max_value"].is_null();
    return slope == 0.0 && threshold == 0.0 && (six || none) ? "" : "ReLU with threshold, slope or max_value other than 6";
  }
  if (cls == "BatchNormalization") {
    const Config& axis = c["axis"];
    const bool last = axis.is_number() ? axis.get<int>() == -1 : (axis.is_array() && axis.size() == 1);
    return last ? "" : "normalization over an axis other than the last";
  }
  if (cls == "LSTM") {
    if (!c.value("return_sequences", false)) return "LSTM without return_sequences=True";
    if (activation_name(c["activation"]) != "tanh" || activation_name(c["recurrent_activation"]) != "sigmoid")
      return "LSTM activations other than tanh / sigmoid";
    if (c.value("go_backwards", false) || c.value("stateful", false)) return "go_backwards / stateful LSTM";
    return "";
  }
  return "no TFLite operator for this layer";
}

struct Builder {
  IrGraph& g;

  int op(std::int32_t code, std::vector<int> inputs, int output, IrOp o = {}) {
    o.code = code;
    o.inputs = std::move(inputs);
    o.outputs = {output};
    g.ops.push_back(std::move(o));
    return output;
  }
  const Dims& shape(int t) const { return g.tensors[t].shape; }

  int reshape(int x, Dims to, const std::string& name) {
    Dims spec = to;
    spec[0] = -1;
    std::vector<std::int32_t> ints(spec.begin(), spec.end());
    const int shape_t = g.add_ints(name + "_shape", ints);
    return op(op::BuiltinOperator_RESHAPE, {x, shape_t}, g.add_activation(name, to));
  }

  // An activation as its own operator (`x` when linear).
  int activation(int x, const std::string& act, const std::string& name, float alpha = 0.2f) {
    if (act == "linear") return x;
    const Dims s = shape(x);
    if (act == "swish" || act == "silu") {  // x * sigmoid(x), as TensorFlow's converter lowers it
      const int sig = op(op::BuiltinOperator_LOGISTIC, {x}, g.add_activation(name + "_sigmoid", s));
      return op(op::BuiltinOperator_MUL, {x, sig}, g.add_activation(name, s));
    }
    IrOp o;
    std::int32_t code;
    if (act == "relu") code = op::BuiltinOperator_RELU;
    else if (act == "relu6") code = op::BuiltinOperator_RELU6;
    else if (act == "sigmoid") code = op::BuiltinOperator_LOGISTIC;
    else if (act == "tanh") code = op::BuiltinOperator_TANH;
    else if (act == "softmax") code = op::BuiltinOperator_SOFTMAX;
    else if (act == "elu") code = op::BuiltinOperator_ELU;
    else if (act == "hard_swish") code = op::BuiltinOperator_HARD_SWISH;
    else if (act == "gelu") code = op::BuiltinOperator_GELU;
    else if (act == "leaky_relu") {
      code = op::BuiltinOperator_LEAKY_RELU;
      o.alpha = alpha;
    } else {
      throw NotImplementedError("activation '" + act + "' is not supported for TF Lite export");
    }
    return op(code, {x}, g.add_activation(name, s), o);
  }

  // relu / relu6 fuse into the operator; others follow it.
  static std::int8_t fused(const std::string& act) {
    if (act == "relu") return op::ActivationFunctionType_RELU;
    if (act == "relu6") return op::ActivationFunctionType_RELU6;
    return op::ActivationFunctionType_NONE;
  }
  int finish(int y, const std::string& act, const std::string& name) {
    return fused(act) != op::ActivationFunctionType_NONE ? y : activation(y, act, name + "_" + act);
  }
};

std::vector<int> ints_of(const Config& c, const char* key, std::size_t n, int fallback) {
  std::vector<int> v(n, fallback);
  if (!c.contains(key) || c[key].is_null()) return v;
  if (c[key].is_number()) return std::vector<int>(n, c[key].get<int>());
  for (std::size_t i = 0; i < n && i < c[key].size(); ++i) v[i] = c[key][i].get<int>();
  return v;
}

// TFLite kernel layouts: conv [out, kh, kw, in] from Keras's [kh, kw, in, out].
std::vector<float> conv_filter(const std::vector<float>& k, std::int64_t kh, std::int64_t kw, std::int64_t in,
                               std::int64_t out) {
  std::vector<float> f(k.size());
  for (std::int64_t a = 0; a < kh; ++a)
    for (std::int64_t b = 0; b < kw; ++b)
      for (std::int64_t i = 0; i < in; ++i)
        for (std::int64_t o = 0; o < out; ++o) f[((o * kh + a) * kw + b) * in + i] = k[((a * kw + b) * in + i) * out + o];
  return f;
}

class Lowering {
 public:
  Lowering(IrGraph& g, std::map<int, int>& uses, const std::set<int>& outputs) : b_{g}, g_(g), uses_(uses), outs_(outputs) {}

  int lower(Layer& layer, const std::vector<int>& xs) {
    const std::string cls = layer.class_name(), name = layer.name();
    const Config c = layer.get_config();
    const auto w = layer.get_weights();
    const int x = xs[0];
    const Dims in = b_.shape(x);
    if (kIdentity.count(cls)) return x;
    if (cls == "Dense") return dense(c, w, x, name);
    if (cls == "Conv2D" || cls == "Conv1D") return conv(c, w, x, name, cls == "Conv1D");
    if (cls == "DepthwiseConv2D") return depthwise(c, w[0], w.size() > 1 ? floats(w[1]) : std::vector<float>{}, x, name,
                                                   activation_name(c.value("activation", Config("linear"))));
    if (cls == "SeparableConv2D") {
      Config dc = c;
      const int mid = depthwise(dc, w[0], {}, x, name + "_depthwise", "linear");
      Config pc = c;
      pc["kernel_size"] = {1, 1};
      pc["strides"] = {1, 1};
      pc["dilation_rate"] = {1, 1};
      pc["padding"] = "valid";
      std::vector<Tensor> pw{w[1]};
      if (w.size() > 2) pw.push_back(w[2]);
      return conv(pc, pw, mid, name, false);
    }
    if (cls == "Conv2DTranspose") return transpose_conv(c, w, x, name);
    if (cls.find("Pooling") != std::string::npos) return pool(cls, c, x, name);
    if (cls == "Flatten") {
      std::int64_t n = 1;
      for (std::size_t i = 1; i < in.size(); ++i) n *= in[i];
      return b_.reshape(x, {in[0], n}, name);
    }
    if (cls == "Reshape") {
      Dims to{in[0]};
      for (const auto& d : c["target_shape"]) to.push_back(d.get<std::int64_t>());
      const Shape out = layer.compute_output_shape(Shape(in));
      return b_.reshape(x, out.dims(), name);
    }
    if (cls == "Activation") return b_.activation(x, activation_name(c["activation"]), name);
    if (cls == "ReLU") return b_.activation(x, c.contains("max_value") && !c["max_value"].is_null() ? "relu6" : "relu", name);
    if (cls == "LeakyReLU")
      return b_.activation(x, "leaky_relu", name, c.value("negative_slope", c.value("alpha", 0.3f)));
    if (cls == "ELU") return b_.activation(x, "elu", name);
    if (cls == "Softmax") return b_.activation(x, "softmax", name);
    if (cls == "BatchNormalization") return batch_norm(c, w, x, name);
    if (cls == "Add" || cls == "Multiply") {
      int acc = xs[0];
      for (std::size_t i = 1; i < xs.size(); ++i)
        acc = b_.op(cls == "Add" ? op::BuiltinOperator_ADD : op::BuiltinOperator_MUL, {acc, xs[i]},
                    g_.add_activation(i + 1 == xs.size() ? name : name + "_" + std::to_string(i), in));
      return acc;
    }
    if (cls == "Concatenate") {
      int axis = c.value("axis", -1);
      if (axis < 0) axis += static_cast<int>(in.size());
      Dims out = in;
      out[axis] = 0;
      for (int t : xs) out[axis] += b_.shape(t)[axis];
      IrOp o;
      o.axis = axis;
      return b_.op(op::BuiltinOperator_CONCATENATION, xs, g_.add_activation(name, out), o);
    }
    if (cls == "ZeroPadding1D" || cls == "ZeroPadding2D") {
      const Shape out = layer.compute_output_shape(Shape(in));
      std::vector<std::int32_t> pads(in.size() * 2, 0);
      for (std::size_t d = 1; d + 1 < in.size(); ++d) {
        // (out - in) split as Keras's config gives it: before / after per spatial axis.
        const Config& p = c["padding"];
        const Config& pd = p.is_array() && p.size() > d - 1 ? p[d - 1] : p;
        pads[2 * d] = pd.is_array() ? pd[0].get<int>() : pd.get<int>();
        pads[2 * d + 1] = static_cast<std::int32_t>(out[d] - in[d] - pads[2 * d]);
      }
      const int pt = g_.add_ints(name + "_paddings", pads);
      g_.tensors[pt].shape = g_.tensors[pt].signature = {static_cast<std::int64_t>(in.size()), 2};
      return b_.op(op::BuiltinOperator_PAD, {x, pt}, g_.add_activation(name, out.dims()));
    }
    if (cls == "Embedding") {
      const Dims ws = w[0].shape().dims();
      const int table = g_.add_const(name + "/embeddings", ws, floats(w[0]));
      int idx = x;
      if (g_.tensors[x].type != ElementType::int32) {
        idx = g_.add_activation(name + "_indices", in);
        g_.tensors[idx].type = ElementType::int32;
        b_.op(op::BuiltinOperator_CAST, {x}, idx);
      }
      Dims out = in;
      out.push_back(ws[1]);
      return b_.op(op::BuiltinOperator_GATHER, {table, idx}, g_.add_activation(name, out));
    }
    if (cls == "LSTM") return lstm(c, w, x, name);
    throw NotImplementedError("Layer '" + name + "' (" + cls + ") is not supported for TF Lite export");
  }

 private:
  int dense(const Config& c, const std::vector<Tensor>& w, int x, const std::string& name) {
    const Dims ks = w[0].shape().dims();
    const std::int64_t in = ks[0], units = ks[1];
    const auto k = floats(w[0]);
    std::vector<float> wt(k.size());
    for (std::int64_t i = 0; i < in; ++i)
      for (std::int64_t o = 0; o < units; ++o) wt[o * in + i] = k[i * units + o];
    const int wt_t = g_.add_const(name + "/kernel", {units, in}, std::move(wt));
    const int b_t = g_.add_const(name + "/bias", {units}, w.size() > 1 ? floats(w[1]) : std::vector<float>(units, 0.0f));
    const std::string act = activation_name(c.value("activation", Config("linear")));
    Dims out = b_.shape(x);
    out.back() = units;
    IrOp o;
    o.activation = Builder::fused(act);
    o.keep_dims = out.size() > 2;
    const int y = b_.op(op::BuiltinOperator_FULLY_CONNECTED, {x, wt_t, b_t}, g_.add_activation(name, out), o);
    return b_.finish(y, act, name);
  }

  int conv(const Config& c, const std::vector<Tensor>& w, int x, const std::string& name, bool one_d) {
    const Dims ks = w[0].shape().dims();
    const auto k = floats(w[0]);
    const std::int64_t kh = one_d ? 1 : ks[0], kw = one_d ? ks[0] : ks[1], in = ks[ks.size() - 2], out = ks.back();
    Dims xs = b_.shape(x);
    int input = x;
    if (one_d) input = b_.reshape(x, {xs[0], 1, xs[1], xs[2]}, name + "_expand");
    const auto stride = ints_of(c, "strides", one_d ? 1 : 2, 1), dil = ints_of(c, "dilation_rate", one_d ? 1 : 2, 1);
    const int filt = g_.add_const(name + "/kernel", {out, kh, kw, in}, conv_filter(k, kh, kw, in, out));
    const int bias = g_.add_const(name + "/bias", {out}, w.size() > 1 ? floats(w[1]) : std::vector<float>(out, 0.0f));
    const std::string act = activation_name(c.value("activation", Config("linear")));
    IrOp o;
    o.padding = c.value("padding", "valid") == "same" ? op::Padding_SAME : op::Padding_VALID;
    o.stride_h = one_d ? 1 : stride[0];
    o.stride_w = one_d ? stride[0] : stride[1];
    o.dilation_h = one_d ? 1 : dil[0];
    o.dilation_w = one_d ? dil[0] : dil[1];
    o.activation = Builder::fused(act);
    const Dims s4 = b_.shape(input);
    const Dims o4{s4[0], out_size(s4[1], kh, o.stride_h, o.dilation_h, o.padding),
                  out_size(s4[2], kw, o.stride_w, o.dilation_w, o.padding), out};
    int y = b_.op(op::BuiltinOperator_CONV_2D, {input, filt, bias}, g_.add_activation(one_d ? name + "_2d" : name, o4), o);
    if (one_d) y = b_.reshape(y, {o4[0], o4[2], o4[3]}, name);
    return b_.finish(y, act, name);
  }

  static std::int64_t out_size(std::int64_t n, std::int64_t k, int stride, int dil, std::int8_t padding) {
    const std::int64_t eff = (k - 1) * dil + 1;
    return padding == op::Padding_SAME ? (n + stride - 1) / stride : (n - eff + stride) / stride;
  }

  int depthwise(const Config& c, const Tensor& kernel, std::vector<float> bias, int x, const std::string& name,
                const std::string& act) {
    const Dims ks = kernel.shape().dims();  // [kh, kw, in, mult]
    const std::int64_t kh = ks[0], kw = ks[1], in = ks[2], mult = ks[3];
    const auto k = floats(kernel);  // [kh, kw, in, mult] is already [1, kh, kw, in*mult] row-major
    if (bias.empty()) bias.assign(in * mult, 0.0f);
    const int filt = g_.add_const(name + "/depthwise_kernel", {1, kh, kw, in * mult}, k);
    const int b = g_.add_const(name + "/bias", {in * mult}, std::move(bias));
    const auto stride = ints_of(c, "strides", 2, 1), dil = ints_of(c, "dilation_rate", 2, 1);
    IrOp o;
    o.padding = c.value("padding", "valid") == "same" ? op::Padding_SAME : op::Padding_VALID;
    o.stride_h = stride[0];
    o.stride_w = stride[1];
    o.dilation_h = dil[0];
    o.dilation_w = dil[1];
    o.depth_multiplier = static_cast<int>(mult);
    o.activation = Builder::fused(act);
    const Dims s = b_.shape(x);
    const Dims out{s[0], out_size(s[1], kh, o.stride_h, o.dilation_h, o.padding),
                   out_size(s[2], kw, o.stride_w, o.dilation_w, o.padding), in * mult};
    const int y = b_.op(op::BuiltinOperator_DEPTHWISE_CONV_2D, {x, filt, b}, g_.add_activation(name, out), o);
    return b_.finish(y, act, name);
  }

  int transpose_conv(const Config& c, const std::vector<Tensor>& w, int x, const std::string& name) {
    const Dims ks = w[0].shape().dims();  // [kh, kw, out, in]
    const std::int64_t kh = ks[0], kw = ks[1], out = ks[2], in = ks[3];
    const auto k = floats(w[0]);
    std::vector<float> f(k.size());
    for (std::int64_t a = 0; a < kh; ++a)
      for (std::int64_t b = 0; b < kw; ++b)
        for (std::int64_t o = 0; o < out; ++o)
          for (std::int64_t i = 0; i < in; ++i) f[((o * kh + a) * kw + b) * in + i] = k[((a * kw + b) * out + o) * in + i];
    const auto stride = ints_of(c, "strides", 2, 1);
    IrOp o;
    o.padding = c.value("padding", "valid") == "same" ? op::Padding_SAME : op::Padding_VALID;
    o.stride_h = stride[0];
    o.stride_w = stride[1];
    const Dims s = b_.shape(x);
    const bool same = o.padding == op::Padding_SAME;
    const Dims os{s[0], same ? s[1] * stride[0] : s[1] * stride[0] + std::max<std::int64_t>(kh - stride[0], 0),
                  same ? s[2] * stride[1] : s[2] * stride[1] + std::max<std::int64_t>(kw - stride[1], 0), out};
    const int shape_t = g_.add_ints(name + "/output_shape", std::vector<std::int32_t>(os.begin(), os.end()));
    const int filt = g_.add_const(name + "/kernel", {out, kh, kw, in}, std::move(f));
    const int bias = g_.add_const(name + "/bias", {out}, w.size() > 1 ? floats(w[1]) : std::vector<float>(out, 0.0f));
    const std::string act = activation_name(c.value("activation", Config("linear")));
    // The activation follows as its own operator: older TFLite runtimes read no fused one here.
    const int y = b_.op(op::BuiltinOperator_TRANSPOSE_CONV, {shape_t, filt, x, bias}, g_.add_activation(name, os), o);
    return b_.activation(y, act, name + "_" + act);
  }

  int pool(const std::string& cls, const Config& c, int x, const std::string& name) {
    const Dims s = b_.shape(x);
    const bool one_d = cls.ends_with("1D");
    if (cls.starts_with("Global")) {
      const bool keep = c.value("keepdims", false);
      std::vector<std::int32_t> axes = one_d ? std::vector<std::int32_t>{1} : std::vector<std::int32_t>{1, 2};
      const int axes_t = g_.add_ints(name + "/axes", axes);
      Dims out = keep ? Dims(s.size(), 1) : Dims{s[0], s.back()};
      out[0] = s[0];
      out.back() = s.back();
      IrOp o;
      o.keep_dims = keep;
      return b_.op(cls.find("Average") != std::string::npos ? op::BuiltinOperator_MEAN : op::BuiltinOperator_REDUCE_MAX,
                   {x, axes_t}, g_.add_activation(name, out), o);
    }
    const auto size = ints_of(c, "pool_size", one_d ? 1 : 2, 2);
    const auto stride = c.contains("strides") && !c["strides"].is_null() ? ints_of(c, "strides", one_d ? 1 : 2, 1) : size;
    int input = one_d ? b_.reshape(x, {s[0], 1, s[1], s[2]}, name + "_expand") : x;
    IrOp o;
    o.padding = c.value("padding", "valid") == "same" ? op::Padding_SAME : op::Padding_VALID;
    o.filter_h = one_d ? 1 : size[0];
    o.filter_w = one_d ? size[0] : size[1];
    o.stride_h = one_d ? 1 : stride[0];
    o.stride_w = one_d ? stride[0] : stride[1];
    const Dims s4 = b_.shape(input);
    const Dims o4{s4[0], out_size(s4[1], o.filter_h, o.stride_h, 1, o.padding),
                  out_size(s4[2], o.filter_w, o.stride_w, 1, o.padding), s4[3]};
    const bool max = cls.starts_with("Max");
    int y = b_.op(max ? op::BuiltinOperator_MAX_POOL_2D : op::BuiltinOperator_AVERAGE_POOL_2D, {input},
                  g_.add_activation(one_d ? name + "_2d" : name, o4), o);
    if (one_d) y = b_.reshape(y, {o4[0], o4[2], o4[3]}, name);
    return y;
  }

  // Folded into the FC / conv that produced x when nothing else reads x; else x * a + b.
  int batch_norm(const Config& c, const std::vector<Tensor>& w, int x, const std::string& name) {
    const bool scale = c.value("scale", true), center = c.value("center", true);
    std::size_t i = 0;
    const std::int64_t n = b_.shape(x).back();
    std::vector<float> gamma = scale ? floats(w[i++]) : std::vector<float>(n, 1.0f);
    std::vector<float> beta = center ? floats(w[i++]) : std::vector<float>(n, 0.0f);
    const auto mean = floats(w[i++]), var = floats(w[i++]);
    const float eps = c.value("epsilon", 1e-3f);
    std::vector<float> a(n), b(n);
    for (std::int64_t j = 0; j < n; ++j) {
      a[j] = gamma[j] / std::sqrt(var[j] + eps);
      b[j] = beta[j] - mean[j] * a[j];
    }
    for (auto& o : g_.ops) {
      if (o.outputs[0] != x || o.activation != op::ActivationFunctionType_NONE || uses_[x] > 1 || outs_.count(x)) continue;
      if (o.code != op::BuiltinOperator_FULLY_CONNECTED && o.code != op::BuiltinOperator_CONV_2D &&
          o.code != op::BuiltinOperator_DEPTHWISE_CONV_2D)
        continue;
      auto& kw = g_.tensors[o.inputs[1]].values;
      auto& kb = g_.tensors[o.inputs[2]].values;
      const bool last_axis = o.code == op::BuiltinOperator_DEPTHWISE_CONV_2D;  // [1, kh, kw, C]
      const std::size_t per = kw.size() / n;
      for (std::size_t e = 0; e < kw.size(); ++e) kw[e] *= a[last_axis ? e % n : e / per];
      for (std::int64_t j = 0; j < n; ++j) kb[j] = kb[j] * a[j] + b[j];
      g_.tensors[x].name = name;
      return x;
    }
    const int at = g_.add_const(name + "/mul", {n}, std::move(a)), bt = g_.add_const(name + "/add", {n}, std::move(b));
    const int m = b_.op(op::BuiltinOperator_MUL, {x, at}, g_.add_activation(name + "_mul", b_.shape(x)));
    return b_.op(op::BuiltinOperator_ADD, {m, bt}, g_.add_activation(name, b_.shape(x)));
  }

  // UNIDIRECTIONAL_SEQUENCE_LSTM: Keras's gates i, f, c, o side by side become four [units, in] inputs.
  int lstm(const Config& c, const std::vector<Tensor>& w, int x, const std::string& name) {
    const auto k = floats(w[0]), r = floats(w[1]);
    const std::int64_t in = w[0].shape()[0], units = w[1].shape()[0];
    const auto bias = w.size() > 2 ? floats(w[2]) : std::vector<float>(4 * units, 0.0f);
    auto gate = [&](const std::vector<float>& m, std::int64_t rows, int gi) {
      std::vector<float> out(units * rows);
      for (std::int64_t u = 0; u < units; ++u)
        for (std::int64_t j = 0; j < rows; ++j) out[u * rows + j] = m[j * 4 * units + gi * units + u];
      return out;
    };
    const char* gates[] = {"input", "forget", "cell", "output"};
    std::vector<int> inputs(24, -1);
    inputs[0] = x;
    for (int gi = 0; gi < 4; ++gi) {
      inputs[1 + gi] = g_.add_const(name + "/input_to_" + gates[gi] + "_weights", {units, in}, gate(k, in, gi));
      inputs[5 + gi] = g_.add_const(name + "/recurrent_to_" + gates[gi] + "_weights", {units, units}, gate(r, units, gi));
      inputs[12 + gi] = g_.add_const(name + "/" + gates[gi] + "_gate_bias", {units},
                                     std::vector<float>(bias.begin() + gi * units, bias.begin() + (gi + 1) * units));
    }
    const Dims s = b_.shape(x);
    for (int v = 0; v < 2; ++v) {
      const int t = g_.add_tensor(IrTensor{.name = name + (v ? "/cell_state" : "/output_state"), .shape = {s[0], units},
                                           .signature = {s[0], units}, .variable = true});
      inputs[18 + v] = t;
    }
    IrOp o;
    o.activation = op::ActivationFunctionType_TANH;
    return b_.op(op::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM, inputs, g_.add_activation(name, {s[0], s[1], units}), o);
  }

  Builder b_;
  IrGraph& g_;
  std::map<int, int>& uses_;
  const std::set<int>& outs_;
};

void check_supported(const std::vector<LayerPtr>& layers) {
  std::vector<std::string> problems;
  for (const auto& layer : layers) {
    std::string why = dynamic_cast<Model*>(layer.get()) ? "a nested model (flatten it first)" : unsupported_reason(*layer);
    if (!why.empty()) problems.push_back("'" + layer->name() + "' (" + layer->class_name() + "): " + why);
  }
  if (problems.empty()) return;
  std::string message = std::to_string(problems.size()) + " layer(s) not supported for TF Lite export:";
  for (const auto& p : problems) message += "\n  " + p;
  throw NotImplementedError(message);
}

// A RELU / RELU6 operator whose input only it reads becomes the fused activation of the operator
// that made the input, as TensorFlow's converter does (and TFLite's int8 kernels expect).
void fuse_activations(IrGraph& g) {
  std::vector<int> readers(g.tensors.size(), 0);
  for (const auto& o : g.ops)
    for (int t : o.inputs)
      if (t >= 0) ++readers[t];
  for (int t : g.outputs) ++readers[t];
  std::vector<bool> removed(g.ops.size(), false);
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    const IrOp& act = g.ops[i];
    if (act.code != op::BuiltinOperator_RELU && act.code != op::BuiltinOperator_RELU6) continue;
    const int x = act.inputs[0];
    if (readers[x] != 1) continue;
    for (std::size_t j = 0; j < i; ++j) {
      IrOp& producer = g.ops[j];
      if (removed[j] || producer.outputs[0] != x || producer.activation != op::ActivationFunctionType_NONE) continue;
      static const std::set<std::int32_t> fusable{op::BuiltinOperator_FULLY_CONNECTED, op::BuiltinOperator_CONV_2D,
                                                  op::BuiltinOperator_DEPTHWISE_CONV_2D, op::BuiltinOperator_ADD,
                                                  op::BuiltinOperator_MUL};
      if (!fusable.count(producer.code)) break;
      producer.activation =
          act.code == op::BuiltinOperator_RELU ? op::ActivationFunctionType_RELU : op::ActivationFunctionType_RELU6;
      producer.outputs[0] = act.outputs[0];
      removed[i] = true;
      break;
    }
  }
  std::vector<IrOp> kept;
  for (std::size_t i = 0; i < g.ops.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(g.ops[i]));
  g.ops = std::move(kept);
}

std::vector<std::int64_t> batch1(const Shape& s) {
  Dims d = s.dims();
  if (!d.empty()) d[0] = 1;
  return d;
}

}  // namespace

IrGraph build_graph(Model& model) {
  IrGraph g;
  std::map<int, int> uses;
  std::set<int> outs;
  if (!model.is_functional()) {
    const auto layers = model.layers();
    if (layers.empty() || !layers[0]->build_input_shape())
      throw ValueError("model '" + model.name() + "' is not built: give it an Input or call it once before converting");
    check_supported(layers);
    const int x = g.add_activation("serving_default_" + layers[0]->name() + "_input", batch1(*layers[0]->build_input_shape()));
    g.inputs = {x};
    g.input_names = {layers[0]->name() + "_input"};
    Lowering lower(g, uses, outs);
    int y = x;
    for (const auto& layer : layers) y = lower.lower(*layer, {y});
    g.outputs = {y};
    g.output_names = {"output_0"};
    fuse_activations(g);
    return g;
  }
  const auto& graph = *model.graph();
  check_supported(graph.layers());
  std::map<FunctionalGraph::Key, int> tensor_of;
  std::map<FunctionalGraph::Key, int> key_uses;
  for (const auto& step : graph.steps())
    for (const auto& k : step.inputs) ++key_uses[k];
  for (std::size_t i = 0; i < graph.inputs().size(); ++i) {
    const auto& in = graph.input_layers()[i];
    const int t = g.add_activation("serving_default_" + in->name(), batch1(in->batch_shape()));
    tensor_of[FunctionalGraph::key_of(graph.inputs()[i])] = t;
    g.inputs.push_back(t);
    g.input_names.push_back(in->name());
  }
  Lowering lower(g, uses, outs);
  for (const auto& step : graph.steps()) {
    if (step.layer->class_name() == "InputLayer") continue;
    std::vector<int> xs;
    for (const auto& k : step.inputs) xs.push_back(tensor_of.at(k));
    for (int t : xs) uses[t] = 0;
    // The users of x as the graph counts them (a fold needs x to have no other reader).
    for (std::size_t i = 0; i < xs.size(); ++i) uses[xs[i]] = key_uses[step.inputs[i]];
    for (const auto& o : graph.outputs())
      if (auto it = tensor_of.find(FunctionalGraph::key_of(o)); it != tensor_of.end()) outs.insert(it->second);
    const int y = lower.lower(*step.layer, xs);
    tensor_of[{step.layer.get(), step.node, 0}] = y;
  }
  const auto names = graph.output_names();
  for (std::size_t i = 0; i < graph.outputs().size(); ++i) {
    g.outputs.push_back(tensor_of.at(FunctionalGraph::key_of(graph.outputs()[i])));
    g.output_names.push_back(names[i]);
  }
  fuse_activations(g);
  return g;
}

}  // namespace strata::lite::convert_detail
