// Forward values of every op: against NumPy (tests/data/ops_reference.json, written by
// tests/data/make_reference.py with Debian's python3-numpy) and against hand-computed results,
// including the numerically delicate cases (softmax, logsumexp, sigmoid, softplus at +-1000).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/strata.hpp"

namespace st = strata;
using st::Shape;
using st::Tensor;
using json = nlohmann::json;

namespace {

// ------------------------------------------------------------------ reading the reference data

const json& reference() {
  static const json data = [] {
    const std::string path = std::string(STRATA_TEST_DATA_DIR) + "/ops_reference.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path + " (run tests/data/make_reference.py)");
    return json::parse(in);
  }();
  return data;
}

double decode_value(const json& v) {
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("bad value " + s);
  }
  return v.get<double>();
}

std::vector<double> decode_values(const json& t) {
  std::vector<double> values;
  for (const auto& v : t.at("data")) values.push_back(decode_value(v));
  return values;
}

Shape decode_shape(const json& t) { return Shape(t.at("shape").get<std::vector<std::int64_t>>()); }

Tensor decode_tensor(const json& t) {
  return Tensor::from_vector(decode_values(t), decode_shape(t), st::dtype_from_name(t.at("dtype").get<std::string>()));
}

// ------------------------------------------------------------------ parameters

int int_param(const json& p, const char* key, int fallback) { return p.contains(key) ? p.at(key).get<int>() : fallback; }
double double_param(const json& p, const char* key, double fallback) {
  return p.contains(key) ? p.at(key).get<double>() : fallback;
}
bool bool_param(const json& p, const char* key, bool fallback) {
  return p.contains(key) ? p.at(key).get<bool>() : fallback;
}
st::DType dtype_param(const json& p, st::DType fallback) {
  return p.contains("dtype") ? st::dtype_from_name(p.at("dtype").get<std::string>()) : fallback;
}
Shape shape_param(const json& p) { return Shape(p.at("shape").get<std::vector<std::int64_t>>()); }
st::Axes axes_param(const json& p) {
  if (!p.contains("axes") || p.at("axes").is_null()) return {};
  if (p.at("axes").is_number()) return st::Axes(p.at("axes").get<int>());
  return st::Axes(p.at("axes").get<std::vector<int>>());
}

// ------------------------------------------------------------------ the ops, by name

using Outputs = std::vector<Tensor>;
using OpRunner = std::function<Outputs(const std::vector<Tensor>&, const json&)>;

template <class F>
OpRunner unary(F f) {
  return [f](const std::vector<Tensor>& in, const json&) { return Outputs{f(in.at(0))}; };
}
template <class F>
OpRunner binary(F f) {
  return [f](const std::vector<Tensor>& in, const json&) { return Outputs{f(in.at(0), in.at(1))}; };
}
template <class F>
OpRunner reduction(F f) {
  return [f](const std::vector<Tensor>& in, const json& p) {
    return Outputs{f(in.at(0), axes_param(p), bool_param(p, "keepdims", false))};
  };
}

#define STRATA_OP(fn) [](auto&&... args) { return st::fn(args...); }

