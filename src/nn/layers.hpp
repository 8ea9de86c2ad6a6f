#pragma once
// The layers of Somna's two network families, as plain float buffers (no LibTorch): 1-D
// convolution (stride, dilation, padding, groups, depthwise), linear, layer norm, batch norm
// folded into the convolution before it, and the pointwise activations. Layouts follow LibTorch
// with a batch of one: a signal is [channels][time], rows of features are [rows][features].
// Weights are filled by the model stage from the tensors of a model file (same shapes and
// meaning as torch.nn), so a network scores exactly as the trained one did.

#include <vector>

namespace somna::nn {

struct Conv1d {
  int in = 0, out = 0, kernel = 1, stride = 1, padding = 0, dilation = 1, groups = 1;
  std::vector<float> weight;  // [out][in / groups][kernel]
  std::vector<float> bias;    // [out], or empty for none
  // A convolution of this geometry, weights not yet set.
  static Conv1d shape(int in, int out, int kernel, int stride = 1, int padding = 0,
                      int dilation = 1, int groups = 1);
  int out_length(int t) const;
  // x: [in][t] -> y: [out][out_length(t)]. `scratch` is reused between calls (im2col).
  void forward(const float* x, int t, float* y, std::vector<float>& scratch) const;
};

// An eval-mode BatchNorm1d: y = (x - mean) / sqrt(var + eps) * gamma + beta per channel.
struct BatchNorm {
  std::vector<float> gamma, beta, mean, var;
  float eps = 1e-5f;
};

// Folds channels [first, first + conv.out) of `bn` into the convolution before it (its weights
// and bias absorb the affine map), so the batch norm costs nothing at inference.
void fold_batch_norm(Conv1d& conv, const BatchNorm& bn, int first = 0);

struct Linear {
  int in = 0, out = 0;
  std::vector<float> weight;  // [out][in]
  std::vector<float> bias;    // [out], or empty
  std::vector<float> packed;  // weight packed for the product (pack_rows), or empty
  // x: [rows][in] -> y: [rows][out].
  void forward(const float* x, int rows, float* y) const;
};

// Normalises each row of [rows][dim] over its dim values (biased variance, as torch).
struct LayerNorm {
  int dim = 0;
  std::vector<float> gamma, beta;  // [dim]
  float eps = 1e-5f;
  void forward(float* x, int rows) const;
};

void relu(float* x, int n);
void sigmoid(float* x, int n);
void tanh(float* x, int n);
void gelu(float* x, int n);  // the exact (erf) form, torch's default

// [rows][cols] -> [cols][rows].
void transpose(const float* x, int rows, int cols, float* y);

}  // namespace somna::nn
