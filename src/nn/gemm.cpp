// Matrix products (gemm.hpp).

#include "nn/gemm.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/simd.hpp"
#include "nn/blas_library.hpp"

namespace somna::nn {
namespace {

// a · bᵀ (the linear layers' and recurrent gates' product: a [m][k] rows times b [n][k] rows),
// register-blocked: b is packed into panels of 16 rows laid out [k][16], and four rows of a times
// one panel (two panels side by side with AVX-512: 8 of its 32 registers accumulate; the seed
// network's night 479-493 -> 386-392 ms, alternated) are accumulated in registers over k in order
// (a[r][kk] broadcast, one load of a panel feeds four rows). Each output's sum runs over k in
// order, rounded after each term, then beta c is added; built for AVX-512 (one 16-float vector)
// and AVX2 (two 8-float vectors), chosen at run time, else OpenBLAS. On the seed network of an 8-hour night (seed_bench, one core, this
// project's 2-core VM) scoring took 0.95-1.12 s, against 1.68 s with the SSE3 kernel OpenBLAS
// falls back to on a CPU it does not recognise and 0.85 s with its SkylakeX kernel (the AVX-512
// build here fuses its multiply-adds too: common/simd.hpp).
typedef float Vec16 __attribute__((vector_size(64)));
typedef float Vec8 __attribute__((vector_size(32)));
constexpr int kPanel = 16;

template <typename Vec, int kParts, int kPanels>
[[gnu::always_inline]] inline void nt_rows(int rows, int k, const float* a, int lda,
                                           const float* panel, size_t stride, size_t next, int cols,
                                           float beta, float* c, int ldc) {
  constexpr int kWidth = kPanel / kParts;
  // rows is 4 or 1; with 1 the other accumulators are computed on row 0 again and dropped.
  // kPanels panels side by side (the second `next` floats after the first) share the rows'
  // broadcasts: eight independent accumulators instead of four keep both FMA units busy.
  const float* a1 = rows == 4 ? a + lda : a;
  const float* a2 = rows == 4 ? a + 2 * size_t(lda) : a;
  const float* a3 = rows == 4 ? a + 3 * size_t(lda) : a;
  constexpr int kVecs = kParts * kPanels;
  Vec s0[kVecs] = {}, s1[kVecs] = {}, s2[kVecs] = {}, s3[kVecs] = {};
  for (int kk = 0; kk < k; ++kk) {
    const float x0 = a[kk], x1 = a1[kk], x2 = a2[kk], x3 = a3[kk];
    for (int v = 0; v < kVecs; ++v) {
      Vec bv;
      std::memcpy(&bv,
                  panel + size_t(v / kParts) * next + size_t(kk) * stride + (v % kParts) * kWidth,
                  sizeof bv);
      s0[v] += x0 * bv, s1[v] += x1 * bv, s2[v] += x2 * bv, s3[v] += x3 * bv;
    }
  }
  const Vec* sums[4] = {s0, s1, s2, s3};
  for (int r = 0; r < rows; ++r) {
    float out[kPanel * kPanels];
    std::memcpy(out, sums[r], sizeof out);
    float* cr = c + size_t(r) * size_t(ldc);
    for (int j = 0; j < cols; ++j) cr[j] = beta == 0.f ? out[j] : out[j] + beta * cr[j];
  }
}

// b [n][k] into panels of kPanel rows laid out [k][kPanel] (zero rows past n).
void pack_panels(const float* b, int ldb, int n, int k, std::vector<float>& panels) {
  const int n_panels = (n + kPanel - 1) / kPanel;
  panels.assign(size_t(n_panels) * size_t(k) * kPanel, 0.f);
  for (int p = 0; p < n_panels; ++p)
    for (int j = 0; j < kPanel && p * kPanel + j < n; ++j) {
      const float* bj = b + size_t(p * kPanel + j) * size_t(ldb);
      float* dst = panels.data() + size_t(p) * size_t(k) * kPanel + j;
      for (int kk = 0; kk < k; ++kk) dst[size_t(kk) * kPanel] = bj[kk];
    }
}

// Columns [j0, j1) of b [k][n] (fewer than kPanel) as one panel [k][kPanel], zero-padded.
void pack_panels_of_columns(const float* b, int ldb, int j0, int j1, int k,
                            std::vector<float>& panel) {
  panel.assign(size_t(k) * kPanel, 0.f);
  for (int kk = 0; kk < k; ++kk)
    std::copy(b + size_t(kk) * size_t(ldb) + j0, b + size_t(kk) * size_t(ldb) + j1,
              panel.data() + size_t(kk) * kPanel);
}

template <typename Vec, int kParts, int kPanels>
[[gnu::always_inline]] inline void gemm_nt(int m, int n, int k, const float* a, int lda,
                                           const float* panels, float beta, float* c, int ldc) {
  const int n_panels = (n + kPanel - 1) / kPanel;
  const size_t panel_size = size_t(k) * kPanel;
  for (int i = 0; i < m;) {
    const int rows = m - i >= 4 ? 4 : 1;
    const float* ai = a + size_t(i) * size_t(lda);
    float* ci = c + size_t(i) * size_t(ldc);
    int p = 0;
    for (; p + kPanels <= n_panels; p += kPanels)
      nt_rows<Vec, kParts, kPanels>(rows, k, ai, lda, panels + size_t(p) * panel_size, kPanel,
                                    panel_size, std::min(kPanel * kPanels, n - p * kPanel), beta,
                                    ci + size_t(p) * kPanel, ldc);
    for (; p < n_panels; ++p)
      nt_rows<Vec, kParts, 1>(rows, k, ai, lda, panels + size_t(p) * panel_size, kPanel, 0,
                              std::min(kPanel, n - p * kPanel), beta, ci + size_t(p) * kPanel, ldc);
    i += rows;
  }
}

// a · b (a pointwise or im2col convolution: a [m][k] weights times b [k][n] inputs) by the same
// register blocks: sixteen columns of b's rows are already a panel (row stride ldb); the last
// columns, fewer than sixteen, are copied into one, zero-padded.
template <typename Vec, int kParts, int kPanels>
[[gnu::always_inline]] inline void gemm_nn(int m, int n, int k, const float* a, int lda,
                                           const float* b, int ldb, float beta, float* c, int ldc) {
  const int full = n / kPanel * kPanel;
  thread_local std::vector<float> tail;
  if (full < n) pack_panels_of_columns(b, ldb, full, n, k, tail);
  for (int i = 0; i < m;) {
    const int rows = m - i >= 4 ? 4 : 1;
    const float* ai = a + size_t(i) * size_t(lda);
    float* ci = c + size_t(i) * size_t(ldc);
    int j = 0;
    for (; j + kPanel * kPanels <= full; j += kPanel * kPanels)
      nt_rows<Vec, kParts, kPanels>(rows, k, ai, lda, b + j, size_t(ldb), kPanel, kPanel * kPanels,
                                    beta, ci + j, ldc);
    for (; j < full; j += kPanel)
      nt_rows<Vec, kParts, 1>(rows, k, ai, lda, b + j, size_t(ldb), 0, kPanel, beta, ci + j, ldc);
    if (full < n)
      nt_rows<Vec, kParts, 1>(rows, k, ai, lda, tail.data(), kPanel, 0, n - full, beta, ci + full,
                              ldc);
    i += rows;
  }
}

using GemmNt = void (*)(int, int, int, const float*, int, const float*, float, float*, int);
using GemmNn = void (*)(int, int, int, const float*, int, const float*, int, float, float*, int);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
[[gnu::target("avx512f")]] void gemm_nt_avx512(int m, int n, int k, const float* a, int lda,
                                               const float* panels, float beta, float* c, int ldc) {
  gemm_nt<Vec16, 1, 2>(m, n, k, a, lda, panels, beta, c, ldc);
}
[[gnu::target("avx2")]] void gemm_nt_avx2(int m, int n, int k, const float* a, int lda,
                                          const float* panels, float beta, float* c, int ldc) {
  gemm_nt<Vec8, 2, 1>(m, n, k, a, lda, panels, beta, c, ldc);
}
[[gnu::target("avx512f")]] void gemm_nn_avx512(int m, int n, int k, const float* a, int lda,
                                               const float* b, int ldb, float beta, float* c,
                                               int ldc) {
  gemm_nn<Vec16, 1, 2>(m, n, k, a, lda, b, ldb, beta, c, ldc);
}
[[gnu::target("avx2")]] void gemm_nn_avx2(int m, int n, int k, const float* a, int lda,
                                          const float* b, int ldb, float beta, float* c, int ldc) {
  gemm_nn<Vec8, 2, 1>(m, n, k, a, lda, b, ldb, beta, c, ldc);
}
GemmNt gemm_nt_for_cpu() {
  return for_simd_level<GemmNt>(&gemm_nt_avx512, &gemm_nt_avx2);
}
GemmNn gemm_nn_for_cpu() {
  return for_simd_level<GemmNn>(&gemm_nn_avx512, &gemm_nn_avx2);
}
#else
GemmNt gemm_nt_for_cpu() {
  return nullptr;
}
GemmNn gemm_nn_for_cpu() {
  return nullptr;
}
#endif

}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float beta, float* c, int ldc) {
  if (!trans_a && trans_b) {
    if (const GemmNt blocked = gemm_nt_for_cpu()) {
      thread_local std::vector<float> panels;
      pack_panels(b, ldb, n, k, panels);
      blocked(m, n, k, a, lda, panels.data(), beta, c, ldc);
      return;
    }
  }
  if (!trans_a && !trans_b) {
    if (const GemmNn blocked = gemm_nn_for_cpu()) {
      blocked(m, n, k, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  }
  blas_library().sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                       trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.f, a, lda, b, ldb, beta, c,
                       ldc);
}

std::vector<float> pack_rows(const float* b, int n, int k) {
  std::vector<float> panels;
  if (gemm_nt_for_cpu()) pack_panels(b, k, n, k, panels);
  return panels;
}

void gemm_packed(int m, int n, int k, const float* a, int lda, const float* b,
                 const std::vector<float>& packed, float beta, float* c, int ldc) {
  const GemmNt blocked = gemm_nt_for_cpu();
  if (blocked && !packed.empty()) {
    blocked(m, n, k, a, lda, packed.data(), beta, c, ldc);
  } else {
    gemm(false, true, m, n, k, a, lda, b, k, beta, c, ldc);
  }
}

}  // namespace somna::nn
