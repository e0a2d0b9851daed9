#pragma once
// Threads of the CPU backend: one pool that splits large elementwise and reduction kernels, GEMMs
// and convolutions (OpenBLAS itself runs single-threaded inside it). It defaults to the number of
// hardware cores.

namespace strata::backend {

// Sets the number of threads the CPU kernels and BLAS use (n >= 1; values below 1 mean 1).
void set_cpu_threads(int n);
// The number of threads the CPU kernels use.
int cpu_threads();

}  // namespace strata::backend
