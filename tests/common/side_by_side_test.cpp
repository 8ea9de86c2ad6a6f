// side_by_side: both pieces run, on two threads when asked, one after the other otherwise; an
// exception of either reaches the caller, and never before the other piece has ended.

#include "common/side_by_side.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace somna {
namespace {

TEST(SideBySide, RunsBothPiecesOnTwoThreadsWhenAsked) {
  for (bool parallel : {false, true}) {
    std::thread::id main_id, side_id;
    side_by_side(
        parallel, [&] { main_id = std::this_thread::get_id(); },
        [&] { side_id = std::this_thread::get_id(); });
    EXPECT_EQ(main_id, std::this_thread::get_id());
    EXPECT_EQ(side_id != main_id, parallel);
  }
}

TEST(SideBySide, AnExceptionOfEitherReachesTheCaller) {
  for (bool parallel : {false, true}) {
    EXPECT_THROW(side_by_side(
                     parallel, [] {}, [] { throw std::runtime_error("side"); }),
                 std::runtime_error);
    EXPECT_THROW(side_by_side(
                     parallel, [] { throw std::logic_error("main"); }, [] {}),
                 std::logic_error);
  }
}

TEST(SideBySide, MainsExceptionWaitsForTheSidePiece) {
  std::atomic<bool> side_ended{false};
  try {
    side_by_side(
        true, [] { throw std::runtime_error("main"); },
        [&] {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          side_ended = true;
        });
    FAIL() << "main's exception was lost";
  } catch (const std::runtime_error&) {
    EXPECT_TRUE(side_ended.load());
  }
}

}  // namespace
}  // namespace somna
