// Bad input raises the right strata exception, and its message names the op and the operand
// shapes (or dtypes, or axis). One test per kind of mistake.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "strata/strata.hpp"

namespace st = strata;
using st::Shape;
using st::Tensor;

namespace {

static_assert(std::is_base_of_v<st::ValueError, st::ShapeError>);
static_assert(std::is_base_of_v<st::ValueError, st::DTypeError>);
static_assert(std::is_base_of_v<st::Error, st::ValueError>);
static_assert(std::is_base_of_v<st::Error, st::DeviceError>);
static_assert(std::is_base_of_v<st::Error, st::IOError>);

// Runs `f`, which must throw `Expected`; returns the message ("" when it did not throw as expected).
template <class Expected>
std::string thrown_message(const std::function<void()>& f, const char* expected_name) {
  try {
    f();
  } catch (const Expected& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("expected " << expected_name << ", got another exception (" << typeid(e).name() << "): " << e.what());
    return "";
  }
  FAIL_CHECK("expected " << expected_name << ", nothing was thrown");
  return "";
}

// `f` throws `Expected` whose message contains every one of `parts`.
template <class Expected>
void check_error(const std::function<void()>& f, const std::vector<std::string>& parts,
                 const char* expected_name = typeid(Expected).name()) {
  const std::string msg = thrown_message<Expected>(f, expected_name);
  if (msg.empty()) return;
  for (const auto& part : parts) CHECK_MESSAGE(msg.find(part) != std::string::npos, "message \"" << msg << "\" does not contain \"" << part << "\"");
}

void check_shape_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  check_error<st::ShapeError>(f, parts, "strata::ShapeError");
}
void check_dtype_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  check_error<st::DTypeError>(f, parts, "strata::DTypeError");
}
void check_value_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  check_error<st::ValueError>(f, parts, "strata::ValueError");
}

}  // namespace

// ------------------------------------------------------------------ shape mismatch

TEST_CASE("shape mismatch: add of (2,3) and (4,5) is a ShapeError naming both shapes") {
  const Tensor a = st::zeros({2, 3}), b = st::zeros({4, 5});
  check_shape_error([&] { st::add(a, b); }, {"add", "(2, 3)", "(4, 5)"});
  check_shape_error([&] { (void)(a + b); }, {"add", "(2, 3)", "(4, 5)"});
}

TEST_CASE("shape mismatch: every broadcasting op names itself and both shapes") {
  const Tensor a = st::ones({2, 3}), b = st::ones({3, 2});
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&, const Tensor&)>>> ops = {
      {"subtract", [](const Tensor& x, const Tensor& y) { return st::subtract(x, y); }},
      {"multiply", [](const Tensor& x, const Tensor& y) { return st::multiply(x, y); }},
      {"divide", [](const Tensor& x, const Tensor& y) { return st::divide(x, y); }},
      {"pow", [](const Tensor& x, const Tensor& y) { return st::pow(x, y); }},
      {"maximum", [](const Tensor& x, const Tensor& y) { return st::maximum(x, y); }},
      {"minimum", [](const Tensor& x, const Tensor& y) { return st::minimum(x, y); }},
      {"equal", [](const Tensor& x, const Tensor& y) { return st::equal(x, y); }},
      {"less", [](const Tensor& x, const Tensor& y) { return st::less(x, y); }},
  };
  for (const auto& [name, op] : ops) {
    INFO("op " << name);
    check_shape_error([&] { op(a, b); }, {name, "(2, 3)", "(3, 2)"});
  }
  check_shape_error([&] { st::where(st::greater(a, 0.0f), a, st::ones({4})); }, {"where", "(4,)"});
  check_shape_error([&] { st::broadcast_to(a, {4, 3}); }, {"broadcast_to", "(2, 3)", "(4, 3)"});
}

TEST_CASE("shape mismatch: matmul of (2,3) and (4,5) says exactly which dimensions differ") {
  const std::string msg =
      thrown_message<st::ShapeError>([] { st::matmul(st::zeros({2, 3}), st::zeros({4, 5})); }, "strata::ShapeError");
  CHECK(msg == "matmul: incompatible shapes (2, 3) and (4, 5): inner dimensions 3 and 4 differ");
}

