// The inference layers against plain reference loops (no LibTorch here; the parity with LibTorch
// is tests/train/parity_test.cpp): convolution geometry (stride, padding, dilation, groups,
// depthwise, the 1x1 fast path), batch norm folding, linear, layer norm, activations, and a
// GRU/LSTM step written out by hand.

#include "nn/layers.hpp"
#include "nn/math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nn/recurrent.hpp"

using namespace somna;

namespace {

std::vector<float> random(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float& x : v) x = d(g);
  return v;
}

std::vector<float> reference_conv(const nn::Conv1d& c, const std::vector<float>& x, int t) {
  const int to = c.out_length(t), in_g = c.in / c.groups, out_g = c.out / c.groups;
  std::vector<float> y(size_t(c.out) * size_t(to), 0.f);
  for (int o = 0; o < c.out; ++o) {
    const int g = o / out_g;
    for (int i = 0; i < to; ++i) {
      double s = c.bias.empty() ? 0 : c.bias[size_t(o)];
      for (int ci = 0; ci < in_g; ++ci) {
        for (int k = 0; k < c.kernel; ++k) {
          const int j = i * c.stride + k * c.dilation - c.padding;
          if (j < 0 || j >= t) continue;
          s += double(c.weight[(size_t(o) * size_t(in_g) + size_t(ci)) * size_t(c.kernel) +
                               size_t(k)]) *
               x[size_t(g * in_g + ci) * size_t(t) + size_t(j)];
        }
      }
      y[size_t(o) * size_t(to) + size_t(i)] = float(s);
    }
  }
  return y;
}

void expect_near(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << i;
}

}  // namespace

TEST(NnConv1d, EveryGeometryMatchesTheReferenceLoop) {
  struct G {
    int in, out, k, stride, pad, dil, groups;
  };
  const G cases[] = {{2, 4, 3, 1, 1, 1, 1},   {3, 5, 7, 1, 3, 1, 1},   {4, 6, 3, 1, 2, 2, 1},
                     {12, 16, 8, 8, 0, 1, 1}, {8, 8, 31, 1, 15, 1, 8}, {6, 6, 5, 2, 2, 1, 6},
                     {4, 6, 3, 1, 1, 1, 2},   {5, 7, 1, 1, 0, 1, 1},   {3, 2, 4, 3, 1, 2, 1}};
  unsigned seed = 1;
  for (const G& g : cases) {
    auto c = nn::Conv1d::shape(g.in, g.out, g.k, g.stride, g.pad, g.dil, g.groups);
    c.weight = random(size_t(g.out) * size_t(g.in / g.groups) * size_t(g.k), seed++);
    c.bias = random(size_t(g.out), seed++);
    const int t = 97;
    const auto x = random(size_t(g.in) * size_t(t), seed++);
    std::vector<float> y(size_t(g.out) * size_t(c.out_length(t))), scratch;
    c.forward(x.data(), t, y.data(), scratch);
    expect_near(y, reference_conv(c, x, t), 1e-4f);
  }
}

TEST(NnConv1d, OutputLengthAsTorch) {
  EXPECT_EQ(nn::Conv1d::shape(1, 1, 8, 8).out_length(6000), 750);
  EXPECT_EQ(nn::Conv1d::shape(1, 1, 2, 2).out_length(375), 187);
  EXPECT_EQ(nn::Conv1d::shape(1, 1, 3, 1, 4, 4).out_length(50), 50);
  EXPECT_EQ(nn::Conv1d::shape(1, 1, 9).out_length(5), 0);
}

TEST(NnBatchNorm, FoldingEqualsConvThenNormalise) {
  auto c = nn::Conv1d::shape(3, 4, 3, 1, 1);
  c.weight = random(36, 7);
  nn::BatchNorm bn;
  bn.gamma = {1.5f, 0.5f, 2.f, 1.f, 0.7f, 1.1f};
  bn.beta = {0.1f, -0.2f, 0.3f, 0.f, 0.5f, -0.5f};
  bn.mean = {0.2f, -0.1f, 0.f, 1.f, 0.3f, 0.4f};
  bn.var = {1.f, 0.5f, 2.f, 0.1f, 1.2f, 0.9f};
  const int t = 20, first = 2;
  const auto x = random(size_t(3 * t), 8);
  std::vector<float> plain(size_t(4 * t)), folded(size_t(4 * t)), scratch;
  c.forward(x.data(), t, plain.data(), scratch);
  for (int o = 0; o < 4; ++o) {
    const size_t k = size_t(first + o);
    for (int i = 0; i < t; ++i) {
      float& v = plain[size_t(o * t + i)];
      v = (v - bn.mean[k]) / std::sqrt(bn.var[k] + bn.eps) * bn.gamma[k] + bn.beta[k];
    }
  }
  nn::fold_batch_norm(c, bn, first);
  c.forward(x.data(), t, folded.data(), scratch);
  expect_near(folded, plain, 1e-5f);
}

