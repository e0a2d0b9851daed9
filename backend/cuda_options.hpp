#pragma once
// Options of the CUDA backend that users may set (this header is free of CUDA includes and works
// in a build without CUDA, where the options have no effect).

namespace strata::backend {

// Lets cuBLAS use TF32 tensor cores for float32 matrix products and convolutions (about 10 bits of
// mantissa in the products: several times faster on Ampere and Hopper, but results differ from the
// CPU's by ~1e-3 relative). Off by default; the environment variable STRATA_CUDA_ALLOW_TF32=1 sets
// it at start-up.
void set_cuda_allow_tf32(bool allow);
bool cuda_allow_tf32();

}  // namespace strata::backend
