// The somna program's malloc policy (common/allocator_tuning.hpp), read back from glibc's own
// accounting: after keep_freed_memory_for_reuse() a night-sized buffer freed stays in the heap for
// the next night, and lies in memory advised for transparent huge pages (the kernel's own account,
// /proc/self/smaps); after give_large_blocks_back() it is mapped apart and returned on free.

#include "common/allocator_tuning.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
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

// The smaps entry (its header line and fields) of the mapping that holds address a.
std::string smaps_entry_of(const void* a) {
  const auto addr = reinterpret_cast<uintptr_t>(a);
  std::ifstream in("/proc/self/smaps");
  std::string line, entry;
  bool inside = false;
  while (std::getline(in, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      if (inside) break;  // the next mapping starts
      inside = lo <= addr && addr < hi;
    }
    if (inside) entry += line + "\n";
  }
  return entry;
}

TEST(AllocatorTuning, ANightBufferLiesInMemoryAdvisedForHugePages) {
  if (kSanitized) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  const std::string mode((std::istreambuf_iterator<char>(thp)), std::istreambuf_iterator<char>());
  if (mode.empty() || mode.find("[never]") != std::string::npos)
    GTEST_SKIP() << "transparent huge pages are off on this kernel (" << mode << ")";
  keep_freed_memory_for_reuse();
  std::vector<float> night(kNightFloats, 1.f);
  const std::string entry = smaps_entry_of(night.data() + kNightFloats / 2);
  const size_t at = entry.find("THPeligible:");
  ASSERT_NE(at, std::string::npos) << entry;
  int eligible = -1;
  std::istringstream(entry.substr(at + 12)) >> eligible;
  EXPECT_EQ(eligible, 1) << entry;
  if (mode.find("[madvise]") != std::string::npos) {  // then only an madvise makes it eligible
    EXPECT_NE(entry.find(" hg"), std::string::npos) << "VmFlags without hg (MADV_HUGEPAGE)\n"
                                                    << entry;
  }
}

TEST(AllocatorTuning, TheServersPolicyMapsLargeBlocksApartAndGivesThemBack) {
  if (kSanitized) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  give_large_blocks_back();
  // Larger than any block the tests before freed: glibc serves a request from a free block of
  // the heap that fits before it maps one, and those blocks are the tests', not the server's.
  constexpr size_t kUploadFloats = 3 * kNightFloats;  // a three-lead night
  const size_t mapped_before = mallinfo2().hblkhd;
  {
    std::vector<float> upload(kUploadFloats, 1.f);
    EXPECT_GE(mallinfo2().hblkhd, mapped_before + kUploadFloats * sizeof(float));
  }
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before);
  keep_freed_memory_for_reuse();  // leave the process as main() sets it
}
#endif

}  // namespace
}  // namespace somna
