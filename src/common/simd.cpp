// The CPU's vector level (simd.hpp).

#include "common/simd.hpp"

namespace somna {

SimdLevel simd_level() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  static const SimdLevel level = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return SimdLevel::Avx512;
    if (__builtin_cpu_supports("avx2")) return SimdLevel::Avx2;
    return SimdLevel::Baseline;
  }();
  return level;
#else
  return SimdLevel::Baseline;
#endif
}

}  // namespace somna
