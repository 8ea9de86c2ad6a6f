#pragma once
// Order statistics: the k-th smallest of a short array (kth_smallest), and of a window that slides
// forward over a series (SlidingOrder).
//
// SlidingOrder: the k-th smallest value, the median, of a window that slides forward over a
// series: the running medians of RR cleaning (11 intervals) and of the RR network's detrended
// channel (5 minutes, 601 samples, evaluated every 20). Every value is ranked once (a radix
// sort); the window is a bit set over the ranks, so moving it costs one bit per value that
// enters or leaves, and the k-th smallest is found by walking from the last one asked for, which
// a window moved a little has barely moved. A sorted copy of the window, merged on each step,
// cost 5.4 ms for an 8-hour night's detrended channel (mispredicted branches); this ~1 ms.
// Equal values are ranked by position, so the values returned are those of sorting the window.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace somna::dsp {

// The k-th smallest (0-based) of v, k < v.size(): nth_element's value. Up to 128 values it is
// found by counting, for each value, those below and at or below it (vectorised loops, no
// branch per value: the 10 s windows of the QRS detector's background level, 100 values, took
// ~1 us each by nth_element, whose partitions branch on every value); beyond, by nth_element.
// May reorder v.
float kth_smallest(std::vector<float>& v, size_t k);

class SlidingOrder {
 public:
  // x must outlive this object. The window starts empty at [0, 0).
  SlidingOrder(const float* x, size_t n);

  // Moves the window to [lo, hi); lo and hi never decrease, hi <= n.
  void move_to(size_t lo, size_t hi);
  size_t size() const { return hi_ - lo_; }

  // The k-th smallest value of the window (0-based), k < size().
  float kth(size_t k);
  // The upper median (the value at size() / 2 of the sorted window); size() > 0.
  float upper_median() { return kth(size() / 2); }
  // The median, the mean of the two middle values for an even size; size() > 0.
  float median();

 private:
  void insert(size_t i);
  void erase(size_t i);
  bool present(uint32_t r) const { return (bits_[r >> 6] >> (r & 63)) & 1u; }
  uint32_t next_present(uint32_t r) const;  // the smallest present rank > r (n when none)
  uint32_t prev_present(uint32_t r) const;  // the largest present rank < r (n when none)

  const float* x_;
  uint32_t n_;
  std::vector<uint32_t> rank_;   // rank_[i]: x[i]'s position in the sorted series
  std::vector<uint32_t> index_;  // index_[r]: the i of rank r
  std::vector<uint64_t> bits_;   // the window's ranks
  size_t lo_ = 0, hi_ = 0;
  uint32_t cur_ = 0;  // the rank last found
  size_t below_ = 0;  // the window's ranks below cur_
};

}  // namespace somna::dsp
