#pragma once
// NightReport as one self-contained HTML page (inline CSS, SVG and a few lines of JS; nothing is
// fetched): summary cards, the night timeline (p(apnea) per minute, shaded episodes, signal
// quality), the heart-rate trend, ECG strips around the highest-scoring minutes (and one calm
// minute for comparison) with the detected beats and the heart-rate tachogram around them, the
// episode table and exclusions. Laid out for A4 printing as well as the screen.

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/night_report.hpp"
#include "io/record.hpp"
#include "report/html_escape.hpp"

namespace somna::report {

struct HtmlOptions {
  int max_strips = 4;     // strips around top-scoring minutes (+1 calm reference minute)
  double strip_s = 30;    // seconds of ECG per strip
  std::string generator;  // e.g. "somna 0.1.0", shown in the footer
  // Optional reference labels per minute (1 apnea, 0 normal, -1 unknown), e.g. an expert .apn
  // beside the record: drawn as a band under the timeline, with the per-minute agreement.
  std::vector<int8_t> reference_minutes;
  std::string reference_source;  // e.g. "a08.apn (expert)"
};

// record may be null or hold no samples (beats from annotations): strips then show the
// heart-rate tachogram only.
std::string html_report(const analysis::NightReport& report, const io::Record* record,
                        const HtmlOptions& options = {});

void write_html_report(const analysis::NightReport& report, const io::Record* record,
                       const std::string& path, const HtmlOptions& options = {});

}  // namespace somna::report
