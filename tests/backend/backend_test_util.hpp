#pragma once
// Helpers of the backend tests: host buffers handed straight to the CPU backend's kernels, device
// buffers for the other backends, and the list of devices the tests run on.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/framework/device.hpp"
#include "strata/framework/dtype.hpp"
#include "strata/framework/errors.hpp"
#include "strata/framework/shape.hpp"

namespace backend_test {

namespace sb = strata::backend;

inline sb::Backend& cpu() { return sb::get_backend(strata::Device("cpu")); }

// Element storage of T on the host: bool is kept as one byte per element, as the backend stores it.
template <class T>
using Storage = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;

// A host tensor: a shape and its row-major values.
template <class T>
struct Host {
  strata::Shape shape;
  std::vector<Storage<T>> values;

  Host(strata::Shape s, std::vector<Storage<T>> v) : shape(std::move(s)), values(std::move(v)) {}
  explicit Host(strata::Shape s) : shape(std::move(s)), values(static_cast<std::size_t>(shape.num_elements())) {}

  sb::In in() const { return {values.data(), shape, strata::dtype_of<T>()}; }
  sb::Out out() { return {values.data(), shape, strata::dtype_of<T>()}; }
  Storage<T>& operator[](std::size_t i) { return values[i]; }
  const Storage<T>& operator[](std::size_t i) const { return values[i]; }
};

// Row-major multi-index <-> flat index.
inline std::vector<std::int64_t> unravel(std::int64_t flat, const strata::Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// The flat index in `shape` (rank <= the index's) of a broadcast multi-index.
inline std::int64_t broadcast_flat(const std::vector<std::int64_t>& index, const strata::Shape& shape) {
  std::int64_t flat = 0;
  const std::size_t offset = index.size() - shape.size();
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d + offset]);
  return flat;
}

}  // namespace backend_test

// --- running the same kernels on every available device ---

namespace backend_test {

// Every device the registered backends report now ("cpu" first, then e.g. "cuda:0").
inline std::vector<strata::Device> available_devices() { return sb::list_devices(); }

// Empty when a CUDA device can be used; otherwise why not, for the skip message
// ("the CUDA backend is not built", or CUDA's own reason: "cudaGetDeviceCount: no CUDA-capable
// device is detected", a driver too old for the runtime, ...).
inline std::string cuda_unavailable_reason() {
  if (!sb::is_registered("cuda")) return "the CUDA backend is not built (STRATA_CUDA=OFF)";
  try {
    sb::get_backend(strata::Device("cuda", 0));
    return {};
  } catch (const strata::DeviceError& e) {
    const std::string what = e.what();
    const auto at = what.find("cudaGetDeviceCount");
    if (at == std::string::npos) return what;
    // get_backend's message ends with " (<reason>)".
    const auto end = what.rfind(')');
    return what.substr(at, end == std::string::npos || end < at ? std::string::npos : end - at);
  }
}

// The CUDA devices present (empty without a GPU).
inline std::vector<strata::Device> cuda_devices() {
  std::vector<strata::Device> result;
  for (const auto& d : available_devices())
    if (d.type == "cuda") result.push_back(d);
  return result;
}

// A buffer on a backend's device holding a host tensor's values, given back on scope exit.
template <class T>
class DeviceTensor {
 public:
  DeviceTensor(sb::Backend& backend, strata::Shape shape)
      : backend_(&backend),
        shape_(std::move(shape)),
        bytes_(static_cast<std::size_t>(shape_.num_elements()) * sizeof(Storage<T>)),
        data_(backend.allocate(bytes_)) {}
  DeviceTensor(sb::Backend& backend, const Host<T>& host) : DeviceTensor(backend, host.shape) {
    backend.copy_from_host(host.values.data(), data_, bytes_);
  }
  ~DeviceTensor() { backend_->deallocate(data_, bytes_); }
  DeviceTensor(const DeviceTensor&) = delete;
  DeviceTensor& operator=(const DeviceTensor&) = delete;

