#pragma once
// Single-precision matrix products for the network layers, row-major: a · bᵀ (linear layers,
// recurrent gates) by Somna's own register-blocked kernel on CPUs with AVX2 or AVX-512, the rest
// through OpenBLAS's sgemm.
// OpenBLAS is told once to use the calling thread only: a night is scored on one thread (the
// server and `analyze --jobs` score nights in parallel instead), so a night's scores do not
// depend on how many cores the machine has.

namespace somna::nn {

// c[m][n] = op(a)[m][k] * op(b)[k][n] + beta * c[m][n], op(x) = x or its transpose.
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float beta, float* c, int ldc);

}  // namespace somna::nn
