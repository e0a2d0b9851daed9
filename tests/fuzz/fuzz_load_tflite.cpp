// libFuzzer target: the bytes of a .tflite file go to st::lite::Interpreter; a model that loads is
// allocated and run once on zeros (inputs as the file declares them). Every outcome but a
// strata::Error (a crash, a sanitizer report, a leak, or any other exception) is a finding.
// See run.sh (--tflite).
#include <cstdint>
#include <vector>

#include "strata/framework/errors.hpp"
#include "strata/models/lite/interpreter.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Well under libFuzzer's malloc limit: a larger model is the ValueError under test.
  strata::lite::set_max_tensor_bytes(64u << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto interpreter = strata::lite::Interpreter::from_bytes(std::vector<std::uint8_t>(data, data + size), "fuzz");
    interpreter.allocate_tensors();
    // A small file may ask for hours of arithmetic (a huge pooling window): run only modest models.
    if (interpreter.operation_count() <= 2e7) interpreter.invoke();
  } catch (const strata::Error&) {
  }
  return 0;
}
