// libFuzzer target: the bytes of a model file (legacy .h5, Keras 3 .weights.h5, .keras zip, or
// anything else) go to load_model and to load_weights of a fixed model, and the same bytes as text
// to model_from_json. Every outcome but a strata::Error (a crash, a sanitizer report, a leak, or
// any other exception) is a finding. Built only with -DSTRATA_FUZZ=ON; see run.sh.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <string>

#include "strata/layers/weight_limit.hpp"
#include "strata/strata.hpp"
#include "fuzz_input.hpp"

namespace st = strata;
using strata_fuzz::input_path;
using strata_fuzz::write_input;
using namespace strata::layers;

namespace {

// The seed corpus's architecture (tests/fuzz/make_corpus.cpp), compiled so that optimizer state
// is read too.
st::Sequential& target_model() {
  static st::Sequential* model = [] {
    auto* m = new st::Sequential({Input({4}), Dense(8, "relu"), Dropout(0.1), Dense(3)});
    m->compile({.optimizer = "adam", .loss = "mse"});
    return m;
  }();
  return *model;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The loaders' warnings (std::cerr) would drown libFuzzer's output; sanitizer reports still go
  // to file descriptor 2.
  std::cerr.setstate(std::ios::badbit);
  // Configs may ask for any weight size; keep what a config can allocate well under libFuzzer's
  // malloc limit (a larger request is the ValueError under test).
  strata::set_max_weight_bytes(64u << 20);
  target_model();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_input(data, size);
  try {
    auto model = st::models::load_model(input_path());
  } catch (const st::Error&) {
  }
  try {
    target_model().load_weights(input_path());
  } catch (const st::Error&) {
  }
  try {
    target_model().load_weights(input_path(), {.skip_mismatch = true, .by_name = true});
  } catch (const st::Error&) {
  }
  try {
    auto model = st::models::model_from_json(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const st::Error&) {
  }
  return 0;
}
