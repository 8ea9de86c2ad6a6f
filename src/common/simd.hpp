#pragma once
// The CPU's vector level, for the loops built for more than one: which build of a hand-written
// kernel this CPU runs (AVX-512, AVX2, or none: then the caller's fallback) — the stride-1
// convolution in nn/layers.cpp, a · bᵀ in nn/gemm.cpp, the QRS band-pass in dsp/bandpass16.cpp —
// and SOMNA_VECTOR_CLONES for loops the compiler vectorises.
//
// SOMNA_VECTOR_CLONES: the hot loops over whole signals get AVX-512 and AVX2 clones, one chosen
// when the program loads on a CPU that has it (glibc ifunc); the default clone is the baseline
// x86-64 code. GCC contracts a * b + c into one fused multiply-add wherever the target has one
// (its default for C++, ISO modes included), which the AVX-512 builds have and the AVX2 and
// baseline builds (no "fma" target) do not: so their floating-point results can differ in the
// last bits (the networks' parity with LibTorch, 1e-5, holds on both). Integer counts, minima
// and maxima come out the same on every build.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SOMNA_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SOMNA_VECTOR_CLONES
#endif

namespace somna {

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

}  // namespace somna
