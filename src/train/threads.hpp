#pragma once
// LibTorch's intra-op thread count for one scope: set on entry, put back on exit. Scoring runs
// under ScoringThreads (night_logits, seed_scores), so a night's scores do not depend on the
// thread count the process happens to have (OMP_NUM_THREADS, taskset, a trainer's --threads):
// floating-point sums split over a different number of threads round differently, and a model
// file must score a night exactly as the network it was saved from. The trainers use TorchThreads
// for their --threads, so training no longer changes the count for the rest of the process.

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