  sb::In in() const { return {data_, shape_, strata::dtype_of<T>()}; }
  sb::Out out() { return {data_, shape_, strata::dtype_of<T>()}; }
  void* data() { return data_; }
  const void* data() const { return data_; }
  Host<T> to_host() const {
    Host<T> host(shape_);
    backend_->copy_to_host(data_, host.values.data(), bytes_);
    return host;
  }

 private:
  sb::Backend* backend_;
  strata::Shape shape_;
  std::size_t bytes_;
  void* data_;
};

// A second "device" for tests on machines without a GPU: every call goes to the CPU backend, but
// tensors made on it report device "twin:0", so device checks, Tensor::to and the cross-device test
// harness run everywhere.
class TwinBackend final : public sb::Backend {
 public:
  strata::Device device() const override { return strata::Device("twin", 0); }
  void* allocate(std::size_t bytes) override { return cpu().allocate(bytes); }
  void deallocate(void* ptr, std::size_t bytes) noexcept override { cpu().deallocate(ptr, bytes); }
  sb::MemoryStats memory_stats() const override { return cpu().memory_stats(); }
  void empty_cache() override {}
  void copy_to_host(const void* src, void* dst, std::size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy_from_host(const void* src, void* dst, std::size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy(const void* src, void* dst, std::size_t bytes) override { std::memmove(dst, src, bytes); }
  void synchronize() override {}
  void fill(sb::Out out, double value) override { cpu().fill(out, value); }
  void cast(sb::In x, sb::Out out) override { cpu().cast(x, out); }
  void unary(sb::UnaryOp op, sb::In x, sb::Out out, double alpha) override { cpu().unary(op, x, out, alpha); }
  void binary(sb::BinaryOp op, sb::In a, sb::In b, sb::Out out) override { cpu().binary(op, a, b, out); }
  void where(sb::In c, sb::In a, sb::In b, sb::Out out) override { cpu().where(c, a, b, out); }
  void reduce(sb::ReduceOp op, sb::In x, const std::vector<int>& axes, sb::Out out) override {
    cpu().reduce(op, x, axes, out);
  }
  void gemm(const sb::GemmArgs& args) override { cpu().gemm(args); }
  void copy_strided(const sb::StridedCopyArgs& args) override { cpu().copy_strided(args); }
  void gather(sb::In x, sb::In indices, int axis, sb::Out out) override { cpu().gather(x, indices, axis, out); }
  void scatter_add(sb::In u, sb::In indices, int axis, sb::Out out) override { cpu().scatter_add(u, indices, axis, out); }
  void softmax(sb::In x, int axis, bool log, sb::Out out) override { cpu().softmax(x, axis, log, out); }
  void random(sb::Distribution d, std::uint64_t seed, double a, double b, sb::Out out) override {
    cpu().random(d, seed, a, b, out);
  }
  void conv2d(const sb::ConvArgs& args, const void* x, const void* k, void* y) override { cpu().conv2d(args, x, k, y); }
  void conv2d_backward(const sb::ConvArgs& args, const void* x, const void* k, const void* dy, void* dx,
                       void* dk) override {
    cpu().conv2d_backward(args, x, k, dy, dx, dk);
  }
  void pool2d(sb::PoolOp op, const sb::PoolArgs& args, const void* x, void* y) override { cpu().pool2d(op, args, x, y); }
  void pool2d_backward(sb::PoolOp op, const sb::PoolArgs& args, const void* x, const void* dy, void* dx) override {
    cpu().pool2d_backward(op, args, x, dy, dx);
  }
  void adam_update(const sb::AdamUpdateArgs& args) override { cpu().adam_update(args); }
};

// Registers the "twin" device type (once) and returns its device.
inline strata::Device twin_device() {
  static const bool registered = [] {
    sb::register_backend("twin", {[] { return 1; }, [](int) -> std::unique_ptr<sb::Backend> {
                                    return std::make_unique<TwinBackend>();
                                  }});
    return true;
  }();
  (void)registered;
  return strata::Device("twin", 0);
}

}  // namespace backend_test
