// Sixteen-lane AVX-512 band-pass (bandpass16.hpp).

#include "dsp/bandpass16.hpp"

#include <cstring>
#include <stdexcept>

#include "common/simd.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SOMNA_BANDPASS16 1
#endif

namespace somna::dsp {

#if defined(SOMNA_BANDPASS16)
#pragma GCC push_options
#pragma GCC target("avx512f")  // what follows runs only where bandpass16_available()
namespace {

constexpr int kLanes = 16;
using V16 = float __attribute__((vector_size(64)));
using I16 = int __attribute__((vector_size(64)));

// One stage of the 16x16 transpose: two registers into one by a constant selection (0-15 from
// a, 16-31 from b).
inline V16 pick(V16 a, V16 b, I16 m) {
  return __builtin_shuffle(a, b, m);
}

// 16x16 transpose of r (row i: register i): after it, register j holds element j of every row.
// The four stages of the usual unpack/shuffle scheme: pairs of rows interleaved by 32 then by 64
// bits within each 128-bit quarter, then quarters exchanged twice.
inline void transpose16(V16 r[kLanes]) {
  const I16 lo32 = {0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29};
  const I16 hi32 = {2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31};
  const I16 lo64 = {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29};
  const I16 hi64 = {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31};
  const I16 even128 = {0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27};
  const I16 odd128 = {4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31};
  V16 t[kLanes];
  for (int i = 0; i < kLanes; i += 2) {
    t[i] = pick(r[i], r[i + 1], lo32);
    t[i + 1] = pick(r[i], r[i + 1], hi32);
  }
  for (int i = 0; i < kLanes; i += 4) {  // register i + c, quarter k: column 4k + c
    r[i] = pick(t[i], t[i + 2], lo64);
    r[i + 1] = pick(t[i], t[i + 2], hi64);
    r[i + 2] = pick(t[i + 1], t[i + 3], lo64);
    r[i + 3] = pick(t[i + 1], t[i + 3], hi64);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = pick(r[c], r[c + 4], even128);
    t[c + 4] = pick(r[c], r[c + 4], odd128);
    t[c + 8] = pick(r[c + 8], r[c + 12], even128);
    t[c + 12] = pick(r[c + 8], r[c + 12], odd128);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = pick(t[c], t[c + 8], even128);
    r[c + 8] = pick(t[c], t[c + 8], odd128);
    r[c + 4] = pick(t[c + 4], t[c + 12], even128);
    r[c + 12] = pick(t[c + 4], t[c + 12], odd128);
  }
}

inline V16 reversed(V16 v) {
  const I16 m = {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  return __builtin_shuffle(v, m);
}

inline V16 load(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, V16 v) {
  std::memcpy(p, &v, sizeof v);
}

// The two biquads' state for the sixteen lanes, and one step of them (the four-lane pass's
// operations, in its order).
struct Lanes16 {
  float hb0, hb1, hb2, ha1, ha2, lb0, lb1, lb2, la1, la2;
  V16 hx1 = {}, hx2 = {}, hy1 = {}, hy2 = {}, lx1 = {}, lx2 = {}, ly1 = {}, ly2 = {};

  Lanes16(const Biquad& hp, const Biquad& lp)
      : hb0(hp.b0),
        hb1(hp.b1),
        hb2(hp.b2),
        ha1(hp.a1),
        ha2(hp.a2),
        lb0(lp.b0),
        lb1(lp.b1),
        lb2(lp.b2),
        la1(lp.a1),
        la2(lp.a2) {}

  V16 step(V16 v) {
    const V16 yh = (((hb0 * v + hb1 * hx1) + hb2 * hx2) - ha2 * hy2) - ha1 * hy1;
    hx2 = hx1;
    hx1 = v;
    hy2 = hy1;
    hy1 = yh;
    const V16 yl = (((lb0 * yh + lb1 * lx1) + lb2 * lx2) - la2 * ly2) - la1 * ly1;
    lx2 = lx1;
    lx1 = yh;
    ly2 = ly1;
    ly1 = yl;
    return yl;
  }
};

// Lane l at step t reads and writes sample index(l, t); in a chunk of sixteen steps from t0,
// lane l covers the sixteen samples from first(l, t0) up.
template <bool Backward>
class LaneRun {
 public:
  LaneRun(const float* in, float offset, float* out, int64_t nw, int64_t in_lo, int64_t in_hi,
          int64_t warm)
      : in_(in),
        out_(out),
        offset_(offset),
        nw_(nw),
        in_lo_(in_lo),
        in_hi_(in_hi),
        warm_(warm),
        block_((nw + kLanes - 1) / kLanes) {}

  void run(Lanes16& f) {
    const int64_t steps = block_ + warm_;
    int64_t t0 = 0;
    for (; t0 + 16 <= steps; t0 += 16) chunk(f, t0);
    for (; t0 < steps; ++t0) checked(f, t0);
  }

 private:
  int64_t index(int l, int64_t t) const {
    return Backward ? (l + 1) * block_ - 1 + warm_ - t : l * block_ - warm_ + t;
  }
  int64_t first(int l, int64_t t0) const { return Backward ? index(l, t0 + 15) : index(l, t0); }

  // One step with every lane's index checked (edges: outside [in_lo, in_hi) reads 0; only
  // samples of [0, nw) past the warm-up are written).
  void checked(Lanes16& f, int64_t t) {
    alignas(64) float buf[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      const int64_t i = index(l, t);
      buf[l] = (i >= in_lo_ && i < in_hi_) ? in_[i] - offset_ : 0.0f;
    }
    store(buf, f.step(load(buf)));
    if (t >= warm_) write_checked(t, buf);
  }

  void write_checked(int64_t t, const float* buf) {
    for (int l = 0; l < kLanes; ++l) {
      const int64_t i = index(l, t);
      if (i >= 0 && i < nw_) out_[i] = buf[l];
    }
  }

  // Sixteen steps: each lane's sixteen samples loaded at once and transposed into steps.
  void chunk(Lanes16& f, int64_t t0) {
    const int64_t lo = first(0, t0), hi = first(kLanes - 1, t0) + 16;  // the chunk's samples
    if (lo < in_lo_ || hi > in_hi_) {
      for (int64_t t = t0; t < t0 + 16; ++t) checked(f, t);
      return;
    }
    V16 r[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      const V16 v = load(in_ + first(l, t0)) - offset_;
      r[l] = Backward ? reversed(v) : v;
    }
    transpose16(r);  // r[s]: step t0 + s of every lane
    for (int s = 0; s < 16; ++s) r[s] = f.step(r[s]);
    if (t0 + 16 <= warm_) return;
    if (t0 >= warm_ && lo >= 0 && hi <= nw_) {
      transpose16(r);  // r[l]: lane l's sixteen samples
      for (int l = 0; l < kLanes; ++l) store(out_ + first(l, t0), Backward ? reversed(r[l]) : r[l]);
      return;
    }
    for (int s = 0; s < 16; ++s) {
      if (t0 + s < warm_) continue;
      alignas(64) float buf[kLanes];
      store(buf, r[s]);
      write_checked(t0 + s, buf);
    }
  }

  const float* in_;
  float* out_;
  const float offset_;
  const int64_t nw_, in_lo_, in_hi_, warm_, block_;
};

bool kernel(const Biquad& hp, const Biquad& lp, bool backward, const float* in, float offset,
            float* out, int64_t nw, int64_t in_lo, int64_t in_hi, int64_t warm) {
  Lanes16 f(hp, lp);
  if (backward)
    LaneRun<true>(in, offset, out, nw, in_lo, in_hi, warm).run(f);
  else
    LaneRun<false>(in, offset, out, nw, in_lo, in_hi, warm).run(f);
  alignas(64) float last[kLanes];
  store(last, f.ly1);
  for (float v : last)
    if (!(v - v == 0.0f)) return false;  // NaN or infinite
  return true;
}

}  // namespace
#pragma GCC pop_options

bool bandpass16_available() {
  return simd_level() == SimdLevel::Avx512;
}

bool bandpass16(const Biquad& hp, const Biquad& lp, bool backward, const float* in, float offset,
                float* out, int64_t nw, int64_t in_lo, int64_t in_hi, int64_t warm) {
  if (!bandpass16_available()) throw std::invalid_argument("bandpass16: no AVX-512 on this CPU");
  if (warm < 1 || nw < 4 * kLanes * warm || in_lo > 0 || in_hi < nw)
    throw std::invalid_argument("bandpass16: too short, or the input does not cover the output");
  return kernel(hp, lp, backward, in, offset, out, nw, in_lo, in_hi, warm);
}

#else

bool bandpass16_available() {
  return false;
}

bool bandpass16(const Biquad&, const Biquad&, bool, const float*, float, float*, int64_t, int64_t,
                int64_t, int64_t) {
  throw std::invalid_argument("bandpass16: not in this build");
}

#endif

}  // namespace somna::dsp
