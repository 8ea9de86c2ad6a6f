// IdleTrim: the give-back runs once the server has been idle for the delay, never while an upload
// is in progress, once per idle period, and again after the next busy period.

#include "server/idle_trim.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace somna::server {
namespace {

using std::chrono::milliseconds;

// Polls until `trim` has given back `n` times (false after 10 s).
bool wait_for_trims(const IdleTrim& trim, int n) {
  for (int i = 0; i < 1000 && trim.trims() < n; ++i) std::this_thread::sleep_for(milliseconds(10));
  return trim.trims() >= n;
}

TEST(IdleTrim, GivesBackOnceAfterEachBusyPeriod) {
  std::atomic<int> calls{0};
  IdleTrim trim(milliseconds(20), [&] { ++calls; });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(calls.load(), 0) << "nothing was busy yet";
  trim.busy();
  trim.busy();
  trim.idle();
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(calls.load(), 0) << "one upload is still in progress";
  trim.idle();
  ASSERT_TRUE(wait_for_trims(trim, 1));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(calls.load(), 1) << "again without a busy period";
  trim.busy();
  trim.idle();
  ASSERT_TRUE(wait_for_trims(trim, 2));
  EXPECT_EQ(calls.load(), 2);
}

TEST(IdleTrim, WaitsTheDelayAfterTheLastUpload) {
  std::atomic<int> calls{0};
  IdleTrim trim(std::chrono::hours(1), [&] { ++calls; });
  trim.busy();
  trim.idle();
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(calls.load(), 0);
}  // and the destructor does not wait out the hour

}  // namespace
}  // namespace somna::server
