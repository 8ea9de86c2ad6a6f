// Order statistics equal those of sorting: kth_smallest on short and long arrays with ties, and
// the sliding window's for windows that grow, shrink, jump and hold equal values.

#include "dsp/order_statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

std::vector<float> sorted_window(const std::vector<float>& x, size_t lo, size_t hi) {
  std::vector<float> w(x.begin() + static_cast<long>(lo), x.begin() + static_cast<long>(hi));
  std::sort(w.begin(), w.end());
  return w;
}

TEST(KthSmallest, EqualsTheSortedArraysAtEverySizeAroundTheCountingLimit) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> coarse(-5, 5);
  for (size_t n :
       {size_t{1}, size_t{2}, size_t{7}, size_t{100}, size_t{128}, size_t{129}, size_t{1000}}) {
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(coarse(rng)) * 0.5f;  // ties
    std::vector<float> sorted = x;
    std::sort(sorted.begin(), sorted.end());
    for (size_t k : {size_t{0}, n / 10, n / 2, n - 1}) {
      std::vector<float> v = x;
      EXPECT_EQ(somna::dsp::kth_smallest(v, k), sorted[k]) << "n " << n << " k " << k;
    }
  }
  std::vector<float> v = {1, 2};
  EXPECT_THROW(somna::dsp::kth_smallest(v, 2), std::out_of_range);
  std::vector<float> nan = {3, NAN, 1};  // no answer by counting: nth_element's, whatever it is
  EXPECT_NO_THROW(somna::dsp::kth_smallest(nan, 1));
}

TEST(SlidingOrder, EveryOrderStatisticOfRandomMovesEqualsTheSortedWindow) {
  std::mt19937 rng(7);
  std::vector<float> x(3000);
  std::uniform_int_distribution<int> coarse(-20, 20);  // many ties
  std::normal_distribution<float> fine(0, 3);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = i % 3 == 0 ? static_cast<float>(coarse(rng)) : fine(rng);
  x[10] = -1e30f, x[11] = 1e30f, x[12] = -0.0f, x[13] = 0.0f;
  somna::dsp::SlidingOrder w(x.data(), x.size());
  size_t lo = 0, hi = 0;
  std::uniform_int_distribution<size_t> move(0, 40);
  int checked = 0;
  while (lo < x.size()) {
    hi = std::min(x.size(), hi + move(rng));
    lo = std::min(hi, lo + move(rng));
    w.move_to(lo, hi);
    ASSERT_EQ(w.size(), hi - lo);
    if (hi == lo) {
      if (hi == x.size()) break;
      continue;
    }
    const std::vector<float> s = sorted_window(x, lo, hi);
    // Ask in an order that makes the walk go both ways.
    for (size_t k : {s.size() / 2, size_t{0}, s.size() - 1, s.size() / 3}) {
      ASSERT_EQ(w.kth(k), s[k]) << "window [" << lo << ", " << hi << ") k " << k;
      ++checked;
    }
    ASSERT_EQ(w.upper_median(), s[s.size() / 2]);
    const float median =
        s.size() % 2 ? s[s.size() / 2] : 0.5f * (s[s.size() / 2 - 1] + s[s.size() / 2]);
    ASSERT_EQ(w.median(), median);
  }
  EXPECT_GT(checked, 200);
}

TEST(SlidingOrder, AWindowThatJumpsPastItsEndAndARunOfEqualValues) {
  const std::vector<float> x = {5, 5, 5, 1, 9, 5, 5, 2, 2, 2, 2, 7};
  somna::dsp::SlidingOrder w(x.data(), x.size());
  w.move_to(0, 3);
  EXPECT_EQ(w.median(), 5.0f);
  w.move_to(7, 11);  // no overlap with [0, 3)
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(w.kth(0), 2.0f);
  EXPECT_EQ(w.kth(3), 2.0f);
  w.move_to(8, 12);
  EXPECT_EQ(w.kth(3), 7.0f);
  EXPECT_EQ(w.median(), 2.0f);
  EXPECT_THROW(w.kth(4), std::out_of_range);
  EXPECT_THROW(w.move_to(7, 12), std::out_of_range);  // backwards
  EXPECT_THROW(w.move_to(9, 13), std::out_of_range);  // past the series
  w.move_to(12, 12);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_THROW(w.median(), std::out_of_range);
}

TEST(SlidingOrder, AnEmptySeries) {
  somna::dsp::SlidingOrder w(nullptr, 0);
  w.move_to(0, 0);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_THROW(w.kth(0), std::out_of_range);
}

}  // namespace