TEST_CASE("shape mismatch: dense_forward names every operand shape") {
  check_shape_error([] { st::dense_forward(st::zeros({2, 3}), st::zeros({4, 5}), st::zeros({5}), false); },
                    {"dense_forward", "(2, 3)", "(4, 5)", "(5,)"});
  check_shape_error([] { st::dense_forward(st::zeros({2, 4}), st::zeros({4, 5}), st::zeros({4}), true); },
                    {"dense_forward", "(4,)"});
}

TEST_CASE("shape mismatch: matmul batch axes and ranks") {
  check_shape_error([] { st::matmul(st::zeros({2, 2, 3}), st::zeros({3, 3, 4})); }, {"matmul", "(2, 2, 3)", "(3, 3, 4)"});
  check_shape_error([] { st::matmul(st::zeros({3}), st::zeros({4})); }, {"matmul", "(3,)", "(4,)"});
  check_shape_error([] { st::matmul(st::zeros({2, 3}), st::zeros({3, 4}), {.transpose_a = true}); },
                    {"matmul", "(2, 3)", "(3, 4)"});
  check_value_error([] { st::matmul(st::zeros({}), st::zeros({2, 2})); }, {"matmul", "()"});
}

TEST_CASE("shape mismatch: reshape to an incompatible size") {
  check_value_error([] { st::reshape(st::zeros({2, 3}), {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
  check_value_error([] { st::reshape(st::zeros({2, 3}), {-1, 4}); }, {"reshape", "(2, 3)"});
  check_value_error([] { st::reshape(st::zeros({2, 3}), {-1, -1}); }, {"reshape"});
}

TEST_CASE("shape mismatch: concat and stack of mismatched shapes") {
  check_shape_error([] { st::concat({st::zeros({2, 3}), st::zeros({3, 2})}, 0); }, {"concat", "(2, 3)", "(3, 2)"});
  check_shape_error([] { st::concat({st::zeros({2, 3}), st::zeros({2, 3, 1})}, 0); }, {"concat", "(2, 3)", "(2, 3, 1)"});
  check_shape_error([] { st::stack({st::zeros({2, 3}), st::zeros({3, 2})}); }, {"stack", "(2, 3)", "(3, 2)"});
  check_value_error([] { st::concat({}, 0); }, {"concat"});
}

TEST_CASE("shape mismatch: split not dividing evenly") {
  check_value_error([] { st::split(st::zeros({5, 2}), 2, 0); }, {"split", "(5, 2)", "2"});
  check_value_error([] { st::split(st::zeros({6}), std::vector<std::int64_t>{2, 3}, 0); }, {"split", "(6,)"});
  check_value_error([] { st::split(st::zeros({6}), 0, 0); }, {"split"});
}

TEST_CASE("shape mismatch: squeeze of an axis that is not 1, pad with the wrong number of pairs") {
  check_value_error([] { st::squeeze(st::zeros({2, 1, 3}), {0}); }, {"squeeze", "(2, 1, 3)"});
  check_value_error([] { st::pad(st::zeros({2, 3}), {{1, 1}}); }, {"pad", "(2, 3)"});
  check_value_error([] { st::pad(st::zeros({2, 3}), {{1, 1}, {-1, 0}}); }, {"pad"});
}

TEST_CASE("shape mismatch: a gradient of a shape unlike the target is a ValueError") {
  const Tensor x = st::ones({3});
  st::GradientTape tape;
  tape.watch(x);
  const Tensor y = x * 2.0f;
  check_value_error([&] { tape.gradient(y, x, st::ones({4})); }, {"(3,)", "(4,)"});
}

// ------------------------------------------------------------------ dtype mismatch

TEST_CASE("dtype mismatch: float32 + float64 is a DTypeError naming both dtypes") {
  const Tensor a = st::ones({2}, st::float32), b = st::ones({2}, st::float64);
  check_dtype_error([&] { st::add(a, b); }, {"add", "float32", "float64"});
  check_dtype_error([&] { st::multiply(b, a); }, {"multiply", "float64", "float32"});
  check_dtype_error([&] { st::add(st::ones({2}, st::int32), a); }, {"add", "int32", "float32"});
  check_dtype_error([&] { st::matmul(st::ones({2, 2}), st::ones({2, 2}, st::float64)); }, {"matmul", "float32", "float64"});
  check_dtype_error([&] { st::concat({st::ones({2}), st::ones({2}, st::float64)}); }, {"concat", "float32", "float64"});
  check_dtype_error([&] { st::where(st::ones({2}, st::bool_), a, b); }, {"where", "float32", "float64"});
}

TEST_CASE("dtype mismatch: int32 matmul works or is a DTypeError naming int32") {
  const Tensor a({{1, 2}, {3, 4}}, st::int32), b({{5, 6}, {7, 8}}, st::int32);
  try {
    const Tensor c = st::matmul(a, b);
    CHECK(c.dtype() == st::int32);
    CHECK(c.to_vector<int>() == std::vector<int>{19, 22, 43, 50});
  } catch (const st::DTypeError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("matmul") != std::string::npos);
    CHECK(msg.find("int32") != std::string::npos);
  }
}

TEST_CASE("dtype mismatch: a non-bool condition, floating indices, a non-integer one_hot") {
  const Tensor x = st::ones({3});
  check_dtype_error([&] { st::where(x, x, x); }, {"where", "float32"});
  check_dtype_error([&] { st::gather(x, Tensor({0.0, 1.0})); }, {"gather", "float32"});
  check_dtype_error([&] { st::one_hot(Tensor({0.0, 1.0}), 3); }, {"one_hot", "float32"});
  check_dtype_error([&] { st::logical_and(x, x); }, {"logical_and", "float32"});
}

TEST_CASE("dtype mismatch: Variable assign of another dtype") {
  st::Variable v(st::ones({2}), {.name = "v"});
  check_value_error([&] { v.assign(st::ones({2}, st::float64)); }, {"float32", "float64"});
}

// ------------------------------------------------------------------ axis out of range

TEST_CASE("axis out of range: sum axis 3 on rank 2") {
  check_value_error([] { st::sum(st::zeros({2, 3}), 3); }, {"sum", "3", "(2, 3)"});
  check_value_error([] { st::mean(st::zeros({2, 3}), -3); }, {"mean", "-3", "(2, 3)"});
  check_value_error([] { st::max(st::zeros({2, 3}), {0, 2}); }, {"max", "(2, 3)"});
  check_value_error([] { st::logsumexp(st::zeros({2, 3}), 2); }, {"logsumexp", "(2, 3)"});
  check_value_error([] { st::argmax(st::zeros({2, 3}), 2); }, {"argmax", "(2, 3)"});
}

TEST_CASE("axis out of range: concat, stack, split, gather, slice") {
  check_value_error([] { st::concat({st::zeros({2, 3}), st::zeros({2, 3})}, 2); }, {"concat", "2", "(2, 3)"});
  check_value_error([] { st::stack({st::zeros({2, 3}), st::zeros({2, 3})}, 4); }, {"stack", "4"});
  check_value_error([] { st::split(st::zeros({2, 4}), 2, 2); }, {"split", "(2, 4)"});
  check_value_error([] { st::gather(st::zeros({2, 3}), Tensor({0}, st::int32), 2); }, {"gather", "(2, 3)"});
  check_value_error([] { st::slice(st::zeros({2, 3}), 2, 0, 1); }, {"slice", "(2, 3)"});
}

TEST_CASE("axis out of range: softmax and log_softmax") {
  check_value_error([] { st::softmax(st::zeros({2, 3}), 2); }, {"softmax", "2", "(2, 3)"});
  check_value_error([] { st::log_softmax(st::zeros({2, 3}), -3); }, {"log_softmax", "(2, 3)"});
}

TEST_CASE("axis out of range: expand_dims, squeeze, transpose permutations") {
  check_value_error([] { st::expand_dims(st::zeros({2, 3}), 4); }, {"expand_dims", "(2, 3)"});
  check_value_error([] { st::squeeze(st::zeros({2, 1}), {5}); }, {"squeeze", "(2, 1)"});
  check_value_error([] { st::transpose(st::zeros({2, 3}), {0, 0}); }, {"transpose", "(2, 3)"});
  check_value_error([] { st::transpose(st::zeros({2, 3}), {0, 1, 2}); }, {"transpose", "(2, 3)"});
}

// ------------------------------------------------------------------ bad values

TEST_CASE("gradient with respect to an int32 tensor is a ValueError") {
  const Tensor i({1, 2}, st::int32);
  // a float target computed from a watched float tensor; the int32 source is refused by name
  const Tensor x({1.0, 2.0});
  st::GradientTape tape;
  tape.watch(x);
  const Tensor y = x * st::cast(i, st::float32);
  check_value_error([&] { tape.gradient(y, i); }, {"gradient", "int32", "(2,)"});
  // watching it is refused too, or its gradient is: a ValueError either way
  check_value_error(
      [&] {
        st::GradientTape t2;
        t2.watch(i);
        t2.gradient(st::cast(i * i, st::float32), i);
      },
      {"int32"});
}

TEST_CASE("item on two elements is a ValueError naming the shape") {
  check_value_error([] { Tensor({1, 2}).item<float>(); }, {"item", "(2,)"});
}

TEST_CASE("gather index out of range is a ValueError naming the index and the valid range or shape") {
  auto check_gather = [](const std::function<void()>& f, const std::string& index, const std::string& shape,
                         const std::string& range) {
    const std::string msg = thrown_message<st::ValueError>(f, "strata::ValueError");
    if (msg.empty()) return;
    CHECK_MESSAGE(msg.find("gather") != std::string::npos, msg);
    CHECK_MESSAGE(msg.find(index) != std::string::npos, msg);
    CHECK_MESSAGE((msg.find(shape) != std::string::npos || msg.find(range) != std::string::npos), msg);
  };
  check_gather([] { st::gather(st::zeros({3, 2}), Tensor({0, 5}, st::int32)); }, "5", "(3, 2)", "[0, 3)");
  check_gather([] { st::gather(st::zeros({3, 2}), Tensor({2}, st::int64), 1); }, "2", "(3, 2)", "[0, 2)");
}

TEST_CASE("slice with a step that is not positive is a ValueError") {
  check_value_error([] { st::slice(st::zeros({4}), 0, 0, 4, 0); }, {"slice"});
  check_value_error([] { st::slice(st::zeros({4}), 0, 0, 4, -1); }, {"slice"});
}

TEST_CASE("undefined tensors are a ValueError naming the op") {
  check_value_error([] { st::add(Tensor(), st::ones({2})); }, {"add"});
  check_value_error([] { st::exp(Tensor()); }, {"exp"});
  CHECK_THROWS_AS(Tensor().shape(), st::Error);
}

TEST_CASE("creation ops reject bad arguments") {
  check_value_error([] { st::zeros({2, -1}); }, {"(2, None)"});
  check_value_error([] { st::arange(0.0, 1.0, 0.0); }, {"arange"});
  check_value_error([] { st::linspace(0.0, 1.0, -1); }, {"linspace"});
  check_value_error([] { st::one_hot(Tensor({0}, st::int32), -1); }, {"one_hot"});
  check_value_error([] { Tensor::from_vector(std::vector<float>{1, 2, 3}, {2, 2}); }, {"(2, 2)", "3"});
}

TEST_CASE("every exception is a strata::Error") {
  CHECK_THROWS_AS(st::add(st::zeros({2, 3}), st::zeros({4, 5})), st::Error);
  CHECK_THROWS_AS(st::add(st::zeros({2}), st::zeros({2}, st::float64)), st::Error);
  CHECK_THROWS_AS(st::sum(st::zeros({2, 3}), 3), st::Error);
  CHECK_THROWS_AS(st::Device("cpu:x"), st::Error);
  CHECK_THROWS_AS(st::set_default_device(st::Device("nosuchbackend")), st::DeviceError);
}