const std::map<std::string, OpRunner>& runners() {
  static const std::map<std::string, OpRunner> table = {
      // elementwise, unary
      {"negative", unary(STRATA_OP(negative))},
      {"exp", unary(STRATA_OP(exp))},
      {"expm1", unary(STRATA_OP(expm1))},
      {"log", unary(STRATA_OP(log))},
      {"log1p", unary(STRATA_OP(log1p))},
      {"sqrt", unary(STRATA_OP(sqrt))},
      {"rsqrt", unary(STRATA_OP(rsqrt))},
      {"square", unary(STRATA_OP(square))},
      {"reciprocal", unary(STRATA_OP(reciprocal))},
      {"abs", unary(STRATA_OP(abs))},
      {"sign", unary(STRATA_OP(sign))},
      {"sin", unary(STRATA_OP(sin))},
      {"cos", unary(STRATA_OP(cos))},
      {"erf", unary(STRATA_OP(erf))},
      {"floor", unary(STRATA_OP(floor))},
      {"ceil", unary(STRATA_OP(ceil))},
      {"round", unary(STRATA_OP(round))},
      {"logical_not", unary(STRATA_OP(logical_not))},
      // elementwise, binary
      {"add", binary(STRATA_OP(add))},
      {"subtract", binary(STRATA_OP(subtract))},
      {"multiply", binary(STRATA_OP(multiply))},
      {"divide", binary(STRATA_OP(divide))},
      {"pow", binary([](const Tensor& a, const Tensor& b) { return st::pow(a, b); })},
      {"maximum", binary([](const Tensor& a, const Tensor& b) { return st::maximum(a, b); })},
      {"minimum", binary([](const Tensor& a, const Tensor& b) { return st::minimum(a, b); })},
      {"equal", binary(STRATA_OP(equal))},
      {"not_equal", binary(STRATA_OP(not_equal))},
      {"less", binary(STRATA_OP(less))},
      {"less_equal", binary(STRATA_OP(less_equal))},
      {"greater", binary(STRATA_OP(greater))},
      {"greater_equal", binary(STRATA_OP(greater_equal))},
      {"logical_and", binary(STRATA_OP(logical_and))},
      {"logical_or", binary(STRATA_OP(logical_or))},
      {"logical_xor", binary(STRATA_OP(logical_xor))},
      {"where", [](const std::vector<Tensor>& in, const json&) { return Outputs{st::where(in.at(0), in.at(1), in.at(2))}; }},
      {"clip",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::clip(in.at(0), p.at("min_value").get<double>(), p.at("max_value").get<double>())};
       }},
      {"cast", [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::cast(in.at(0), dtype_param(p, st::float32))}; }},
      // linear algebra
      {"matmul",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::matmul(in.at(0), in.at(1),
                                   {.transpose_a = bool_param(p, "transpose_a", false),
                                    .transpose_b = bool_param(p, "transpose_b", false)})};
       }},
      // array ops
      {"transpose",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{p.contains("perm") ? st::transpose(in.at(0), p.at("perm").get<std::vector<int>>())
                                           : st::transpose(in.at(0))};
       }},
      {"reshape", [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::reshape(in.at(0), shape_param(p))}; }},
      {"flatten", unary(STRATA_OP(flatten))},
      {"expand_dims",
       [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::expand_dims(in.at(0), int_param(p, "axis", 0))}; }},
      {"squeeze",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::squeeze(in.at(0), p.at("axes").get<std::vector<int>>())};
       }},
      {"broadcast_to",
       [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::broadcast_to(in.at(0), shape_param(p))}; }},
      {"concat", [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::concat(in, int_param(p, "axis", 0))}; }},
      {"stack", [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::stack(in, int_param(p, "axis", 0))}; }},
      {"split",
       [](const std::vector<Tensor>& in, const json& p) {
         if (p.contains("sizes"))
           return st::split(in.at(0), p.at("sizes").get<std::vector<std::int64_t>>(), int_param(p, "axis", 0));
         return st::split(in.at(0), int_param(p, "num", 1), int_param(p, "axis", 0));
       }},
      {"slice",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::slice(in.at(0), p.at("axis").get<int>(), p.at("start").get<std::int64_t>(),
                                  p.at("stop").get<std::int64_t>(), p.at("step").get<std::int64_t>())};
       }},
      {"gather",
       [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::gather(in.at(0), in.at(1), int_param(p, "axis", 0))}; }},
      {"one_hot",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::one_hot(in.at(0), p.at("depth").get<std::int64_t>(), dtype_param(p, st::float32),
                                    double_param(p, "on_value", 1.0), double_param(p, "off_value", 0.0))};
       }},
      {"pad",
       [](const std::vector<Tensor>& in, const json& p) {
         std::vector<std::pair<std::int64_t, std::int64_t>> paddings;
         for (const auto& pair : p.at("paddings")) paddings.emplace_back(pair.at(0).get<std::int64_t>(), pair.at(1).get<std::int64_t>());
         return Outputs{st::pad(in.at(0), paddings, double_param(p, "constant_value", 0.0))};
       }},
      // reductions
      {"sum", reduction(STRATA_OP(sum))},
      {"mean", reduction(STRATA_OP(mean))},
      {"max", reduction(STRATA_OP(max))},
      {"min", reduction(STRATA_OP(min))},
      {"prod", reduction(STRATA_OP(prod))},
      {"logsumexp", reduction(STRATA_OP(logsumexp))},
      {"argmax",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::argmax(in.at(0), int_param(p, "axis", -1), bool_param(p, "keepdims", false))};
       }},
      {"argmin",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::argmin(in.at(0), int_param(p, "axis", -1), bool_param(p, "keepdims", false))};
       }},
      // activations
      {"relu", unary(STRATA_OP(relu))},
      {"relu6", unary(STRATA_OP(relu6))},
      {"leaky_relu",
       [](const std::vector<Tensor>& in, const json& p) {
         return Outputs{st::leaky_relu(in.at(0), double_param(p, "negative_slope", 0.2))};
       }},
      {"elu", [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::elu(in.at(0), double_param(p, "alpha", 1.0))}; }},
      {"selu", unary(STRATA_OP(selu))},
      {"gelu",
       [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::gelu(in.at(0), bool_param(p, "approximate", false))}; }},
      {"sigmoid", unary(STRATA_OP(sigmoid))},
      {"hard_sigmoid", unary(STRATA_OP(hard_sigmoid))},
      {"tanh", unary(STRATA_OP(tanh))},
      {"softplus", unary(STRATA_OP(softplus))},
      {"softsign", unary(STRATA_OP(softsign))},
      {"swish", unary(STRATA_OP(swish))},
      {"silu", unary(STRATA_OP(silu))},
      {"softmax", [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::softmax(in.at(0), int_param(p, "axis", -1))}; }},
      {"log_softmax",
       [](const std::vector<Tensor>& in, const json& p) { return Outputs{st::log_softmax(in.at(0), int_param(p, "axis", -1))}; }},
      // creation
      {"zeros", [](const std::vector<Tensor>&, const json& p) { return Outputs{st::zeros(shape_param(p), dtype_param(p, st::float32))}; }},
      {"ones", [](const std::vector<Tensor>&, const json& p) { return Outputs{st::ones(shape_param(p), dtype_param(p, st::float32))}; }},
      {"full",
       [](const std::vector<Tensor>&, const json& p) {
         return Outputs{st::full(shape_param(p), p.at("value").get<double>(), dtype_param(p, st::float32))};
       }},
      {"arange",
       [](const std::vector<Tensor>&, const json& p) {
         if (!p.contains("start")) return Outputs{st::arange(p.at("stop").get<std::int64_t>())};
         return Outputs{st::arange(p.at("start").get<double>(), p.at("stop").get<double>(), p.at("step").get<double>(),
                                   dtype_param(p, st::float32))};
       }},
      {"linspace",
       [](const std::vector<Tensor>&, const json& p) {
         return Outputs{st::linspace(p.at("start").get<double>(), p.at("stop").get<double>(),
                                     p.at("num").get<std::int64_t>(), dtype_param(p, st::float32))};
       }},
      {"eye",
       [](const std::vector<Tensor>&, const json& p) {
         return Outputs{st::eye(p.at("n").get<std::int64_t>(), p.contains("m") ? p.at("m").get<std::int64_t>() : -1,
                                dtype_param(p, st::float32))};
       }},
  };
  return table;
}
#undef STRATA_OP

