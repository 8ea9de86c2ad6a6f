// glibc malloc settings for the somna program (allocator_tuning.hpp).

#include "common/allocator_tuning.hpp"

#include <cstdlib>  // defines __GLIBC__ under glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace somna {

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  constexpr int kMiB = 1 << 20;
  // 32 MB is the largest mmap threshold glibc accepts on 64-bit systems (half its heap size).
  mallopt(M_MMAP_THRESHOLD, 32 * kMiB);
  mallopt(M_TRIM_THRESHOLD, 64 * kMiB);
#endif
}

void give_large_blocks_back() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

}  // namespace somna
