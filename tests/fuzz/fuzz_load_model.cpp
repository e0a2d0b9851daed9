// libFuzzer target: the bytes of a model file (legacy .h5, Keras 3 .weights.h5, .keras zip, or
// anything else) go to load_model and to load_weights of a fixed model, and the same bytes as text
// to model_from_json. Every outcome but a strata::Error (a crash, a sanitizer report, a leak, or
// any other exception) is a finding. Built only with -DSTRATA_FUZZ=ON; see run.sh.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <string>

#include "strata/layers/weight_limit.hpp"
#include "strata/strata.hpp"

namespace st = strata;
using namespace strata::layers;

namespace {

// The file the loaders read: a memfd, rewritten for every input (no disk traffic).
const std::string& input_path() {
  static const std::string path = [] {
    const int fd = ::memfd_create("strata_fuzz_input", 0);
    if (fd < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return path;
}
int input_fd() { return std::stoi(input_path().substr(14)); }

void write_input(const std::uint8_t* data, std::size_t size) {
  const int fd = input_fd();
  if (::ftruncate(fd, 0) != 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
}

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
