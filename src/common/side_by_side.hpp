#pragma once
// Two independent pieces of one job at once: `side` on a thread of its own while the calling
// thread runs `main` (analyze_night's detector beside the night's other measures, an ensemble's
// networks two by two), or one after the other. The pieces share nothing they write, so the
// results do not depend on which.

#include <future>
#include <system_error>

namespace somna {

// Runs main() and side(), at once when `parallel` (one after the other when no thread can be
// had: the system's thread limit). An exception of either reaches the caller (main's first) once
// both have ended: side is never left running.
template <class Main, class Side>
void side_by_side(bool parallel, Main&& main, Side&& side) {
  std::future<void> other;
  if (parallel) {
    try {
      other = std::async(std::launch::async, [&side] { side(); });
    } catch (const std::system_error&) {
    }
  }
  if (!other.valid()) {
    main();
    side();
    return;
  }
  try {
    main();
  } catch (...) {
    other.wait();
    throw;
  }
  other.get();
}

}  // namespace somna
