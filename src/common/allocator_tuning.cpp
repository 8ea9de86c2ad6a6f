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
// Only 2 MB blocks that nothing has touched yet can become huge pages, and the part of the heap
// below its next 2 MB boundary cannot be one. So the allocation that forces the growth (the probe)
// is sized to end just below that boundary: the free top then starts there, with its header (the
// one write malloc makes when the heap grows) still below it, and everything allocated afterwards
// lies in huge pages. The probe is kept for the program's life, never touched: address space, not
// memory. Without this, whatever came first (the model file, the night's first buffers) was
// faulted in 4 KB at a time, and so was the first huge block whenever the old probe's header fell
// into it (in half of the runs): 200-800 faults, ~3-6 ms of an 8-hour night's ~57 ms whole
// process on this project's VM, where a 4 KB fault costs ~11 us against ~0.1 ms for 2 MB.
void grow_heap_in_huge_pages(size_t pad) {
  constexpr uintptr_t kHuge = 2 * kMiB, kHeader = 2 * sizeof(size_t);  // a chunk's header
  mallopt(M_TOP_PAD, static_cast<int>(pad));
  // The main heap ends at the break, with its free top (keepcost bytes) at its end.
  const auto brk_before = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t top = brk_before - mallinfo2().keepcost;
  const uintptr_t first = (brk_before + kHeader + kHuge - 1) & ~(kHuge - 1);  // above the break
  // A request of n bytes takes a chunk of n + 8 rounded up to 16, its header at `top`.
  void* probe = std::malloc(first - kHeader - top - sizeof(size_t));
  const auto hi = reinterpret_cast<uintptr_t>(sbrk(0));
  // Only where the probe is where malloc's layout puts it and the break moved past the boundary:
  // under a sanitizer's allocator (or when brk failed and malloc mapped memory instead) the probe
  // lies elsewhere and is given back.
  if (probe == reinterpret_cast<void*>(top + kHeader) && first < hi) {
    madvise(reinterpret_cast<void*>(first), hi - first, MADV_HUGEPAGE);
  } else {
    std::free(probe);
  }
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
