#include "common/error.hpp"

#include <gtest/gtest.h>

TEST(Error, MessageNamesFileAndPosition) {
  somna::io::FormatError e("rec.hea", "sampling frequency must be > 0", "line 1");
  EXPECT_STREQ(e.what(), "rec.hea, line 1: sampling frequency must be > 0");
  EXPECT_EQ(e.file(), "rec.hea");
  EXPECT_EQ(e.where(), "line 1");
  somna::Error bare("", "no file");
  EXPECT_STREQ(bare.what(), "no file");
}