// ------------------------------------------------------------------ comparing

bool close_enough(double got, double want, st::DType dtype) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  if (!st::is_floating(dtype)) return got == want;
  const double rtol = dtype == st::float64 ? 1e-10 : 2e-5;
  const double atol = dtype == st::float64 ? 1e-12 : 1e-6;
  return std::abs(got - want) <= atol + rtol * std::abs(want);
}

void check_output(const std::string& case_name, std::size_t index, const Tensor& got, const json& want) {
  const Shape want_shape = decode_shape(want);
  const auto want_dtype = want.at("dtype").get<std::string>();
  if (!got.defined()) {
    FAIL_CHECK(case_name << ": output " << index << " is undefined");
    return;
  }
  if (std::string(st::dtype_name(got.dtype())) != want_dtype || got.shape() != want_shape) {
    FAIL_CHECK(case_name << ": output " << index << " is " << st::dtype_name(got.dtype()) << " "
                         << got.shape().to_string() << ", NumPy gives " << want_dtype << " " << want_shape.to_string());
    return;
  }
  const auto got_values = got.to_vector<double>();
  const auto want_values = decode_values(want);
  int reported = 0;
  for (std::size_t i = 0; i < want_values.size(); ++i) {
    if (!close_enough(got_values[i], want_values[i], got.dtype()) && reported++ < 3) {
      std::ostringstream msg;
      msg.precision(17);
      msg << case_name << ": output " << index << " element " << i << " is " << got_values[i] << ", NumPy gives "
          << want_values[i];
      FAIL_CHECK(msg.str());
    }
  }
}

