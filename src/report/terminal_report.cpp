// Terminal summary table and hourly timeline.

#include "report/terminal_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/text_format.hpp"

namespace somna::report {

std::string format_duration(double s) {
  if (!(s >= 0)) return "-";
  return duration_text(s);
}

std::string terminal_summary(const analysis::NightReport& r) {
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) {
    out += fmt::format("  {:<18} {}\n", k, v);
  };
  out +=
      fmt::format("Somna night report — {}\n", r.record_name.empty() ? "(unnamed)" : r.record_name);
  if (r.ahi) {
    row("Estimated AHI", fmt::format("{:.1f} events/h ({})", *r.ahi, r.ahi_method));
    row("Severity (AASM)", fmt::format("{}{}", analysis::severity_name(r.severity),
                                       r.has_apnea ? "  — sleep apnea likely (AHI >= 5)"
                                                   : "  — no sleep apnea (AHI < 5)"));
    if (r.night_probability) {
      row("p(AHI >= 5)", fmt::format("{:.2f} (calibrated with the model)", *r.night_probability));
    }
  } else {
    row("Estimated AHI", "not estimated");
    row("Why", r.ahi_note);
  }
  row("Recording", format_duration(r.recording_s) +
                       (r.start ? fmt::format(" from {}", r.start->to_string()) : std::string()));
  row("Analysable", fmt::format("{} ({:.0f}%)", format_duration(r.analysable_s),
                                r.recording_s > 0 ? 100 * r.analysable_s / r.recording_s : 0.0));
  row("Apnea minutes", fmt::format("{:.0f} in {} episodes", r.apnea_minutes, r.episodes.size()));
  if (r.hrv.mean_hr_bpm > 0) {
    row("Heart rate", fmt::format("mean {:.0f} bpm (minute range {:.0f}–{:.0f})", r.hrv.mean_hr_bpm,
                                  r.hrv.min_hr_bpm, r.hrv.max_hr_bpm));
    row("HRV", fmt::format("SDNN {:.0f} ms, RMSSD {:.0f} ms, LF/HF {:.2f}", r.hrv.sdnn_ms,
                           r.hrv.rmssd_ms, r.hrv.lf_hf));
  }
  row("Beats", fmt::format("{} ({}), {} RR corrected", r.n_beats, r.beat_source, r.n_corrected));
  row("Detector", fmt::format("{} ({})", r.detector.name, r.detector.kind));
  for (const std::string& e : r.exclusions) row("Excluded", e);
  for (const std::string& w : r.warnings) row("Warning", w);
  row("Analysis time", fmt::format("{:.1f} ms", r.analysis_ms));
  return out;
}

std::string terminal_timeline(const analysis::NightReport& r, const TerminalOptions& o) {
  static const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out =
      fmt::format("Timeline, one character per minute ({}):\n",
                  o.ascii ? "A apnea, N normal, x excluded" : "height = p(apnea), · excluded");
  const size_t n = r.minutes.size();
  for (size_t h = 0; h * 60 < n; ++h) {
    std::string line;
    if (r.start) {
      const int mins = (r.start->hour * 60 + r.start->minute + static_cast<int>(h) * 60) % 1440;
      line += fmt::format("{:02d}:{:02d} ", mins / 60, mins % 60);
    } else {
      line += fmt::format("{:>2}h   ", h);
    }
    line += "|";
    for (size_t m = h * 60; m < std::min(n, h * 60 + 60); ++m) {
      const auto& mr = r.minutes[m];
      std::string c;
      if (mr.excluded) {
        c = o.ascii ? "x" : "·";
      } else if (o.ascii) {
        c = mr.apnea ? "A" : "N";
      } else {
        const int k = std::clamp(static_cast<int>(mr.p_apnea * 8), 0, 7);
        c = kBlocks[k];
      }
      if (o.color && mr.apnea) c = "\033[31m" + c + "\033[0m";
      line += c;
    }
    const size_t lo = h * 60, hi = std::min(n, h * 60 + 60);
    size_t a = 0;
    for (size_t m = lo; m < hi; ++m) a += r.minutes[m].apnea;
    line += fmt::format("| {:2} apnea min\n", a);
    out += line;
  }
  return out;
}

}  // namespace somna::report
