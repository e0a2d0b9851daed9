#pragma once
// Where a tensor lives: a backend name ("cpu", "cuda", or a third party's) and an index.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct Device {
  std::string type = "cpu";
  int index = 0;

  Device() = default;
  Device(std::string_view spec);  // "cpu", "cuda", "cuda:1"; throws ValueError when malformed
  Device(const char* spec) : Device(std::string_view(spec)) {}
  Device(std::string type_name, int device_index) : type(std::move(type_name)), index(device_index) {}

  std::string to_string() const;  // "cpu", "cuda:0"
  friend bool operator==(const Device&, const Device&) = default;
};

std::ostream& operator<<(std::ostream& os, const Device& device);

// The device new tensors go to: the innermost DeviceScope of this thread, else the global default.
Device default_device();
// Sets the global default device; throws DeviceError when no backend serves it.
void set_default_device(const Device& device);

// Places new tensors on `device` until the scope ends (like `with tf.device(...)`).
class DeviceScope {
 public:
  explicit DeviceScope(const Device& device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  bool had_previous_;
  Device previous_;
};

namespace config {
// Every device a registered backend reports now: "cpu" first, then e.g. "cuda:0", "cuda:1" (none
// of a type whose devices are missing: no GPU, no driver).
std::vector<Device> list_devices();
using ::strata::default_device;
using ::strata::set_default_device;
}  // namespace config

}  // namespace strata
