// test_train trains in the heap settings of somna-train (src/cli/main.cpp): freed blocks kept for
// reuse instead of handed back to the kernel. With glibc's defaults every step of the seed
// network's training maps and zeroes its activations afresh (SeedTrainerSlow: 3.3 million page
// faults, 129 s; with these settings 0.25 million, 96 s).
#include "common/allocator_tuning.hpp"

namespace {

const bool kHeapSettings = (somna::keep_freed_memory_for_reuse(), true);

}  // namespace
