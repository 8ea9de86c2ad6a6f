// nn::gemm against its definition at the shapes its blocked a · bᵀ and a · b paths split up: row
// counts that are not multiples of four, column counts that do not fill a panel of 16 or a pair of
// panels (32), beta 0 and 1.

#include "nn/gemm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace somna::nn {
namespace {

// a [m][k] times b ([n][k] when trans_b, else [k][n]) plus beta c, for every shape above.
void expect_definition(bool trans_b) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int m : {1, 3, 4, 5, 9})
    for (int n : {1, 15, 16, 17, 31, 32, 33, 40, 48, 65})
      for (int k : {1, 7, 33})
        for (float beta : {0.f, 1.f}) {
          const int lda = k + 2, ldc = n + 3;  // strides wider than the rows
          const int ldb = trans_b ? k + 1 : n + 1;
          std::vector<float> a(size_t(m) * lda), b(size_t(trans_b ? n : k) * ldb);
          std::vector<float> c(size_t(m) * ldc);
          for (float& v : a) v = u(rng);
          for (float& v : b) v = u(rng);
          for (float& v : c) v = u(rng);
          auto b_at = [&](int q, int j) {
            return trans_b ? b[size_t(j) * ldb + q] : b[size_t(q) * ldb + j];
          };
          std::vector<float> want = c;
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
              double s = 0;
              for (int q = 0; q < k; ++q) s += double(a[size_t(i) * lda + q]) * b_at(q, j);
              want[size_t(i) * ldc + j] = float(s + beta * c[size_t(i) * ldc + j]);
            }
          gemm(false, trans_b, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < ldc; ++j) {
              const size_t at = size_t(i) * ldc + j;
              if (j < n)
                EXPECT_NEAR(c[at], want[at], 1e-5) << m << "x" << n << "x" << k << " beta " << beta;
              else
                EXPECT_EQ(c[at], want[at]) << "wrote past column " << n;
            }
        }
}

TEST(Gemm, ATimesBTransposedEqualsItsDefinitionAtEveryEdge) {
  expect_definition(true);
}

TEST(Gemm, ATimesBEqualsItsDefinitionAtEveryEdge) {
  expect_definition(false);
}

}  // namespace
}  // namespace somna::nn
