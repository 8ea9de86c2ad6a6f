// Numbers, frequencies and durations as printed in messages and reports: short for any value a
// hostile header can produce (common/text_format.hpp).

#include "common/text_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace somna {
namespace {

TEST(TextFormat, Numbers) {
  EXPECT_EQ(number_text(360), "360");
  EXPECT_EQ(number_text(-2), "-2");
  EXPECT_EQ(number_text(0.001), "0.001");
  EXPECT_EQ(number_text(1e-300), "1e-300");
  EXPECT_EQ(number_text(1.5e300), "1.5e+300");
  EXPECT_EQ(number_text(std::nan("")), "nan");
  EXPECT_EQ(number_text(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(hz_text(128), "128 Hz");
}

TEST(TextFormat, DurationsStayShortForAnyValue) {
  EXPECT_EQ(duration_text(45), "45 s");
  EXPECT_EQ(duration_text(12 * 60 + 5), "12 min");
  EXPECT_EQ(duration_text(8 * 3600 + 5 * 60), "8 h 05 min");
  EXPECT_EQ(duration_text(1e303), "1e+303 s");
  EXPECT_EQ(clock_text(3661), "1:01:01");
  EXPECT_EQ(clock_text(100 * 3600), "100:00:00");
  EXPECT_EQ(clock_text(1e303), "1e+303 s");
  for (double v : {1e305, -1e305, 1e-300, std::nan(""), std::numeric_limits<double>::max()}) {
    EXPECT_LT(duration_text(v).size(), 20u) << v;
    EXPECT_LT(clock_text(v).size(), 20u) << v;
    EXPECT_LT(number_text(v).size(), 16u) << v;
  }
}

}  // namespace
}  // namespace somna
