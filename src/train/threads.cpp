// Scoped LibTorch intra-op thread count (see threads.hpp).

#include "train/threads.hpp"

#include <ATen/Parallel.h>

namespace somna::train {

// at::set_num_threads sets the calling thread's OpenMP thread count (and the default for threads
// that have not used LibTorch yet); it is only called when the count changes, since it also
// clears oneDNN's cached primitives.
TorchThreads::TorchThreads(int threads) : previous_(0) {
  const int current = at::get_num_threads();
  if (threads > 0 && threads != current) {
    at::set_num_threads(threads);
    previous_ = current;
  }
}

TorchThreads::~TorchThreads() {
  if (previous_ > 0) at::set_num_threads(previous_);
}

}  // namespace somna::train
