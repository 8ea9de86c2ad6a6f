// The layers (layers.hpp).

#include "nn/layers.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/simd.hpp"
#include "nn/gemm.hpp"
#include "nn/math.hpp"

namespace somna::nn {

namespace {

// Depthwise (one filter per channel): y[c][i] = sum_k w[c][k] x[c][i * stride + k * dilation -
// pad].
SOMNA_VECTOR_CLONES void depthwise(const Conv1d& cv, const float* x, int t, int to, float* y) {
  for (int c = 0; c < cv.in; ++c) {
    const float* xc = x + size_t(c) * size_t(t);
    const float* w = cv.weight.data() + size_t(c) * size_t(cv.kernel);
    float* yc = y + size_t(c) * size_t(to);
    std::fill(yc, yc + to, 0.f);
    for (int k = 0; k < cv.kernel; ++k) {
      const int off = k * cv.dilation - cv.padding;
      if (cv.stride == 1) {
        const int lo = std::max(0, -off), hi = std::min(to, t - off);
        const float wk = w[k];
        for (int i = lo; i < hi; ++i) yc[i] += wk * xc[i + off];
      } else {
        for (int i = 0; i < to; ++i) {
          const int j = i * cv.stride + off;
          if (j >= 0 && j < t) yc[i] += w[k] * xc[j];
        }
      }
    }
  }
}

// Columns [i0, i0 + n) of the im2col matrix: row (ci * kernel + k) holds input channel ci
// shifted for tap k, so the convolution of that time tile is one product [out][in * kernel] x
// [in * kernel][n]. Tiles keep the matrix in cache (a whole night's would be megabytes).
void im2col(const Conv1d& cv, const float* x, int in, int t, int i0, int n, float* col) {
  for (int ci = 0; ci < in; ++ci) {
    const float* xc = x + size_t(ci) * size_t(t);
    for (int k = 0; k < cv.kernel; ++k) {
      float* row = col + (size_t(ci) * size_t(cv.kernel) + size_t(k)) * size_t(n);
      const int off = k * cv.dilation - cv.padding;
      if (cv.stride == 1) {
        // row[i] = xc[i0 + i + off] where 0 <= i0 + i + off < t
        const int lo = std::clamp(-off - i0, 0, n), hi = std::clamp(t - off - i0, lo, n);
        std::fill(row, row + lo, 0.f);
        std::memcpy(row + lo, xc + i0 + lo + off, sizeof(float) * size_t(hi - lo));
        std::fill(row + hi, row + n, 0.f);
      } else {
        for (int i = 0; i < n; ++i) {
          const int j = (i0 + i) * cv.stride + off;
          row[i] = j >= 0 && j < t ? xc[j] : 0.f;
        }
      }
    }
  }
}

constexpr int kTile = 512;  // output samples per im2col tile

// Stride-1 convolution without im2col, register-blocked: four output rows times 32 samples
// (AVX-512: two 16-float vectors per row) or 16 samples (AVX2: two 8-float vectors) are
// accumulated in registers over every tap (c, k) in turn (a[r] += w[r][c][k] x[c][i + k *
// dilation - pad]: one load of x feeds four rows). Samples near the signal's ends, and rows left
// over, take the same sum one at a time. Each output's sum runs tap by tap in (c, k) order,
// rounded after each tap, on every path; chosen at run time. On the RR network of an 8-hour
// night (model_bench BM_RRForwardOwn8h, one core), with AVX-512 tiles of 16 samples, it took
// 5.4-5.9 ms against OpenBLAS's SkylakeX kernel's 5.8-6.3 ms, 7.7 ms against its Haswell
// kernel's 9.9 ms, and is 3x faster than the SSE3 kernel OpenBLAS falls back to on CPUs it does
// not recognise (16.7 ms; virtual machines reporting a generic Xeon). Without AVX2, im2col + sgemm.
using DirectConv = void (*)(const Conv1d&, const float*, int, int, float*);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
typedef float Vec16 __attribute__((vector_size(64)));
typedef float Vec8 __attribute__((vector_size(32)));

// One output sample: sum over the taps of row w (in_g x kernel), zero outside the signal.
inline float conv_at(const Conv1d& cv, const float* xg, const float* w, int in_g, int t, int i) {
  float a = 0;
  for (int c = 0; c < in_g; ++c)
    for (int k = 0; k < cv.kernel; ++k) {
      const int j = i + k * cv.dilation - cv.padding;
      if (j >= 0 && j < t) a += w[c * cv.kernel + k] * xg[size_t(c) * size_t(t) + size_t(j)];
    }
  return a;
}

// Samples [i, i + kParts * width) of four rows (yr, stride to) whose taps all lie inside the
// signal, as kParts vectors per row. Named accumulators, not an array: GCC keeps an array of
// vectors in memory and reloads it at every tap. Two vectors per row give eight independent
// chains of multiply-adds, enough to keep the CPU's two FMA pipes busy through their latency;
// with four (one AVX-512 vector per row) they waited on it: model_bench BM_RRForwardOwn8h
// 3.1-3.8 ms with four, 2.4-2.7 ms with eight, 2.3-2.9 ms with sixteen (alternated runs).
template <typename Vec, int kParts>
[[gnu::always_inline]] inline void conv_tile4(const Conv1d& cv, const float* xg, const float* w,
                                              int in_g, int t, int to, int i, float* yr) {
  static_assert(kParts == 1 || kParts == 2, "one or two vectors per row");
  constexpr int kWidth = int(sizeof(Vec) / sizeof(float));
  const int taps = in_g * cv.kernel;
  Vec a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {};
  for (int c = 0; c < in_g; ++c) {
    const float* xc = xg + size_t(c) * size_t(t) + size_t(i - cv.padding);
    const float* wc = w + c * cv.kernel;
    for (int k = 0; k < cv.kernel; ++k) {
      const float* xk = xc + k * cv.dilation;
      const float w0 = wc[k], w1 = wc[taps + k], w2 = wc[2 * taps + k], w3 = wc[3 * taps + k];
      Vec xv;
      std::memcpy(&xv, xk, sizeof xv);
      a0 += w0 * xv, a1 += w1 * xv, a2 += w2 * xv, a3 += w3 * xv;
      if (kParts == 2) {
        std::memcpy(&xv, xk + kWidth, sizeof xv);
        b0 += w0 * xv, b1 += w1 * xv, b2 += w2 * xv, b3 += w3 * xv;
      }
    }
  }
  float* y0 = yr + size_t(i);
  const size_t s = size_t(to);
  std::memcpy(y0, &a0, sizeof a0), std::memcpy(y0 + s, &a1, sizeof a1);
  std::memcpy(y0 + 2 * s, &a2, sizeof a2), std::memcpy(y0 + 3 * s, &a3, sizeof a3);
  if (kParts == 2) {
    std::memcpy(y0 + kWidth, &b0, sizeof b0), std::memcpy(y0 + s + kWidth, &b1, sizeof b1);
    std::memcpy(y0 + 2 * s + kWidth, &b2, sizeof b2);
    std::memcpy(y0 + 3 * s + kWidth, &b3, sizeof b3);
  }
}

template <typename Vec, int kParts>
[[gnu::always_inline]] inline void direct_conv(const Conv1d& cv, const float* x, int t, int to,
                                               float* y) {
  const int in_g = cv.in / cv.groups, out_g = cv.out / cv.groups;
  const int taps = in_g * cv.kernel;
  // Samples whose taps all lie inside [0, t): pad <= i < t - dilation (kernel - 1) + pad.
  const int first = std::min(to, cv.padding);
  const int last = std::max(first, std::min(to, t - cv.dilation * (cv.kernel - 1) + cv.padding));
  for (int g = 0; g < cv.groups; ++g) {
    const float* xg = x + size_t(g) * size_t(in_g) * size_t(t);
    for (int o = 0; o < out_g; o += 4) {
      const int rows = std::min(4, out_g - o);
      const size_t row0 = size_t(g) * size_t(out_g) + size_t(o);
      const float* w = cv.weight.data() + row0 * size_t(taps);
      float* yr = y + row0 * size_t(to);
      int i = 0;
      auto one_at_a_time = [&](int end) {
        for (; i < end; ++i)
          for (int r = 0; r < rows; ++r)
            yr[size_t(r) * size_t(to) + size_t(i)] =
                conv_at(cv, xg, w + size_t(r) * size_t(taps), in_g, t, i);
      };
      one_at_a_time(first);
      constexpr int kWidth = int(sizeof(Vec) / sizeof(float));
      if (rows == 4) {
        for (; i + kParts * kWidth <= last; i += kParts * kWidth)
          conv_tile4<Vec, kParts>(cv, xg, w, in_g, t, to, i, yr);
        for (; i + kWidth <= last; i += kWidth) conv_tile4<Vec, 1>(cv, xg, w, in_g, t, to, i, yr);
      }
      one_at_a_time(to);
    }
  }
}

[[gnu::target("avx512f")]] void direct_conv_avx512(const Conv1d& cv, const float* x, int t, int to,
                                                   float* y) {
  direct_conv<Vec16, 2>(cv, x, t, to, y);
}
[[gnu::target("avx2")]] void direct_conv_avx2(const Conv1d& cv, const float* x, int t, int to,
                                              float* y) {
  direct_conv<Vec8, 2>(cv, x, t, to, y);
}

// The register-blocked convolution for this CPU, or null (then im2col + sgemm).
DirectConv direct_conv_for_cpu() {
  return for_simd_level<DirectConv>(&direct_conv_avx512, &direct_conv_avx2);
}
#else
DirectConv direct_conv_for_cpu() {
  return nullptr;
}
#endif

}  // namespace

Conv1d Conv1d::shape(int in, int out, int kernel, int stride, int padding, int dilation,
                     int groups) {
  Conv1d c;
  c.in = in, c.out = out, c.kernel = kernel, c.stride = stride, c.padding = padding;
  c.dilation = dilation, c.groups = groups;
  return c;
}

int Conv1d::out_length(int t) const {
  const int span = dilation * (kernel - 1) + 1;
  const int padded = t + 2 * padding;
  return padded < span ? 0 : (padded - span) / stride + 1;
}

void Conv1d::forward(const float* x, int t, float* y, std::vector<float>& scratch) const {
  const int to = out_length(t);
  if (to <= 0) return;
  if (groups == in && out == in && groups > 1) {
    depthwise(*this, x, t, to, y);
  } else if (const DirectConv blocked =
                 stride == 1 && kernel > 1 ? direct_conv_for_cpu() : nullptr) {
    blocked(*this, x, t, to, y);
  } else {
    const int in_g = in / groups, out_g = out / groups, k = in_g * kernel;
    const bool direct = kernel == 1 && stride == 1 && padding == 0;
    if (!direct) scratch.resize(size_t(k) * size_t(std::min(to, kTile)));
    for (int g = 0; g < groups; ++g) {
      const float* xg = x + size_t(g) * size_t(in_g) * size_t(t);
      const float* wg = weight.data() + size_t(g) * size_t(out_g) * size_t(k);
      float* yg = y + size_t(g) * size_t(out_g) * size_t(to);
      if (direct) {
        gemm(false, false, out_g, to, in_g, wg, in_g, xg, t, 0.f, yg, to);
        continue;
      }
      for (int i0 = 0; i0 < to; i0 += kTile) {
        const int n = std::min(kTile, to - i0);
        im2col(*this, xg, in_g, t, i0, n, scratch.data());
        gemm(false, false, out_g, n, k, wg, k, scratch.data(), n, 0.f, yg + i0, to);
      }
    }
  }
  if (!bias.empty()) {
    for (int o = 0; o < out; ++o) {
      float* yo = y + size_t(o) * size_t(to);
      for (int i = 0; i < to; ++i) yo[i] += bias[size_t(o)];
    }
  }
}

void fold_batch_norm(Conv1d& conv, const BatchNorm& bn, int first) {
  const size_t per_out = conv.weight.size() / size_t(conv.out);
  if (conv.bias.empty()) conv.bias.assign(size_t(conv.out), 0.f);
  for (int o = 0; o < conv.out; ++o) {
    const size_t c = size_t(first + o);
    const float s = bn.gamma[c] / std::sqrt(bn.var[c] + bn.eps);
    float* w = conv.weight.data() + size_t(o) * per_out;
    for (size_t i = 0; i < per_out; ++i) w[i] *= s;
    conv.bias[size_t(o)] = (conv.bias[size_t(o)] - bn.mean[c]) * s + bn.beta[c];
  }
}

void Linear::forward(const float* x, int rows, float* y) const {
  if (rows <= 0) return;
  gemm_packed(rows, out, in, x, in, weight.data(), packed, 0.f, y, out);
  if (bias.empty()) return;
  for (int r = 0; r < rows; ++r) {
    float* yr = y + size_t(r) * size_t(out);
    for (int o = 0; o < out; ++o) yr[o] += bias[size_t(o)];
  }
}

SOMNA_VECTOR_CLONES void LayerNorm::forward(float* x, int rows) const {
  for (int r = 0; r < rows; ++r) {
    float* xr = x + size_t(r) * size_t(dim);
    float mean = 0;
    for (int i = 0; i < dim; ++i) mean += xr[i];
    mean /= float(dim);
    float var = 0;
    for (int i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= float(dim);
    const float inv = 1.f / std::sqrt(var + eps);
    for (int i = 0; i < dim; ++i) {
      xr[i] = (xr[i] - mean) * inv * gamma[size_t(i)] + beta[size_t(i)];
    }
  }
}

SOMNA_VECTOR_CLONES void relu(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = std::max(x[i], 0.f);
}

SOMNA_VECTOR_CLONES void sigmoid(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = sigmoid_approx(x[i]);
}

SOMNA_VECTOR_CLONES void tanh(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = tanh_approx(x[i]);
}

SOMNA_VECTOR_CLONES void gelu(float* x, int n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  for (int i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.f + erf_approx(x[i] * kInvSqrt2));
}

SOMNA_VECTOR_CLONES void transpose(const float* x, int rows, int cols, float* y) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c)
      y[size_t(c) * size_t(rows) + size_t(r)] = x[size_t(r) * size_t(cols) + size_t(c)];
  }
}

}  // namespace somna::nn
