#pragma once
// Keeps the memory of one night for the next. glibc's malloc by default hands a block of over
// 128 KB (raising that bound as it sees blocks freed, up to 32 MB) to the kernel on free, and
// gives back the top of its heap once 128 KB of it are free. A night's buffers are tens of MB
// (an 8-hour 100 Hz lead is 11.8 MB of floats, an EDF night's other signals more), so every
// night then pays again for the kernel to map and zero each page: on this project's VM, 231,602
// page faults and 1.5 s of system time for a folder of 35 ECG nights with the CVHR detector, 10,507
// faults and 0.09 s with blocks up to 32 MB taken from the heap and 64 MB of free heap kept.
// That heap is grown once, 64 MB ahead, and advised for transparent huge pages (what glibc's
// glibc.malloc.hugetlb=1 tunable does, which only the environment can set): a night's buffers
// then fault in 2 MB at a time, not 4 KB (8-hour night: ~5,000 -> ~900 page faults, analysis
// 0.13 -> 0.08 s whole process; RSS counts only the pages touched). Its part below the first 2 MB
// boundary is set aside, so that the first blocks (the model file) lie in huge pages too
// (457-940 -> 203-208 faults an 8-hour night, 4-6 ms less of its ~57 ms whole process).
// Set at the start of the `somna` program (not by the library or the Python module, which live in
// someone else's process); `somna serve` then chooses its own (keep_freed_memory_in_one_heap).

namespace somna {

// Blocks up to 32 MB from the heap and up to 64 MB of free heap kept for reuse (mallopt), the heap
// grown ahead in huge pages (madvise). A no-op where the C library is not glibc.
void keep_freed_memory_for_reuse();

// The server's policy: an upload's body, parts and analysis (~40 MB for an 8-hour night) are
// allocated on connection and worker threads. All threads share the one heap (by default each
// would get an arena of its own, whose free top malloc_trim cannot return), blocks up to 32 MB
// come from it, and freed memory stays for the next upload: back-to-back uploads reuse mapped
// pages instead of faulting in and zeroing each anew. give_free_memory_back() returns it; the
// server calls that once it has been idle a moment (server/idle_trim.hpp). Also gives back what
// keep_freed_memory_for_reuse() grew ahead.
void keep_freed_memory_in_one_heap();

// Returns the heap's free memory to the kernel (malloc_trim). A no-op where the C library is not
// glibc.
void give_free_memory_back();

}  // namespace somna
