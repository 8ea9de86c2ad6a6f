// The somna program's malloc policy (common/allocator_tuning.hpp), read back from glibc's own
// accounting: after keep_freed_memory_for_reuse() a night-sized buffer freed stays in the heap for
// the next night, and it and the first blocks allocated after the call lie in memory advised for
// transparent huge pages (the kernel's own account, /proc/self/smaps); under the server's
// keep_freed_memory_in_one_heap() an upload freed on another thread stays in the one heap until
// give_free_memory_back() returns it.

#include "common/allocator_tuning.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "support/sanitizer.hpp"

namespace somna {
namespace {

using test::kUnderSanitizer;

constexpr size_t kNightFloats = 3'000'000;  // an 8-hour 100 Hz lead: 12 MB
constexpr size_t kNightBytes = kNightFloats * sizeof(float);

#if defined(__GLIBC__)
TEST(AllocatorTuning, AFreedNightBufferStaysInTheHeapForTheNext) {
  if (kUnderSanitizer) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
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
  if (kUnderSanitizer) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
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

// The first blocks after the call too (the model file is read first, ~0.5 MB): the heap's part
// below its first 2 MB boundary, which cannot be a huge page, is set aside instead of handed out.
TEST(AllocatorTuning, TheFirstBlocksAfterTheCallLieInMemoryAdvisedForHugePages) {
  if (kUnderSanitizer) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  const std::string mode((std::istreambuf_iterator<char>(thp)), std::istreambuf_iterator<char>());
  if (mode.find("[madvise]") == std::string::npos)
    GTEST_SKIP() << "transparent huge pages are not in madvise mode here (" << mode << ")";
  keep_freed_memory_for_reuse();
  std::vector<char> model_file(554'592);
  const std::string entry = smaps_entry_of(model_file.data());
  EXPECT_NE(entry.find(" hg"), std::string::npos) << "VmFlags without hg (MADV_HUGEPAGE)\n"
                                                  << entry;
}

// Resident memory of this process (VmRSS), in bytes.
size_t resident_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return size_t(std::stoull(line.substr(6))) * 1024;
  }
  return 0;
}

TEST(AllocatorTuning, TheServersPolicyKeepsAThreadsFreedUploadUntilGivenBack) {
  if (kUnderSanitizer) GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  keep_freed_memory_in_one_heap();
  give_free_memory_back();                          // what the tests before left free
  constexpr size_t kUploadBytes = 2 * kNightBytes;  // a two-lead night, under the 32 MB bound
  const size_t mapped_before = mallinfo2().hblkhd, rss0 = resident_bytes();
  // Allocated and freed on another thread, as on the server's connection and worker threads.
  std::thread([&] {
    std::vector<char> upload(kUploadBytes, 1);
    EXPECT_EQ(mallinfo2().hblkhd, mapped_before) << "the upload was mapped apart from the heap";
  }).join();
  const size_t rss1 = resident_bytes();
  EXPECT_GE(rss1, rss0 + kUploadBytes * 3 / 4) << "the freed upload was given back at once";
  give_free_memory_back();
  // Given back: a thread arena's free top would have stayed resident.
  EXPECT_LT(resident_bytes(), rss0 + kUploadBytes / 4) << rss0 << " -> " << rss1;
  keep_freed_memory_for_reuse();  // leave the process as main() sets it
}
#endif

}  // namespace
}  // namespace somna