// Runs every reference case of the given ops; returns how many ran.
int run_reference_cases(const std::set<std::string>& ops) {
  int count = 0;
  for (const auto& c : reference().at("cases")) {
    const auto op = c.at("op").get<std::string>();
    if (!ops.count(op)) continue;
    ++count;
    const auto name = c.at("name").get<std::string>();
    const auto runner = runners().find(op);
    if (runner == runners().end()) {
      FAIL_CHECK(name << ": no runner for op " << op);
      continue;
    }
    try {
      std::vector<Tensor> inputs;
      for (const auto& t : c.at("inputs")) inputs.push_back(decode_tensor(t));
      const Outputs outputs = runner->second(inputs, c.at("params"));
      const auto& expected = c.at("outputs");
      if (outputs.size() != expected.size()) {
        FAIL_CHECK(name << ": " << outputs.size() << " outputs, NumPy gives " << expected.size());
        continue;
      }
      for (std::size_t i = 0; i < outputs.size(); ++i) check_output(name, i, outputs[i], expected[i]);
    } catch (const std::exception& e) {
      FAIL_CHECK(name << ": threw " << e.what());
    }
  }
  CHECK(count > 0);
  return count;
}

}  // namespace

// ------------------------------------------------------------------ against NumPy

TEST_CASE("reference data: every case has a runner and every runner a case") {
  std::set<std::string> in_data;
  for (const auto& c : reference().at("cases")) {
    const auto op = c.at("op").get<std::string>();
    in_data.insert(op);
    CHECK_MESSAGE(runners().count(op) == 1, "no runner for " << op);
  }
  for (const auto& [op, runner] : runners()) CHECK_MESSAGE(in_data.count(op) == 1, "no reference case for " << op);
}

TEST_CASE("elementwise unary ops: forward matches NumPy") {
  run_reference_cases({"negative", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "abs",
                       "sign", "sin", "cos", "erf", "floor", "ceil", "round"});
}

TEST_CASE("elementwise binary ops with broadcasting: forward matches NumPy") {
  run_reference_cases({"add", "subtract", "multiply", "divide", "pow", "maximum", "minimum"});
}

TEST_CASE("comparisons and logical ops: forward matches NumPy") {
  run_reference_cases({"equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
                       "logical_or", "logical_xor", "logical_not"});
}

TEST_CASE("where, clip, cast: forward matches NumPy") { run_reference_cases({"where", "clip", "cast"}); }

TEST_CASE("matmul: forward matches NumPy (2-D, batched, broadcast, rank-1, transposes)") {
  run_reference_cases({"matmul"});
}

TEST_CASE("array ops: forward matches NumPy") {
  run_reference_cases({"transpose", "reshape", "flatten", "expand_dims", "squeeze", "broadcast_to", "concat", "stack",
                       "split", "slice", "gather", "one_hot", "pad"});
}

TEST_CASE("reductions: forward matches NumPy over various axes, keepdims") {
  run_reference_cases({"sum", "mean", "max", "min", "prod", "logsumexp", "argmax", "argmin"});
}

TEST_CASE("activations: forward matches NumPy") {
  run_reference_cases({"relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "tanh",
                       "softplus", "softsign", "swish", "silu", "softmax", "log_softmax"});
}

TEST_CASE("creation ops: forward matches NumPy") {
  run_reference_cases({"zeros", "ones", "full", "arange", "linspace", "eye"});
}

// ------------------------------------------------------------------ hand-computed

namespace {
std::vector<double> values_of(const Tensor& t) { return t.to_vector<double>(); }

// Values equal up to a relative tolerance (exactly where `want` is 0).
void check_values(const Tensor& t, const std::vector<double>& want, double rtol = 1e-12) {
  const auto got = values_of(t);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(rtol));
  }
}

