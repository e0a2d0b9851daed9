#include "strata/framework/device.hpp"

#include <charconv>
#include <mutex>
#include <optional>
#include <string>

#include "strata/backend/backend.hpp"
#include "strata/framework/errors.hpp"

namespace strata {

Device::Device(std::string_view spec) {
  auto colon = spec.find(':');
  type = std::string(spec.substr(0, colon));
  index = 0;
  bool ok = !type.empty();
  if (ok && colon != std::string_view::npos) {
    auto digits = spec.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    ok = ec == std::errc() && ptr == digits.data() + digits.size() && !digits.empty() && index >= 0;
  }
  if (!ok) throw ValueError("Invalid device '" + std::string(spec) + "': expected 'cpu', 'cuda' or 'cuda:<index>'");
}

std::string Device::to_string() const { return type == "cpu" ? type : type + ":" + std::to_string(index); }

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.to_string(); }

namespace {
std::mutex global_mutex;
// A function-local static, so tensors made during other modules' static initialization (a global
// Tensor in user code) find it constructed.
Device& global_default() {
  static Device device;  // cpu
  return device;
}
thread_local std::optional<Device> scoped_default;
}  // namespace

Device default_device() {
  if (scoped_default) return *scoped_default;
  std::lock_guard lock(global_mutex);
  return global_default();
}

void set_default_device(const Device& device) {
  backend::get_backend(device);  // throws DeviceError saying why the device cannot be used
  std::lock_guard lock(global_mutex);
  global_default() = device;
}

std::vector<Device> config::list_devices() { return backend::list_devices(); }

DeviceScope::DeviceScope(const Device& device) : had_previous_(scoped_default.has_value()) {
  backend::get_backend(device);
  if (had_previous_) previous_ = *scoped_default;
  scoped_default = device;
}

DeviceScope::~DeviceScope() {
  if (had_previous_)
    scoped_default = previous_;
  else
    scoped_default.reset();
}

}  // namespace strata
