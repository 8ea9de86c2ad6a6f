// The somna program's malloc policy (common/allocator_tuning.hpp), read back from glibc's own
// accounting: after keep_freed_memory_for_reuse() a night-sized buffer freed stays in the heap for
// the next night; after give_large_blocks_back() it is mapped apart and returned on free.

#include "common/allocator_tuning.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace somna {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // the sanitizer's allocator replaces glibc's
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr size_t kNightFloats = 3'000'000;  // an 8-hour 100 Hz lead: 12 MB
constexpr size_t kNightBytes = kNightFloats * sizeof(float);

#if defined(__GLIBC__)
TEST(AllocatorTuning, AFreedNightBufferStaysInTheHeapForTheNext) {
  if (kSanitized) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  keep_freed_memory_for_reuse();
  {
    std::vector<float> night(kNightFloats, 1.f);
    EXPECT_LT(mallinfo2().hblkhd, kNightBytes) << "the buffer was mapped apart from the heap";
  }
  EXPECT_GE(mallinfo2().fordblks, kNightBytes) << "the freed buffer was given back";
}

TEST(AllocatorTuning, TheServersPolicyMapsLargeBlocksApartAndGivesThemBack) {
  if (kSanitized) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  give_large_blocks_back();
  malloc_trim(0);  // as in a fresh process: no freed heap memory to serve the upload from
  const size_t mapped_before = mallinfo2().hblkhd;
  {
    std::vector<float> upload(kNightFloats, 1.f);
    EXPECT_GE(mallinfo2().hblkhd, mapped_before + kNightBytes);
  }
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before);
  keep_freed_memory_for_reuse();  // leave the process as main() sets it
}
#endif

}  // namespace
}  // namespace somna
