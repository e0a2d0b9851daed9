// The registry of backends: device type name -> factory, and the backends created so far.
#include "strata/backend/backend.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "strata/framework/errors.hpp"

namespace strata::backend {

// Defined in backend/cpu/cpu_backend.cpp; registers "cpu" (called before every lookup, so the CPU
// backend is there even when the library is linked statically and no static initializer runs).
void register_cpu_backend_once();
#ifdef STRATA_HAS_CUDA
namespace {
// The CUDA backend is the plugin libstrata_cuda.so in libstrata's own folder (CMakeLists.txt says
// why); its entry point registers "cuda", with no devices when there is no GPU. Without the plugin
// "cuda" stays unregistered, and get_backend says so.
void register_cuda_backend_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info self{};
    if (!dladdr(reinterpret_cast<void*>(&register_cuda_backend_once), &self) || !self.dli_fname) return;
    std::string path = self.dli_fname;
    path = path.substr(0, path.find_last_of('/') + 1) + "libstrata_cuda.so";
    void* plugin = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!plugin) return;
    if (auto entry = reinterpret_cast<void (*)()>(dlsym(plugin, "strata_register_cuda_backend"))) entry();
  });
}
}  // namespace
#endif

namespace {
// The CPU backend always; the CUDA plugin only when a lookup may need it (any device type but
// "cpu"), so that a CPU-only program never loads it.
void register_builtin_backends(const std::string& type = "") {
  register_cpu_backend_once();
#ifdef STRATA_HAS_CUDA
  if (type != "cpu") register_cuda_backend_once();
#else
  (void)type;
#endif
}
}  // namespace

namespace {

struct Registry {
  std::recursive_mutex mutex;  // recursive: a factory may look up another backend
  std::map<std::string, BackendFactory> factories;
  std::map<std::pair<std::string, int>, std::unique_ptr<Backend>> backends;
};

// Never destroyed: tensors in static storage may release their memory after main returns.
Registry& registry() {
  static Registry* instance = new Registry();
  return *instance;
}

std::string registered_types_locked(const Registry& r) {
  std::string names;
  for (const auto& [name, factory] : r.factories) names += (names.empty() ? "\"" : ", \"") + name + "\"";
  return names.empty() ? "none" : names;
}

}  // namespace

void register_backend(const std::string& type, BackendFactory factory) {
  if (type.empty()) throw DeviceError("register_backend: the device type name must not be empty");
  if (!factory.device_count || !factory.create)
    throw DeviceError("register_backend: the factory of device type \"" + type +
                      "\" needs both device_count and create");
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[type] = std::move(factory);
}

bool is_registered(const std::string& type) {
  register_builtin_backends(type);
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.count(type) != 0;
}

Backend& get_backend(const Device& device) {
  register_builtin_backends(device.type);
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto key = std::make_pair(device.type, device.index);
  if (auto it = r.backends.find(key); it != r.backends.end()) return *it->second;
  auto factory = r.factories.find(device.type);
  if (factory == r.factories.end())
    throw DeviceError("No backend is registered for device type \"" + device.type +
                      "\"; registered types: " + registered_types_locked(r));
  const int count = factory->second.device_count();
  if (device.index < 0 || device.index >= count)
    throw DeviceError("Device " + device.to_string() + " does not exist: there " +
                      (count == 1 ? "is 1 " + device.type + " device" :
                                    "are " + std::to_string(count) + " " + device.type + " devices") +
                      (count > 0 ? " (indices 0 to " + std::to_string(count - 1) + ")" : "") +
                      (count == 0 && factory->second.unavailable_reason
                           ? " (" + factory->second.unavailable_reason() + ")"
                           : ""));
  std::unique_ptr<Backend> created = factory->second.create(device.index);
  if (!created) throw DeviceError("The backend factory of device type \"" + device.type + "\" created no backend");
  Backend& result = *created;
  // Leaked with the registry on purpose (see registry()).
  r.backends.emplace(key, std::move(created));
  return result;
}

std::vector<Device> list_devices() {
  register_builtin_backends();
  std::vector<std::pair<std::string, std::function<int()>>> counts;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto& [name, factory] : r.factories) counts.emplace_back(name, factory.device_count);
  }
  std::vector<Device> devices;
  // "cpu" first, then the others in name order.
  for (const auto& [name, count] : counts)
    if (name == "cpu")
      for (int i = 0; i < count(); ++i) devices.emplace_back(name, i);
  for (const auto& [name, count] : counts)
    if (name != "cpu")
      for (int i = 0; i < count(); ++i) devices.emplace_back(name, i);
  return devices;
}

}  // namespace strata::backend
