#pragma once
// The objects of an HDF5 file or group, for tests that compare a file's layout with Keras's.
#include <set>
#include <string>

#include "strata/models/saving/hdf5.hpp"

namespace strata::testing {
// Every object under `at`, by path relative to it; groups end in "/".
std::set<std::string> object_paths(const saving::hdf5::Object& at);
}  // namespace strata::testing
