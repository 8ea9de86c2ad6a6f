#pragma once
// LibTorch's intra-op thread count for one scope: set on entry, put back on exit. The LibTorch
// modules' scoring during training (night_logits, seed_scores: validation figures, out-of-fold
// predictions) runs under ScoringThreads, so those scores do not depend on the thread count the
// process happens to have (OMP_NUM_THREADS, taskset, a trainer's --threads): floating-point sums
// split over a different number of threads round differently. The trainers use TorchThreads for
// their --threads, so training does not change the count for the rest of the process. (Model
// files are scored by Somna's own inference, nn/gemm.hpp, on the calling thread.)

namespace somna::train {

// Intra-op threads a night is scored with (one forward pass per night; the server and
// `analyze --jobs` run nights in parallel instead).
constexpr int kScoringThreads = 1;

class TorchThreads {
 public:
  explicit TorchThreads(int threads);  // threads <= 0: leave the count as it is
  ~TorchThreads();
  TorchThreads(const TorchThreads&) = delete;
  TorchThreads& operator=(const TorchThreads&) = delete;

 private:
  int previous_;  // 0: unchanged, nothing to put back
};

struct ScoringThreads : TorchThreads {
  ScoringThreads() : TorchThreads(kScoringThreads) {}
};

}  // namespace somna::train
