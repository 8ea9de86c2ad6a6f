// libFuzzer target: PhysioNet/CinC Challenge 2000 answer files (`somna eval --labels`). Any input
// must parse or throw io::FormatError; what parses has only A/N minutes, at least one a record,
// and survives a write/read round trip unchanged.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "io/challenge_answers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace somna::io;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ChallengeRecord> a;
  try {
    a = parse_challenge_answers(text, "fuzz.txt");
  } catch (const FormatError&) {
    return 0;
  }
  for (const ChallengeRecord& r : a) {
    if (r.name.empty() || r.minutes.empty() ||
        r.minutes.find_first_not_of("AN") != std::string::npos)
      std::abort();
  }
  (void)looks_like_challenge_answers(text);
  const std::vector<ChallengeRecord> b =
      parse_challenge_answers(format_challenge_answers(a), "fuzz.txt");  // must not throw
  if (a.size() != b.size()) std::abort();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].minutes != b[i].minutes) std::abort();
  }
  return 0;
}
