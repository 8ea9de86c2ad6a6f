// Beat-by-beat matching (src/eval/beat_comparison): counts on small hand-made cases.

#include "eval/beat_comparison.hpp"

#include <gtest/gtest.h>

namespace somna::eval {
namespace {

TEST(BeatComparison, ExactAndShifted) {
  const std::vector<double> ref = {1, 2, 3, 4};
  BeatMatch m = compare_beats(ref, {1.1, 2.0, 2.9, 4.149});
  EXPECT_EQ(m.tp, 4u);
  EXPECT_EQ(m.fn + m.fp, 0u);
  EXPECT_NEAR(m.mean_abs_err_s(), (0.1 + 0 + 0.1 + 0.149) / 4, 1e-9);
  m = compare_beats(ref, {1.16, 2, 3, 4});  // outside 150 ms: one FN and one FP
  EXPECT_EQ(m.tp, 3u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_EQ(m.fp, 1u);
  EXPECT_NEAR(m.se(), 75.0, 1e-9);
  EXPECT_NEAR(m.ppv(), 75.0, 1e-9);
}

TEST(BeatComparison, ExtraAndMissing) {
  const std::vector<double> ref = {1, 2, 3, 4, 5};
  const BeatMatch m = compare_beats(ref, {0.5, 1, 1.05, 2, 4, 5, 6});
  EXPECT_EQ(m.tp, 4u);  // 1, 2, 4, 5
  EXPECT_EQ(m.fn, 1u);  // 3
  EXPECT_EQ(m.fp, 3u);  // 0.5, 1.05, 6
}

TEST(BeatComparison, NearestWins) {
  // Two test beats near one reference beat: the nearer one matches.
  BeatMatch m = compare_beats({1.0}, {0.9, 0.98});
  EXPECT_EQ(m.tp, 1u);
  EXPECT_EQ(m.fp, 1u);
  EXPECT_NEAR(m.sum_abs_err_s, 0.02, 1e-12);
  // One test beat between two close reference beats matches the nearer.
  m = compare_beats({1.0, 1.2}, {1.15});
  EXPECT_EQ(m.tp, 1u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_NEAR(m.sum_abs_err_s, 0.05, 1e-12);
}

TEST(BeatComparison, SkipWindowAndTotals) {
  BeatMatchOptions o;
  o.skip_s = 300;
  const BeatMatch a = compare_beats({10, 299, 301, 400}, {10, 301, 500}, o);
  EXPECT_EQ(a.tp, 1u);
  EXPECT_EQ(a.fn, 1u);
  EXPECT_EQ(a.fp, 1u);
  BeatMatch total;
  total += a;
  total += a;
  EXPECT_EQ(total.tp, 2u);
  const BeatMatch empty = compare_beats({}, {});
  EXPECT_DOUBLE_EQ(empty.se(), 100.0);
  EXPECT_EQ(compare_beats({}, {1, 2}).fp, 2u);
  EXPECT_EQ(compare_beats({1, 2}, {}).fn, 2u);
}

}  // namespace
}  // namespace somna::eval
