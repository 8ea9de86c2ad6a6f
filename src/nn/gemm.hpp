#pragma once
// Single-precision matrix products for the network layers, row-major: a · bᵀ (linear layers,
// recurrent gates) and a · b (pointwise and im2col convolutions) by Somna's own register-blocked
// kernel on CPUs with AVX2 or AVX-512, the rest (a transposed a) through OpenBLAS's sgemm, which
// is loaded on its first use: scoring a night with either family then never loads it (~4.5 ms).
// OpenBLAS is told once to use the calling thread only: a night is scored on one thread (the
// server and `analyze --jobs` score nights in parallel instead), so a night's scores do not
// depend on how many cores the machine has.

#include <vector>

namespace somna::nn {

// c[m][n] = op(a)[m][k] * op(b)[k][n] + beta * c[m][n], op(x) = x or its transpose.
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float beta, float* c, int ldc);

// A weight matrix b [n][k] (row-major) laid out as the panels that Somna's a · bᵀ kernel reads,
// packed once when a layer is loaded instead of at every product (a recurrent layer multiplies
// its hidden weights at every step). Empty where that kernel does not run (no AVX2).
std::vector<float> pack_rows(const float* b, int n, int k);

// gemm(false, true, m, n, k, a, lda, b, k, beta, c, ldc) that reads b from `packed` (pack_rows
// of that b); with `packed` empty, the same product from b itself.
void gemm_packed(int m, int n, int k, const float* a, int lda, const float* b,
                 const std::vector<float>& packed, float beta, float* c, int ldc);

}  // namespace somna::nn
