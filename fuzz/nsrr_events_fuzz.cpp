// libFuzzer target: NSRR XML event files (io/nsrr_events.hpp; `somna eval`/`train` read them
// beside NSRR EDF nights). Any input must parse or throw io::FormatError; what parses has events
// with a concept, a start and a duration in [0, 72 h], a line inside the text, valid UTF-8 text,
// an epoch length in range, and a hypnogram no longer than the events allow.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "io/nsrr_events.hpp"
#include "io/record.hpp"
#include "io/wfdb_util.hpp"

namespace {

constexpr double kMaxSeconds = somna::io::kMaxRecordingHours * 3600;

bool sane(const somna::io::NsrrEvent& e, size_t n_lines) {
  return !e.concept.empty() && e.start_s >= 0 && e.start_s <= kMaxSeconds && e.duration_s >= 0 &&
         e.duration_s <= kMaxSeconds && e.line >= 1 && e.line <= n_lines &&
         somna::io::wfdb::to_utf8(e.concept) == e.concept &&
         somna::io::wfdb::to_utf8(e.type) == e.type;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace somna::io;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  NsrrAnnotations a;
  try {
    a = parse_nsrr_events(text, "fuzz-nsrr.xml");
  } catch (const FormatError&) {
    return 0;
  }
  const size_t n_lines = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  if (!(a.epoch_s >= kMinNsrrEpochS && a.epoch_s <= kMaxNsrrEpochS)) std::abort();
  for (const NsrrEvent& e : a.events) {
    if (!sane(e, n_lines)) std::abort();
    const std::optional<int> stage = sleep_stage(e);
    if (stage && (*stage < 0 || *stage > 5)) std::abort();
    if (stage && (is_apnea(e) || is_hypopnea(e))) std::abort();
  }
  const std::vector<int8_t> stages = epoch_stages(a);
  if (stages.size() > static_cast<size_t>(std::ceil(2 * kMaxSeconds / a.epoch_s)) + 1) std::abort();
  for (int8_t s : stages) {
    if (s != kNoStage && (s < 0 || s > 5)) std::abort();
  }
  return 0;
}
