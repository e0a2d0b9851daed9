#include "support/hdf5_paths.hpp"

namespace strata::testing {

namespace {
void collect(const saving::hdf5::Object& at, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& name : at.children()) {
    if (at.has_group(name)) {
      out.insert(prefix + name + "/");
      collect(at.open_group(name), prefix + name + "/", out);
    } else {
      out.insert(prefix + name);
    }
  }
}
}  // namespace

std::set<std::string> object_paths(const saving::hdf5::Object& at) {
  std::set<std::string> out;
  collect(at, "", out);
  return out;
}

}  // namespace strata::testing
