// Writes the Strata-made seeds of the fuzz corpus into the folder argv[1]: the architecture the
// fuzz target loads weights into, saved in every format, a few JSON configs, and function files
// (export_model) for the function-file target.
#include <fstream>
#include <iostream>
#include <string>

#include "strata/strata.hpp"

namespace st = strata;
using namespace strata::layers;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: strata_fuzz_make_corpus OUTPUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  st::set_random_seed(1);
  st::Sequential model({Input({4}), Dense(8, "relu"), Dropout(0.1), Dense(3)});
  model.compile({.optimizer = "adam", .loss = "mse"});
  const auto x = st::uniform({4, 4}, {.seed = 1});
  const auto y = st::uniform({4, 3}, {.seed = 2});
  model.fit(x, y, {.epochs = 1, .batch_size = 4, .verbose = 0});
  model.save(dir + "/strata_mlp.h5");
  model.save(dir + "/strata_mlp.keras");
  model.save_weights(dir + "/strata_mlp_weights.h5");
  model.save_weights(dir + "/strata_mlp.weights.h5");
  std::ofstream(dir + "/strata_mlp.json") << model.to_json();

  auto a = Input({3}, {.name = "left"});
  auto b = Input({3}, {.name = "right"});
  auto shared = Dense(2, "tanh", {.name = "shared"});
  st::Model functional({a, b}, {Dense(1, {.name = "out"})(Concatenate()({shared(a), shared(b)}))}, {.name = "two_in"});
  functional.save(dir + "/strata_functional.keras");
  std::ofstream(dir + "/strata_functional.json") << functional.to_json();

  st::Sequential conv({Input({8, 8, 1}), Conv2D(2, 3, {.activation = "relu"}), BatchNormalization(),
                       MaxPooling2D(2), Flatten(), Dense(2)});
  std::ofstream(dir + "/strata_conv.json") << conv.to_json();

  st::models::export_model(model, dir + "/strata_mlp.stfn", {.batch_size = 2});
  st::models::export_model(functional, dir + "/strata_functional.stfn", {.batch_size = 1});
  st::models::export_model(conv, dir + "/strata_conv.stfn", {.batch_size = 1});

  // Control flow: a loop and a branch with a variable in it.
  st::Variable counter(st::zeros({}), {.name = "counter"});
  auto flow = st::function([&](const st::Tensor& x) {
    auto grown = st::while_loop([](const std::vector<st::Tensor>& v) { return st::less(st::sum(v[0]), st::Tensor(50.0f)); },
                                [](const std::vector<st::Tensor>& v) { return std::vector<st::Tensor>{v[0] * 2.0f}; },
                                {x}, {.maximum_iterations = 8})[0];
    return st::cond(st::greater(st::sum(grown), st::Tensor(60.0f)), [&] {
      counter.assign_add(st::Tensor(1.0f));
      return grown - 60.0f;
    }, [&] { return grown + counter; });
  });
  st::save_function(flow.get_concrete_function({st::ones({3})}), dir + "/strata_flow.stfn");
  return 0;
}