TEST(NnLinearAndNorm, MatchHandComputedValues) {
  nn::Linear l;
  l.in = 2, l.out = 3;
  l.weight = {1, 2, 3, 4, 5, 6};
  l.bias = {0.5f, 0, -1};
  const float x[4] = {1, 1, 2, -1};
  float y[6];
  l.forward(x, 2, y);
  expect_near({y, y + 6}, {3.5f, 7, 10, 0.5f, 2, 3}, 1e-6f);
  nn::LayerNorm n;
  n.dim = 4;
  n.gamma = {1, 1, 2, 1};
  n.beta = {0, 0, 0, 1};
  float r[4] = {1, 2, 3, 4};  // mean 2.5, biased var 1.25
  n.forward(r, 1);
  const float s = 1.f / std::sqrt(1.25f + 1e-5f);
  expect_near({r, r + 4}, {-1.5f * s, -0.5f * s, 2 * 0.5f * s, 1.5f * s + 1}, 1e-6f);
}

TEST(NnActivations, GeluIsTheErfFormAndTransposeSwaps) {
  float v[3] = {-1.f, 0.f, 2.f};
  nn::gelu(v, 3);
  EXPECT_NEAR(v[0], -0.158655254f, 1e-6f);
  EXPECT_EQ(v[1], 0.f);
  EXPECT_NEAR(v[2], 1.954499736f, 1e-6f);
  const float m[6] = {1, 2, 3, 4, 5, 6};
  float t[6];
  nn::transpose(m, 2, 3, t);
  expect_near({t, t + 6}, {1, 4, 2, 5, 3, 6}, 0);
}

TEST(NnRecurrent, GruAndLstmStepsAsWrittenOut) {
  for (auto cell : {nn::Recurrent::Cell::Gru, nn::Recurrent::Cell::Lstm}) {
    nn::Recurrent r;
    r.cell = cell, r.in = 2, r.hidden = 3, r.bidirectional = true;
    const size_t gh = size_t(r.gates() * 3);
    unsigned seed = 20;
    for (auto* d : {&r.forward_dir, &r.reverse_dir}) {
      d->w_ih = random(gh * 2, seed++), d->w_hh = random(gh * 3, seed++);
      d->b_ih = random(gh, seed++), d->b_hh = random(gh, seed++);
    }
    const int t = 4, batch = 2;
    const auto x = random(size_t(batch * t * 2), 30);
    std::vector<float> y(size_t(batch * t * 6)), scratch;
    r.forward(x.data(), batch, t, y.data(), scratch);
    auto sg = [](double v) { return 1 / (1 + std::exp(-v)); };
    for (int b = 0; b < batch; ++b) {
      for (int dir = 0; dir < 2; ++dir) {
        const auto& d = dir ? r.reverse_dir : r.forward_dir;
        std::vector<double> h(3, 0), c(3, 0);
        for (int s = 0; s < t; ++s) {
          const int tau = dir ? t - 1 - s : s;
          const float* xt = x.data() + size_t((b * t + tau) * 2);
          std::vector<double> gi(gh), gs(gh);
          for (size_t g = 0; g < gh; ++g) {
            gi[g] = d.b_ih[g] + d.w_ih[g * 2] * xt[0] + d.w_ih[g * 2 + 1] * xt[1];
            gs[g] = d.b_hh[g];
            for (size_t j = 0; j < 3; ++j) gs[g] += d.w_hh[g * 3 + j] * h[j];
          }
          for (size_t j = 0; j < 3; ++j) {
            if (cell == nn::Recurrent::Cell::Gru) {
              const double rr = sg(gi[j] + gs[j]), z = sg(gi[3 + j] + gs[3 + j]);
              const double n = std::tanh(gi[6 + j] + rr * gs[6 + j]);
              h[j] = (1 - z) * n + z * h[j];
            } else {
              const double i = sg(gi[j] + gs[j]), f = sg(gi[3 + j] + gs[3 + j]);
              const double g = std::tanh(gi[6 + j] + gs[6 + j]), o = sg(gi[9 + j] + gs[9 + j]);
              c[j] = f * c[j] + i * g;
              h[j] = o * std::tanh(c[j]);
            }
            EXPECT_NEAR(y[size_t((b * t + tau) * 6 + dir * 3) + j], h[j], 1e-5);
          }
        }
      }
    }
  }
}

TEST(NnMath, ApproximationsAgreeWithLibm) {
  float erf_worst = 0, tanh_worst = 0, sig_worst = 0;
  for (float x = -12.f; x <= 12.f; x += 1.f / 4096) {
    erf_worst = std::max(erf_worst, std::abs(nn::erf_approx(x) - std::erf(x)));
    tanh_worst = std::max(tanh_worst, std::abs(nn::tanh_approx(x) - std::tanh(x)));
    sig_worst = std::max(sig_worst, std::abs(nn::sigmoid_approx(x) - 1.f / (1.f + std::exp(-x))));
  }
  EXPECT_LT(erf_worst, 5e-7f);
  EXPECT_LT(tanh_worst, 5e-7f);
  EXPECT_LT(sig_worst, 5e-7f);
  EXPECT_EQ(nn::tanh_approx(0.f), 0.f);
  EXPECT_EQ(nn::erf_approx(0.f), 0.f);
}
