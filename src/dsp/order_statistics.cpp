// Order statistics (order_statistics.hpp).

#include "dsp/order_statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "common/simd.hpp"

namespace somna::dsp {
namespace {

// The float's bits as an unsigned key in the order of the values (negatives reversed).
uint32_t order_key(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// Indices of x in the order of its values, equal values in index order: a least-significant-
// digit radix sort of the keys in three passes of 11 bits (stable, so ties keep index order).
std::vector<uint32_t> sorted_indices(const float* x, uint32_t n) {
  std::vector<uint32_t> key(n), idx(n), key2(n), idx2(n);
  for (uint32_t i = 0; i < n; ++i) key[i] = order_key(x[i]), idx[i] = i;
  for (int shift = 0; shift < 32; shift += 11) {
    std::array<uint32_t, 2048> start{};
    for (uint32_t k : key) ++start[(k >> shift) & 2047u];
    uint32_t sum = 0;
    for (uint32_t& s : start) {
      const uint32_t c = s;
      s = sum;
      sum += c;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t pos = start[(key[i] >> shift) & 2047u]++;
      key2[pos] = key[i];
      idx2[pos] = idx[i];
    }
    key.swap(key2);
    idx.swap(idx2);
  }
  return idx;
}

// The index of the k-th smallest of v[0, n): the value with at most k values below it and more
// than k at or below it; -1 when there is none (NaN among the values). Each value counted narrows
// the interval the answer lies in, so most values are passed over without a count.
SOMNA_VECTOR_CLONES int64_t kth_by_counting(const float* v, int64_t n, int64_t k) {
  float lo = -INFINITY, hi = INFINITY;  // the answer lies in [lo, hi]; both ends ruled out once
  bool lo_out = false, hi_out = false;  // counted
  for (int64_t i = 0; i < n; ++i) {
    const float x = v[i];
    if (!(x >= lo && x <= hi) || (x == lo && lo_out) || (x == hi && hi_out)) continue;
    int32_t below = 0, not_above = 0;
    for (int64_t j = 0; j < n; ++j) {
      below += v[j] < x;
      not_above += v[j] <= x;
    }
    if (below <= k && k < not_above) return i;
    if (below > k)
      hi = x, hi_out = true;
    else
      lo = x, lo_out = true;
  }
  return -1;
}

}  // namespace

float kth_smallest(std::vector<float>& v, size_t k) {
  if (k >= v.size()) throw std::out_of_range("kth_smallest: k outside the values");
  if (v.size() <= 128) {
    const int64_t at = kth_by_counting(v.data(), int64_t(v.size()), int64_t(k));
    if (at >= 0) return v[size_t(at)];
  }
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

SlidingOrder::SlidingOrder(const float* x, size_t n)
    : x_(x), n_(static_cast<uint32_t>(n)), bits_(n / 64 + 1, 0) {
  if (n >= UINT32_MAX) throw std::length_error("SlidingOrder: series too long");
  index_ = sorted_indices(x, n_);
  rank_.resize(n);
  for (uint32_t r = 0; r < n_; ++r) rank_[index_[r]] = r;
}

void SlidingOrder::move_to(size_t lo, size_t hi) {
  if (hi > n_ || lo > hi || lo < lo_ || hi < hi_)
    throw std::out_of_range(
        "SlidingOrder::move_to: the window may only move forward, within the series");
  for (; hi_ < hi; ++hi_) insert(hi_);
  for (; lo_ < lo; ++lo_) erase(lo_);
}

void SlidingOrder::insert(size_t i) {
  const uint32_t r = rank_[i];
  bits_[r >> 6] |= uint64_t{1} << (r & 63);
  if (r < cur_) ++below_;
}

void SlidingOrder::erase(size_t i) {
  const uint32_t r = rank_[i];
  bits_[r >> 6] &= ~(uint64_t{1} << (r & 63));
  if (r < cur_) --below_;
}

uint32_t SlidingOrder::next_present(uint32_t r) const {
  const uint32_t q = r + 1;
  if (q >= n_) return n_;
  size_t w = q >> 6;
  uint64_t m = bits_[w] & (~uint64_t{0} << (q & 63));
  while (m == 0) {
    if (++w == bits_.size()) return n_;
    m = bits_[w];
  }
  return static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(m)));
}

uint32_t SlidingOrder::prev_present(uint32_t r) const {
  if (r == 0) return n_;
  const uint32_t q = r - 1;
  size_t w = q >> 6;
  uint64_t m = bits_[w] & (~uint64_t{0} >> (63 - (q & 63)));
  while (m == 0) {
    if (w == 0) return n_;
    m = bits_[--w];
  }
  return static_cast<uint32_t>(w * 64 + 63 - static_cast<size_t>(__builtin_clzll(m)));
}

float SlidingOrder::kth(size_t k) {
  if (k >= size()) throw std::out_of_range("SlidingOrder::kth: k outside the window");
  if (!present(cur_)) {  // the rank last found left the window: step onto a neighbour
    const uint32_t up = next_present(cur_);
    if (up != n_) {
      cur_ = up;  // nothing lay between, so below_ holds
    } else {
      cur_ = prev_present(cur_);
      --below_;
    }
  }
  for (; below_ < k; ++below_) cur_ = next_present(cur_);
  for (; below_ > k; --below_) cur_ = prev_present(cur_);
  return x_[index_[cur_]];
}

float SlidingOrder::median() {
  const size_t n = size();
  if (n % 2) return kth(n / 2);
  const float a = kth(n / 2 - 1);
  return 0.5f * (a + kth(n / 2));
}

}  // namespace somna::dsp
