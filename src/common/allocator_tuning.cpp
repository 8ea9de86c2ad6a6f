// glibc malloc settings for the somna program (allocator_tuning.hpp).

#include "common/allocator_tuning.hpp"

#include <cstdlib>  // defines __GLIBC__ under glibc

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#endif

namespace somna {

#if defined(__GLIBC__)
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Grows the heap by `pad` bytes ahead of use (M_TOP_PAD, forced by one allocation larger than
// what the heap has free) and advises that range for transparent huge pages.
void grow_heap_in_huge_pages(size_t pad) {
  constexpr size_t kProbe = 1 * kMiB, kHuge = 2 * kMiB;
  mallopt(M_TOP_PAD, static_cast<int>(pad));
  void* probe = std::malloc(kProbe);
  const auto lo = reinterpret_cast<uintptr_t>(probe), hi = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t first = (lo + kHuge - 1) & ~(kHuge - 1);
  // Only the main heap (brk) and only the range just grown: under a sanitizer's allocator (or
  // when brk failed and malloc mapped memory instead) the probe lies elsewhere and nothing is done.
  if (probe && lo < hi && hi - lo <= pad + 2 * kProbe && first < hi)
    madvise(reinterpret_cast<void*>(first), hi - first, MADV_HUGEPAGE);
  std::free(probe);
}

}  // namespace
#endif

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  // 32 MB is the largest mmap threshold glibc accepts on 64-bit systems (half its heap size).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(32 * kMiB));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(64 * kMiB));
  grow_heap_in_huge_pages(64 * kMiB);
#endif
}

void keep_freed_memory_in_one_heap() {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, 1);         // before the server starts its threads
  mallopt(M_TOP_PAD, 128 * 1024);  // glibc's default: grown as uploads need, not 64 MB ahead
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(32 * kMiB));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(256 * kMiB));  // given back when idle instead
  malloc_trim(0);  // the heap grown ahead by keep_freed_memory_for_reuse(), if main() did
#endif
}

void give_free_memory_back() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace somna
