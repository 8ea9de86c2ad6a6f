// The WFDB writer round-trips through our reader in formats 16 and 212.

#include "sim/wfdb_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "io/record.hpp"
#include "sim/synthetic_night.hpp"

namespace somna::sim {
namespace {

class WfdbWriter : public ::testing::TestWithParam<int> {};

TEST_P(WfdbWriter, RoundTrip) {
  NightSpec s;
  s.hours = 0.05;
  s.episodes = {};
  const SimulatedNight n = simulate_night(s);
  const TempDir dir;
  const std::string base = dir.path() + "/sim" + std::to_string(GetParam());
  WfdbWriteOptions o;
  o.format = GetParam();
  o.comment = "synthetic";
  io::Record rec = n.record;
  rec.start = io::DateTime{0, 0, 0, 22, 30, 0};
  write_wfdb_record(base, rec, o);
  const io::Record back = io::read_record(base + ".hea");
  ASSERT_EQ(back.channels.size(), 1u);
  const auto& a = n.record.channels[0].samples;
  const auto& b = back.channels[0].samples;
  ASSERT_EQ(a.size(), b.size());
  EXPECT_DOUBLE_EQ(back.channels[0].fs, 100);
  ASSERT_TRUE(back.start.has_value());
  EXPECT_EQ(back.start->hour, 22);
  EXPECT_EQ(back.start->minute, 30);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 0.5 / 200 + 1e-6) << i;
}

INSTANTIATE_TEST_SUITE_P(Formats, WfdbWriter, ::testing::Values(16, 212));

TEST(WfdbWriterErrors, BadFormatAndEmpty) {
  const TempDir dir;  // refused before anything is written; nothing lands in a shared folder
  const std::string x = dir.path() + "/x";
  io::Record r;
  EXPECT_THROW(write_wfdb_record(x, r), Error);
  r.channels.resize(1);
  WfdbWriteOptions o;
  o.format = 8;
  EXPECT_THROW(write_wfdb_record(x, r, o), Error);
  NightSpec tiny;
  tiny.hours = 0.01;
  EXPECT_THROW(write_wfdb_record("/nonexistent-dir/x", simulate_night(tiny).record), Error);
}

}  // namespace
}  // namespace somna::sim
