#pragma once
// erf, tanh and the logistic function for the activations, as rational approximations the
// compiler can vectorise (the libm calls were half of the seed network's time): the minimax
// fits Eigen uses for float, within a few units in the last place of the libm values
// (tests/nn/layers_test.cpp checks them against std::erf and std::tanh over their whole range).

#include "common/simd.hpp"

namespace somna::nn {

// By value, without branches (std::clamp returns a reference, which stops the vectoriser).
inline float clamp_value(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

inline float erf_approx(float a) {
  const float x = clamp_value(a, -4.f, 4.f), x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

inline float tanh_approx(float a) {
  const float x = clamp_value(a, -7.90531110763549805f, 7.90531110763549805f), x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return x * p / q;
}

inline float sigmoid_approx(float x) {
  return 0.5f + 0.5f * tanh_approx(0.5f * x);
}

}  // namespace somna::nn
