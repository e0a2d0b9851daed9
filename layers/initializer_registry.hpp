#pragma once
// A user initializer resolvable by name in model configs (Keras's custom_objects / a registered
// serializable), so that a file naming a Python initializer loads once C++ provides it:
//
//   st::initializers::register_initializer("random_kernel", [](const st::Config&) { return MyInit(); });
#include <functional>
#include <string>

#include "strata/layers/initializers.hpp"

namespace strata::initializers {

void register_initializer(const std::string& name, std::function<InitializerPtr(const Config& config)> factory);

}  // namespace strata::initializers
