#pragma once
// The terminal view of a NightReport: a compact summary table (AHI, severity, duration, heart
// rate) and a one-line-per-hour timeline of the night, one character per minute (block height =
// p(apnea), or A/N letters with ascii=true; '·' / '.' where the minute was excluded).

#include <string>

#include "analysis/night_report.hpp"

namespace somna::report {

struct TerminalOptions {
  bool ascii = false;  // A/N/x letters instead of Unicode blocks
  bool color = false;  // ANSI colours (apnea minutes red)
};

std::string terminal_summary(const analysis::NightReport& report);
std::string terminal_timeline(const analysis::NightReport& report, const TerminalOptions& o = {});

// "7 h 42 min" / "38 min" / "12 s".
std::string format_duration(double seconds);

}  // namespace somna::report
