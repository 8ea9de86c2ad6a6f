// /predict success body (predict_response.hpp).

#include "server/predict_response.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "report/json_report.hpp"

namespace somna::server {

Risk risk_of(const analysis::NightReport& r) {
  if (!r.ahi) return {"unknown", "#757575"};
  switch (r.severity) {
    case analysis::Severity::Normal:
      return {"low", "#2e7d32"};
    case analysis::Severity::Mild:
      return {"mild", "#f9a825"};
    case analysis::Severity::Moderate:
      return {"moderate", "#ef6c00"};
    case analysis::Severity::Severe:
      return {"high", "#c62828"};
  }
  return {"unknown", "#757575"};
}

std::string diagnosis_of(const analysis::NightReport& r) {
  if (!r.ahi) {
    return "No AHI estimate: " +
           (r.ahi_note.empty() ? std::string("too little analysable ECG") : r.ahi_note);
  }
  const char* sev = analysis::severity_name(r.severity);
  if (r.has_apnea) {
    return fmt::format("Sleep apnea likely: estimated AHI {:.1f} events/h ({})", *r.ahi, sev);
  }
  return fmt::format("No sleep apnea: estimated AHI {:.1f} events/h ({})", *r.ahi, sev);
}

std::string waveform_points(const io::Channel& ch, double seconds, int max_points, double width,
                            double height) {
  const auto& x = ch.samples;
  if (x.empty() || !(ch.fs > 0) || max_points < 2) return {};
  // The first stretch of `seconds` without gaps (NaN), or the first finite samples.
  const size_t n = std::min(x.size(), static_cast<size_t>(std::max(2.0, seconds * ch.fs)));
  size_t start = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isfinite(x[i])) {
      start = i;
      break;
    }
  }
  const size_t len = std::min(n, x.size() - start);
  if (len < 2) return {};
  float lo = INFINITY, hi = -INFINITY;
  for (size_t i = start; i < start + len; ++i) {
    if (std::isfinite(x[i])) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
  }
  if (!std::isfinite(lo)) return {};
  const double span = hi > lo ? double(hi) - lo : 1.0;
  const double pad = 0.05 * height;
  const size_t points = std::min<size_t>(len, size_t(max_points));
  std::string out;
  out.reserve(points * 12);
  for (size_t k = 0; k < points; ++k) {
    // Each point: the sample at the start of its slice (keeps R peaks when len <= max_points).
    const size_t i = start + (points > 1 ? k * (len - 1) / (points - 1) : 0);
    const float v = std::isfinite(x[i]) ? x[i] : lo;
    const double px = points > 1 ? width * double(k) / double(points - 1) : 0;
    const double py = pad + (height - 2 * pad) * (1.0 - (double(v) - lo) / span);
    if (!out.empty()) out += ' ';
    out += fmt::format("{:.1f},{:.1f}", px, py);
  }
  return out;
}

nlohmann::json ecg_json(const io::Channel& ch, double max_hz) {
  const size_t k = ch.fs > max_hz ? static_cast<size_t>(std::ceil(ch.fs / max_hz)) : 1;
  nlohmann::json samples = nlohmann::json::array();
  const auto& x = ch.samples;
  samples.get_ref<nlohmann::json::array_t&>().reserve(x.size() / k + 1);
  for (size_t i = 0; i + k <= x.size(); i += k) {
    double sum = 0;
    size_t n = 0;
    for (size_t j = i; j < i + k; ++j) {
      if (std::isfinite(x[j])) {
        sum += x[j];
        ++n;
      }
    }
    if (n == 0) {
      samples.push_back(nullptr);
    } else {
      samples.push_back(std::round(sum / double(n) * 1000.0) / 1000.0);
    }
  }
  return {
      {"fs", ch.fs / double(k)}, {"start_s", 0.0}, {"unit", "mV"}, {"samples", std::move(samples)}};
}

std::string utc_timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json predict_response(const analysis::NightReport& report, const io::Record& record,
                                const PredictOptions& o) {
  const io::Channel* ecg = nullptr;
  try {
    ecg = &record.channels.at(io::choose_channel(record, o.channel, o.client_file));
  } catch (const std::exception&) {
    ecg = nullptr;
  }
  const Risk risk = risk_of(report);
  nlohmann::json j;
  j["success"] = true;
  // The night's calibrated probability and logit, null without one (never a fixed mapping).
  const auto or_null = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  j["prediction"] = {{"has_apnea", report.has_apnea},
                     {"probability", or_null(report.night_probability)},
                     {"raw_logit", or_null(report.night_logit)},
                     {"risk_level", risk.level},
                     {"risk_color", risk.color},
                     {"diagnosis", diagnosis_of(report)}};
  const double fs = report.fs > 0 ? report.fs : (ecg ? ecg->fs : record.frame_fs);
  j["demographics"] = {{"record_name", report.record_name},
                       {"sampling_frequency", fs},
                       {"duration", record.duration_s()},
                       {"number_of_signals", record.channels.size()}};
  j["waveform"] = ecg ? waveform_points(*ecg) : std::string();
  j["timestamp"] = utc_timestamp();
  report::JsonOptions jo;
  jo.include_beats = o.include_ecg;
  j["night"] = report::night_report_json(report, jo);
  // Never a server path: the night says which uploaded file it came from.
  j["night"]["record"]["source_path"] = o.client_file;
  if (o.include_ecg && ecg) j["ecg"] = ecg_json(*ecg);
  j["request_id"] = o.request_id;
  return j;
}

}  // namespace somna::server
