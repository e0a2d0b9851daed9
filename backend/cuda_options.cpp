#include "strata/backend/cuda_options.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace strata::backend {
namespace {
std::atomic<bool>& tf32_flag() {
  static std::atomic<bool> flag([] {
    const char* env = std::getenv("STRATA_CUDA_ALLOW_TF32");
    return env && std::strcmp(env, "0") != 0 && *env != '\0';
  }());
  return flag;
}
}  // namespace

void set_cuda_allow_tf32(bool allow) { tf32_flag().store(allow, std::memory_order_relaxed); }
bool cuda_allow_tf32() { return tf32_flag().load(std::memory_order_relaxed); }

}  // namespace strata::backend
