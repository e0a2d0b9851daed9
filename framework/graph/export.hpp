#pragma once
// Saving a traced function to a file and loading it where its C++ is absent: the role of
// TensorFlow's SavedModel. The file holds the optimized graph (every kernel call as a record), the
// values of the variables it captures at the time of saving, and its input and output signatures.
// A program that loads it needs none of the model's classes: a subclassed model or one with custom
// layers is deployed without its code. See docs/GRAPH.md.
//
//   auto f = st::function([&](const st::Tensor& x) { return model(x); });
//   st::save_function(f.get_concrete_function({x}), "model.stfn");
//   ...
//   auto g = st::load_function("model.stfn");   // in another program
//   auto y = g({x})[0];
#include <string>

#include "strata/framework/graph/function.hpp"

namespace strata {

// Writes `function` to `path`, control-flow nodes with their sub-graphs. ValueError when it cannot
// be saved: a graph with host steps (a train step's optimizer update runs C++ at every call).
void save_function(const ConcreteFunction& function, const std::string& path);

// Reads a file written by save_function, onto `device` (by default the device it was traced on).
// The file is untrusted input: every size, index, offset and kernel argument is checked before
// anything is allocated or run (IOError naming the file and what is wrong).
ConcreteFunction load_function(const std::string& path);
ConcreteFunction load_function(const std::string& path, const Device& device);

// True when `path` starts like a file written by save_function.
bool is_function_file(const std::string& path);

}  // namespace strata
