// A .tflite file is untrusted input: truncated, corrupted or forged files (indices, buffer sizes,
// opcodes out of range) and wrong inputs get a strata error that says what is wrong, never a crash.
#include <random>

#include "lite/lite_test_util.hpp"
#include "strata/models/lite/interpreter.hpp"
#include "tflite_generated.h"

using strata::lite::Interpreter;
using strata::lite::testing::read_bytes;
using strata::lite::testing::tflite_fixture;

namespace {

std::vector<std::uint8_t> hello_float() { return read_bytes(tflite_fixture("hello_world/hello_world_float.tflite")); }

// The fixture unpacked, changed by `edit`, packed again.
template <class Edit>
std::vector<std::uint8_t> forged(Edit edit) {
  const auto bytes = hello_float();
  auto model = tflite::UnPackModel(bytes.data());
  edit(*model);
  flatbuffers::FlatBufferBuilder builder;
  tflite::FinishModelBuffer(builder, tflite::Model::Pack(builder, model.get()));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

// Loads, allocates and runs on zeros: a hostile file may only end in a strata::Error.
void load_and_run(std::vector<std::uint8_t> bytes) {
  auto interpreter = Interpreter::from_bytes(std::move(bytes), "forged.tflite");
  interpreter.allocate_tensors();
  interpreter.invoke();
}

bool have_fixtures() { return std::filesystem::exists(tflite_fixture("hello_world/hello_world_float.tflite")); }

}  // namespace

TEST_CASE("lite untrusted: a missing file, an empty file and a non-TFLite file") {
  CHECK_THROWS_WITH_AS(Interpreter("/nonexistent/model.tflite"), doctest::Contains("/nonexistent/model.tflite"),
                       strata::IOError);
  CHECK_THROWS_WITH_AS(Interpreter::from_bytes({}, "empty.tflite"), doctest::Contains("'empty.tflite': is too short"),
                       strata::ValueError);
  std::vector<std::uint8_t> text(64, 'x');
  CHECK_THROWS_WITH_AS(Interpreter::from_bytes(text, "x.tflite"), doctest::Contains("no 'TFL3' identifier"),
                       strata::ValueError);
}

TEST_CASE("lite untrusted: every truncation of a real file is rejected cleanly") {
  if (!have_fixtures()) return;
  const auto bytes = hello_float();
  for (std::size_t n = 0; n < bytes.size(); n += 7) {
    std::vector<std::uint8_t> part(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(load_and_run(part), strata::Error);
  }
  CHECK_THROWS_WITH(Interpreter::from_bytes(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 1000), "cut.tflite"),
                    doctest::Contains("corrupted or truncated"));
}

TEST_CASE("lite untrusted: corrupted bytes never crash") {
  if (!have_fixtures()) return;
  const auto bytes = hello_float();
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int trial = 0; trial < 400; ++trial) {
    auto copy = bytes;
    for (int k = 0; k < 1 + trial % 4; ++k) copy[rng() % copy.size()] = static_cast<std::uint8_t>(rng());
    try {
      load_and_run(copy);
    } catch (const strata::Error&) {
      ++rejected;
    }
  }
  CHECK(rejected > 0);
}

TEST_CASE("lite untrusted: forged indices and sizes name the operator and tensor") {
  if (!have_fixtures()) return;
  CHECK_THROWS_WITH_AS(load_and_run(forged([](tflite::ModelT& m) { m.subgraphs[0]->operators[1]->inputs[1] = 99; })),
                       doctest::Contains("operator 1 (FULLY_CONNECTED)'s inputs refers to tensor 99, but the subgraph has 10"),
                       strata::ValueError);
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) { m.subgraphs[0]->outputs[0] = -3; })),
                    doctest::Contains("the subgraph's outputs refers to tensor -3"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) { m.subgraphs[0]->tensors[3]->buffer = 500; })),
                    doctest::Contains("refers to buffer 500, but the file has"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) {
                      auto& t = *m.subgraphs[0]->tensors[m.subgraphs[0]->operators[0]->inputs[1]];
                      m.buffers[t.buffer]->data.pop_back();
                    })),
                    doctest::Contains("bytes of data in buffer"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) { m.subgraphs[0]->operators[2]->opcode_index = 7; })),
                    doctest::Contains("operator 2 has opcode_index 7, but the file has 1 operator codes"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) {
                      m.operator_codes[0]->builtin_code = tflite::BuiltinOperator_BATCH_MATMUL;
                    })),
                    doctest::Contains("operator 0 (BATCH_MATMUL) is not supported"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) { m.subgraphs[0]->tensors[3]->shape = {-1, 16}; })),
                    doctest::Contains("negative dimension"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) {
                      m.subgraphs[0]->tensors[3]->shape = {65536, 65536, 65536};
                    })),
                    doctest::Contains("more than 2^31 elements"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) { m.version = 2; })),
                    doctest::Contains("schema version 2"));
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) {
                      std::swap(m.subgraphs[0]->operators[0], m.subgraphs[0]->operators[2]);
                    })),
                    doctest::Contains("before any operator writes it"));
  // Weights of the wrong shape for the input: caught by the operator's checks at allocate_tensors.
  CHECK_THROWS_WITH(load_and_run(forged([](tflite::ModelT& m) {
                      auto& sg = *m.subgraphs[0];
                      auto& w = *sg.tensors[sg.operators[1]->inputs[1]];
                      w.shape = {256};
                    })),
                    doctest::Contains("operator 1 (FULLY_CONNECTED): weights must be [units, inputs]"));
}

