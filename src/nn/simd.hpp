#pragma once
// Which of the builds of Somna's own register-blocked kernels (the stride-1 convolution in
// layers.cpp, a · bᵀ in gemm.cpp) this CPU runs: AVX-512, AVX2, or none (then OpenBLAS).

namespace somna::nn {

enum class SimdLevel { Baseline, Avx2, Avx512 };

// Read once from the CPU (x86-64 with GCC; Baseline elsewhere).
SimdLevel simd_level();

// The build of a kernel for this CPU's level: avx512, avx2, or null (the caller's fallback).
template <typename Fn>
Fn for_simd_level(Fn avx512, Fn avx2) {
  switch (simd_level()) {
    case SimdLevel::Avx512:
      return avx512;
    case SimdLevel::Avx2:
      return avx2;
    default:
      return nullptr;
  }
}

}  // namespace somna::nn
