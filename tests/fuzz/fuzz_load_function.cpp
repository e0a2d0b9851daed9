// libFuzzer target: the bytes of a function file (save_function / export_model) go to
// load_function, and a function that loads runs once on zeros when its inputs are small. Every
// outcome but a strata::Error (a crash, a sanitizer report, a leak, or any other exception) is a
// finding. See run.sh (--function).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "strata/framework/graph/kernel_call.hpp"
#include "strata/strata.hpp"
#include "fuzz_input.hpp"

namespace st = strata;
using strata_fuzz::input_path;
using strata_fuzz::write_input;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::cerr.setstate(std::ios::badbit);
  // Well under libFuzzer's malloc limit: a larger request is the IOError under test.
  strata::graph::detail::set_max_loaded_memory(256 << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_input(data, size);
  try {
    auto f = st::load_function(input_path());
    // Running is part of the contract: every kernel argument was checked against its buffer.
    std::int64_t elements = 0;
    for (const auto& spec : f.input_specs()) elements += spec.shape.num_elements();
    if (elements <= (1 << 16) && f.stats().arena_bytes <= (64u << 20)) {
      std::vector<st::Tensor> inputs;
      for (const auto& spec : f.input_specs()) inputs.push_back(st::zeros(spec.shape, spec.dtype));
      f(inputs);
    }
  } catch (const st::Error&) {
  }
  return 0;
}