void check_all_finite(const Tensor& t) {
  for (double v : values_of(t)) CHECK(std::isfinite(v));
}
}  // namespace

TEST_CASE("softmax: [1000, 1000] is [0.5, 0.5]") {
  for (auto dtype : {st::float32, st::float64}) {
    const Tensor y = st::softmax(Tensor({1000.0, 1000.0}, dtype));
    CHECK(y.dtype() == dtype);
    CHECK(values_of(y) == std::vector<double>{0.5, 0.5});
  }
  const auto v = values_of(st::softmax(Tensor({-1000.0, 0.0, 1000.0})));
  CHECK(v[0] == 0.0);
  CHECK(v[1] == 0.0);
  CHECK(v[2] == 1.0);
}

TEST_CASE("softmax: rows sum to one") {
  const Tensor y = st::softmax(Tensor({{1, 2, 3}, {-1, 0, 50}}));
  const auto s = values_of(st::sum(y, -1));
  CHECK(s[0] == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(s[1] == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("log_softmax: large values stay finite") {
  const Tensor y = st::log_softmax(Tensor({1000.0, 1000.0, -1000.0}, st::float64));
  check_all_finite(y);
  const auto v = values_of(y);
  CHECK(v[0] == doctest::Approx(-std::log(2.0)).epsilon(1e-12));
  CHECK(v[1] == doctest::Approx(-std::log(2.0)).epsilon(1e-12));
  CHECK(v[2] == doctest::Approx(-2000.0 - std::log(2.0)).epsilon(1e-12));
  check_all_finite(st::log_softmax(Tensor({1e4f, -1e4f, 0.0f})));
}

TEST_CASE("logsumexp: [1000, 1000] is 1000 + log 2") {
  CHECK(st::logsumexp(Tensor({1000.0, 1000.0}, st::float64)).item<double>() ==
        doctest::Approx(1000.0 + std::log(2.0)).epsilon(1e-14));
  CHECK(st::logsumexp(Tensor({1000.0, 1000.0})).item<float>() == doctest::Approx(1000.0 + std::log(2.0)).epsilon(1e-6));
  CHECK(st::logsumexp(Tensor({-1000.0, -1000.0}, st::float64)).item<double>() ==
        doctest::Approx(-1000.0 + std::log(2.0)).epsilon(1e-14));
}

TEST_CASE("sigmoid: -1000 is 0 and 1000 is 1, without NaN") {
  for (auto dtype : {st::float32, st::float64}) {
    const auto v = values_of(st::sigmoid(Tensor({-1000.0, 0.0, 1000.0}, dtype)));
    CHECK(v == std::vector<double>{0.0, 0.5, 1.0});
  }
}

TEST_CASE("softplus: 1000 is 1000 and -1000 is 0") {
  for (auto dtype : {st::float32, st::float64}) {
    const auto v = values_of(st::softplus(Tensor({1000.0, -1000.0, 0.0}, dtype)));
    CHECK(v[0] == 1000.0);
    CHECK(v[1] == 0.0);
    CHECK(v[2] == doctest::Approx(std::log(2.0)).epsilon(1e-6));
  }
}

TEST_CASE("tanh, swish, elu, gelu: large inputs stay finite") {
  const Tensor x({-1000.0, 1000.0}, st::float64);
  check_values(st::tanh(x), {-1.0, 1.0});
  check_values(st::swish(x), {0.0, 1000.0});
  check_values(st::elu(x), {-1.0, 1000.0});
  check_values(st::gelu(x), {0.0, 1000.0});
  check_values(st::gelu(x, true), {0.0, 1000.0});
  check_values(st::selu(x), {-1.0507009873554805 * 1.6732632423543772, 1.0507009873554805 * 1000.0});
}

TEST_CASE("hand-computed values of the activations") {
  const Tensor x({-4.0, -1.0, 0.5, 7.0}, st::float64);
  check_values(st::relu(x), {0.0, 0.0, 0.5, 7.0});
  check_values(st::relu6(x), {0.0, 0.0, 0.5, 6.0});
  check_values(st::leaky_relu(x), {-0.8, -0.2, 0.5, 7.0});
  check_values(st::leaky_relu(x, 0.5), {-2.0, -0.5, 0.5, 7.0});
  check_values(st::hard_sigmoid(x), {0.0, 2.0 / 6.0, 3.5 / 6.0, 1.0});
  check_values(st::softsign(x), {-0.8, -0.5, 0.5 / 1.5, 7.0 / 8.0});
  check_values(st::elu(x, 2.0), {2.0 * std::expm1(-4.0), 2.0 * std::expm1(-1.0), 0.5, 7.0});
  check_values(st::selu(Tensor({1.0, -1.0}, st::float64)),
               {1.0507009873554805, 1.0507009873554805 * 1.6732632423543772 * std::expm1(-1.0)});
  check_values(st::gelu(Tensor({1.0}, st::float64)), {0.8413447460685429});  // Phi(1)
  check_values(st::sigmoid(Tensor({0.0, 2.0}, st::float64)), {0.5, 1.0 / (1.0 + std::exp(-2.0))});
  check_values(st::swish(Tensor({2.0}, st::float64)), {2.0 / (1.0 + std::exp(-2.0))});
}

TEST_CASE("add: two constants, as the TensorFlow tutorial") {
  const Tensor y = st::add(Tensor({{1, 2}, {3, 4}}), Tensor({{1, 1}, {1, 1}}));
  CHECK(y.shape() == Shape{2, 2});
  CHECK(y.dtype() == st::float32);
  CHECK(values_of(y) == std::vector<double>{2, 3, 4, 5});
}

TEST_CASE("operators: a C++ number takes the tensor's dtype") {
  const Tensor x({1.0, 2.0}, st::float64);
  CHECK((x * 2.0).dtype() == st::float64);
  CHECK((x * 2.0f).dtype() == st::float64);
  CHECK((2 * x).dtype() == st::float64);
  CHECK((x / 4).dtype() == st::float64);
  CHECK(values_of(1.0 - x) == std::vector<double>{0.0, -1.0});
  const Tensor i({1, 2, 3}, st::int32);
  CHECK((i + 1).dtype() == st::int32);
  CHECK(values_of(i * 3) == std::vector<double>{3, 6, 9});
  const Tensor f({1, 2});
  CHECK((f * 0.5).dtype() == st::float32);
  CHECK((f > 1.5).dtype() == st::bool_);
  CHECK(values_of(f > 1.5) == std::vector<double>{0, 1});
}

TEST_CASE("round: half to even") {
  CHECK(values_of(st::round(Tensor({0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6}, st::float64))) ==
        std::vector<double>{0, 2, 2, -0, -2, 2, 3});
}

TEST_CASE("reshape: shares storage, and an inferred dimension") {
  const Tensor x = st::arange(0.0, 6.0, 1.0);
  const Tensor y = st::reshape(x, {2, -1});
  CHECK(y.shape() == Shape{2, 3});
  CHECK(values_of(y) == std::vector<double>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("split: parts of a (4, 6) tensor") {
  const Tensor x = st::reshape(st::arange(0.0, 24.0, 1.0, st::float64), {4, 6});
  const auto parts = st::split(x, 3, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[1].shape() == Shape{4, 2});
  CHECK(values_of(parts[1]) == std::vector<double>{2, 3, 8, 9, 14, 15, 20, 21});
  const auto rows = st::split(x, std::vector<std::int64_t>{1, 3}, 0);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].shape() == Shape{1, 6});
  CHECK(rows[1].shape() == Shape{3, 6});
  CHECK(values_of(rows[0]) == std::vector<double>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("argmax and argmin: int64 indices, first of ties") {
  const Tensor x({{1, 5, 5}, {7, 0, 0}});
  const Tensor a = st::argmax(x);
  CHECK(a.dtype() == st::int64);
  CHECK(a.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(st::argmin(x, 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  CHECK(st::argmax(x, 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0});
}

TEST_CASE("one_hot: an index below 0 or at least depth gives an all-off row") {
  const Tensor y = st::one_hot(Tensor({0, 3, -1}, st::int32), 3);
  CHECK(y.shape() == Shape{3, 3});
  CHECK(y.dtype() == st::float32);
  CHECK(values_of(y) == std::vector<double>{1, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("matmul: a large float32 product agrees with a naive loop") {
  const int m = 67, k = 129, n = 35;
  std::vector<float> a(m * k), b(k * n);
  for (int i = 0; i < m * k; ++i) a[i] = static_cast<float>((i * 37 % 101) - 50) / 50.0f;
  for (int i = 0; i < k * n; ++i) b[i] = static_cast<float>((i * 53 % 97) - 48) / 48.0f;
  const auto c = st::matmul(Tensor::from_vector(a, {m, k}), Tensor::from_vector(b, {k, n})).to_vector<float>();
  for (int i = 0; i < m; i += 11)
    for (int j = 0; j < n; j += 7) {
      double want = 0;
      for (int p = 0; p < k; ++p) want += static_cast<double>(a[i * k + p]) * b[p * n + j];
      CHECK(c[i * n + j] == doctest::Approx(want).epsilon(1e-4));
    }
}

TEST_CASE("dense_forward: equals matmul + bias (+ relu) on every GEMM path, float32 and float64") {
  // m = 1 with n >= one SIMD width takes the fused row kernel (split across threads above 256 KiB);
  // m = 1 with small n takes gemv; m > 1 takes sgemm; each with the epilogue applied.
  const std::vector<std::array<std::int64_t, 3>> shapes{{1, 784, 256}, {1, 256, 128}, {1, 128, 10}, {1, 7, 3},
                                                         {128, 256, 128}, {5, 3, 1}, {1, 64, 33}};
  for (auto dtype : {st::float32, st::float64})
    for (const auto& [m, k, n] : shapes)
      for (bool relu : {false, true})
        for (bool with_bias : {false, true}) {
          INFO("m=" << m << " k=" << k << " n=" << n << " relu=" << relu << " bias=" << with_bias);
          const Tensor x = st::uniform({m, k}, {.minval = -1, .maxval = 1, .dtype = dtype, .seed = 1});
          const Tensor w = st::uniform({k, n}, {.minval = -1, .maxval = 1, .dtype = dtype, .seed = 2});
          const Tensor b = st::uniform({n}, {.minval = -1, .maxval = 1, .dtype = dtype, .seed = 3});
          Tensor want = st::matmul(x, w);
          if (with_bias) want = want + b;
          if (relu) want = st::relu(want);
          const Tensor got = st::dense_forward(x, w, with_bias ? b : Tensor(), relu);
          REQUIRE(got.shape() == want.shape());
          const auto g = st::cast(got, st::float64).to_vector<double>(), e = st::cast(want, st::float64).to_vector<double>();
          double worst = 0;
          for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::abs(g[i] - e[i]));
          CHECK(worst <= (dtype == st::float32 ? 1e-4 : 1e-12));
        }
  // Rank 3 inputs are rows of one GEMM.
  const Tensor x = st::uniform({2, 3, 4}, {.seed = 4}), w = st::uniform({4, 5}, {.seed = 5}), b = st::uniform({5}, {.seed = 6});
  const Tensor got = st::dense_forward(x, w, b, true), want = st::relu(st::matmul(x, w) + b);
  REQUIRE(got.shape() == Shape{2, 3, 5});
  CHECK(st::max(st::abs(got - want)).item<float>() <= 1e-6f);
}

TEST_CASE("elementwise: large tensors (split across threads) give the same values as small ones") {
  const std::int64_t n = 1 << 20;
  const Tensor x = st::reshape(st::arange(0.0, static_cast<double>(n), 1.0, st::float64), {n / 1024, 1024});
  const Tensor y = st::sum(st::relu(x - static_cast<double>(n / 2)) + x * 2.0);
  const double half = static_cast<double>(n / 2);
  // sum over i of max(i - n/2, 0) + 2 i
  const double want = (half - 1) * half / 2.0 + static_cast<double>(n) * static_cast<double>(n - 1);
  CHECK(y.item<double>() == doctest::Approx(want).epsilon(1e-12));
  CHECK(st::max(x).item<double>() == static_cast<double>(n - 1));
  CHECK(st::mean(x).item<double>() == doctest::Approx((n - 1) / 2.0).epsilon(1e-12));
}