TEST_CASE("lite untrusted: quantization parameters a kernel's arithmetic relies on") {
  if (!have_fixtures()) return;
  const auto int8_file = read_bytes(tflite_fixture("hello_world/hello_world_int8.tflite"));
  const auto forge_int8 = [&](auto edit) {
    auto model = tflite::UnPackModel(int8_file.data());
    edit(*model);
    flatbuffers::FlatBufferBuilder builder;
    tflite::FinishModelBuffer(builder, tflite::Model::Pack(builder, model.get()));
    return std::vector<std::uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  };
  // Found by the fuzz target: a zero point this large overflowed the int32 accumulators.
  CHECK_THROWS_WITH(load_and_run(forge_int8([](tflite::ModelT& m) {
                      m.subgraphs[0]->tensors[0]->quantization->zero_point = {100000};
                    })),
                    doctest::Contains("has zero point 100000 outside the range of int8"));
  CHECK_THROWS_WITH(load_and_run(forge_int8([](tflite::ModelT& m) {
                      m.subgraphs[0]->tensors[0]->quantization->scale = {-1.0f};
                    })),
                    doctest::Contains("not a positive number"));
  CHECK_THROWS_WITH(load_and_run(forge_int8([](tflite::ModelT& m) {
                      m.subgraphs[0]->tensors[0]->quantization->scale = {1.0f, 2.0f};
                      m.subgraphs[0]->tensors[0]->quantization->zero_point = {0, 0};
                    })),
                    doctest::Contains("2 per-axis scales but dimension 0 has size 1"));
}

TEST_CASE("lite untrusted: wrong input dtype and shape") {
  if (!have_fixtures()) return;
  Interpreter interpreter(tflite_fixture("hello_world/hello_world_float.tflite").string());
  CHECK_THROWS_WITH(interpreter.invoke(), doctest::Contains("allocate_tensors"));
  interpreter.allocate_tensors();
  CHECK_THROWS_WITH_AS(interpreter.set_tensor(0, std::vector<std::int32_t>{1}),
                       doctest::Contains("expects float32, got int32"), strata::DTypeError);
  CHECK_THROWS_WITH_AS(interpreter.set_tensor(0, std::vector<float>{1, 2}),
                       doctest::Contains("has shape [1, 1] (1 elements), got 2 elements"), strata::ShapeError);
  CHECK_THROWS_AS(interpreter.set_tensor(42, std::vector<float>{1}), strata::ValueError);
  CHECK_THROWS_AS(interpreter.set_tensor(1, std::vector<float>(16)), strata::ValueError);  // a constant
  CHECK_THROWS_AS(interpreter.get_output<std::int8_t>(0), strata::DTypeError);
  CHECK_THROWS_AS(interpreter.resize_input_tensor(0, {1, 1, 1}), strata::ValueError);
  CHECK_THROWS_AS(interpreter.resize_input_tensor(3, {1, 1}), strata::ValueError);
}

TEST_CASE("lite untrusted: the fuzz corpus (seeds and past findings) loads or fails cleanly") {
  // tests/fuzz/corpus: tflite_finding_* are inputs that once crashed or hung (an int32 overflow in
  // the integer LSTM, a misaligned int64 zero_point vector, a pooling window of hours of work).
  const auto corpus = std::filesystem::path(STRATA_TEST_DATA_DIR) / ".." / "fuzz" / "corpus";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with("tflite_") && !name.starts_with("tflm_")) continue;
    CAPTURE(name);
    ++files;
    try {
      auto interpreter = Interpreter::from_bytes(read_bytes(entry.path()), name);
      interpreter.allocate_tensors();
      if (interpreter.operation_count() <= 2e7) interpreter.invoke();
    } catch (const strata::Error&) {
    }
  }
  CHECK(files >= 10);
}
