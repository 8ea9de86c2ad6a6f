#pragma once
// Which of the builds of Somna's own register-blocked kernels (the stride-1 convolution in
// layers.cpp, a · bᵀ in gemm.cpp) this CPU runs: AVX-512, AVX2, or none (then OpenBLAS).

namespace somna::nn {

enum class SimdLevel { Baseline, Avx2, Avx512 };

// Read once from the CPU (x86-64 with GCC; Baseline elsewhere).
SimdLevel simd_level();

}  // namespace somna::nn
