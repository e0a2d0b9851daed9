#pragma once
// Helpers of the converter tests: convert a model, run the file in st::lite::Interpreter, read it back.
#include <string>
#include <vector>

#include "strata/models/lite/converter.hpp"
#include "strata/models/lite/interpreter.hpp"
#include "strata/strata.hpp"
#include "tflite_generated.h"

namespace strata::lite::testing {

// The model's output for x, through the .tflite file.
inline std::vector<float> run_tflite(const std::vector<std::uint8_t>& bytes, const Tensor& x) {
  Interpreter interpreter = Interpreter::from_bytes(bytes, "<converted>");
  interpreter.resize_input_tensor(0, x.shape().dims());
  interpreter.allocate_tensors();
  const auto values = x.to_vector<float>();
  interpreter.set_tensor<float>(interpreter.input_tensor_index(0), values);
  interpreter.invoke();
  return interpreter.get_output<float>(0);
}

inline const tflite::Model* model_of(const std::vector<std::uint8_t>& bytes) { return tflite::GetModel(bytes.data()); }

// The builtin codes of the operators, in execution order.
inline std::vector<int> op_codes(const std::vector<std::uint8_t>& bytes) {
  const auto* m = model_of(bytes);
  std::vector<int> codes;
  for (const auto* op : *m->subgraphs()->Get(0)->operators())
    codes.push_back(m->operator_codes()->Get(op->opcode_index())->builtin_code());
  return codes;
}

inline const tflite::Tensor* tensor_named(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  for (const auto* t : *model_of(bytes)->subgraphs()->Get(0)->tensors())
    if (t->name()->str() == name) return t;
  return nullptr;
}

// Checks the float file against Strata's predict: 1e-5 relative (absolute near 0).
inline void check_matches_predict(Model& model, const Tensor& x, const std::vector<std::uint8_t>& bytes,
                                  double tolerance = 1e-5) {
  const auto expected = model.predict(x).to_vector<float>();
  const auto got = run_tflite(bytes, x);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tolerance).scale(1.0));
}

}  // namespace strata::lite::testing
