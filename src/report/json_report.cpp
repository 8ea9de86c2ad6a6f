// NightReport -> JSON (schema somna.night-report/1, docs/report-schema.md).

#include "report/json_report.hpp"

#include <cmath>

#include "common/error.hpp"
#include "common/json_number.hpp"
#include "io/file_write.hpp"

namespace somna::report {
namespace {

double round_to(double v, double step) {
  return std::round(v / step) * step;
}

}  // namespace

const char* minute_label(const analysis::MinuteResult& m) {
  if (m.excluded) return "X";
  return m.apnea ? "A" : "N";
}

nlohmann::json night_report_json(const analysis::NightReport& r, const JsonOptions& options) {
  using nlohmann::json;
  json j;
  j["schema"] = kNightReportSchema;
  j["record"] = {
      {"name", r.record_name},
      {"source_path", r.source_path},
      {"start", r.start ? json(r.start->to_string()) : json()},
      {"recording_s", json_number(r.recording_s)},
      {"analysable_s", json_number(r.analysable_s)},
      {"fs", json_number(r.fs)},
      {"channel", r.channel},
      {"beat_source", r.beat_source},
      {"n_beats", r.n_beats},
      {"n_corrected", r.n_corrected},
  };
  j["detector"] = {{"name", r.detector.name},
                   {"kind", r.detector.kind},
                   {"trained_on", r.detector.trained_on},
                   {"version", r.detector.version},
                   {"threshold", json_number(r.detector.threshold)}};
  j["summary"] = {
      {"ahi", r.ahi ? json_number(*r.ahi) : json()},
      {"ahi_note", r.ahi_note},
      {"ahi_method", r.ahi_method},
      {"severity", r.ahi ? json(analysis::severity_name(r.severity)) : json()},
      {"has_apnea", r.has_apnea},
      {"apnea_minutes", json_number(r.apnea_minutes)},
      {"night_probability", r.night_probability ? json_number(*r.night_probability) : json()},
      {"night_logit", r.night_logit ? json_number(*r.night_logit) : json()},
      {"analysis_ms", json_number(r.analysis_ms)},
  };
  j["heart_rate"] = {
      {"mean_bpm", json_number(r.hrv.mean_hr_bpm)}, {"min_bpm", json_number(r.hrv.min_hr_bpm)},
      {"max_bpm", json_number(r.hrv.max_hr_bpm)},   {"sdnn_ms", json_number(r.hrv.sdnn_ms)},
      {"rmssd_ms", json_number(r.hrv.rmssd_ms)},    {"lf_hf", json_number(r.hrv.lf_hf)}};
  json minutes = json::array();
  for (const auto& m : r.minutes) {
    minutes.push_back(
        {{"t", m.t_s},
         {"p", json_number(round_to(m.p_apnea, 1e-4))},
         {"label", minute_label(m)},
         {"quality", json_number(round_to(m.quality, 1e-3))},
         {"reason", m.quality_reason},
         {"excluded", m.excluded},
         {"hr", m.heart_rate_bpm > 0 ? json_number(round_to(m.heart_rate_bpm, 0.1)) : json()}});
  }
  j["minutes"] = std::move(minutes);
  json episodes = json::array();
  for (const auto& e : r.episodes) {
    episodes.push_back({{"start_s", e.start_s},
                        {"duration_s", e.duration_s},
                        {"minutes", e.minutes},
                        {"mean_p", json_number(round_to(e.mean_p, 1e-4))}});
  }
  j["episodes"] = std::move(episodes);
  if (options.include_events) {
    json events = json::array();
    for (const auto& e : r.events) {
      events.push_back({{"start_s", json_number(round_to(e.start_s, 0.01))},
                        {"end_s", json_number(round_to(e.end_s, 0.01))},
                        {"score", json_number(round_to(e.score, 1e-4))}});
    }
    j["events"] = std::move(events);
  }
  j["exclusions"] = r.exclusions;
  j["warnings"] = r.warnings;
  if (options.include_beats) {
    json beats = json::array();
    for (double t : r.r_time_s) beats.push_back(round_to(t, 1e-3));
    j["beats"] = std::move(beats);
  }
  return j;
}

void write_json_report(const analysis::NightReport& report, const std::string& path,
                       const JsonOptions& options) {
  io::write_file(path, night_report_json(report, options).dump(2) + '\n');
}

}  // namespace somna::report
