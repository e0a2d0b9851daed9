#pragma once
// Threads of the CPU backend: the pool that splits large elementwise and reduction kernels, and
// OpenBLAS's own threads for GEMM. Both default to the number of hardware cores.

namespace strata::backend {

// Sets the number of threads the CPU kernels and BLAS use (n >= 1; values below 1 mean 1).
void set_cpu_threads(int n);
// The number of threads the CPU kernels use.
int cpu_threads();

}  // namespace strata::backend
