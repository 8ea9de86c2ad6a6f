// LibTorch is found, linked and computes: the foundation every learned detector stands on.
#include <gtest/gtest.h>
#include <torch/torch.h>

TEST(TorchSmoke, MatrixProductIsComputed) {
  torch::NoGradGuard no_grad;
  auto a = torch::arange(6, torch::kFloat32).reshape({2, 3});
  auto b = torch::ones({3, 1});
  auto c = torch::matmul(a, b);
  ASSERT_EQ(c.sizes(), (std::vector<int64_t>{2, 1}));
  EXPECT_FLOAT_EQ(c[0][0].item<float>(), 3.0f);   // 0+1+2
  EXPECT_FLOAT_EQ(c[1][0].item<float>(), 12.0f);  // 3+4+5
}
