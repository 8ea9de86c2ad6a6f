// analyze_night(): beats -> cleaned RR -> minute quality -> detector -> minutes, episodes, AHI,
// severity, HRV and exclusions. Single-threaded, no shared state: safe to call from many threads.

#include "analysis/night_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "analysis/hrv.hpp"
#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "common/text_format.hpp"

namespace somna::analysis {

namespace {

constexpr double kMaxNightHours = io::kMaxRecordingHours;

std::string plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Above these shares a night-level warning is given: samples at the channel's extreme values
// (a clipped signal: the ADC's limits, or a wrong gain or format), and minutes found flat or
// saturated by the per-minute quality check.
constexpr double kClippedShare = 0.10;
constexpr double kBadMinutesShare = 0.5;

// Share of the finite samples that sit exactly at the channel's minimum or maximum. A real ECG
// reaches its extremes at a handful of samples; a clipped one sits there for long stretches.
// Sets lo/hi to the extremes. 0 when the channel is constant (that is "flat", not "clipped").
double clipped_share(const std::vector<float>& x, float& lo, float& hi) {
  lo = INFINITY, hi = -INFINITY;
  size_t n = 0;
  for (float v : x) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v), hi = std::max(hi, v), ++n;
  }
  if (n == 0 || !(hi > lo)) return 0;
  size_t at = 0;
  for (float v : x) at += (v == lo) | (v == hi);
  return static_cast<double>(at) / static_cast<double>(n);
}

// "ECG channel 'MLII' ...": the night-level signal warnings for the channel analysed.
std::vector<std::string> ecg_warnings(const io::Channel& ecg,
                                      const std::vector<dsp::MinuteQuality>& quality) {
  std::vector<std::string> out;
  const std::string name = "ECG channel '" + ecg.name + "'";
  float lo = 0, hi = 0;
  const double clipped = clipped_share(ecg.samples, lo, hi);
  if (clipped > kClippedShare)
    out.push_back(
        fmt::format("{} is clipped: {:.0f}% of its samples sit at its extreme values "
                    "({:.4g} / {:.4g} {}) (ADC limits, or a wrong gain or format?)",
                    name, 100 * clipped, lo, hi, ecg.units));
  if (quality.empty()) return out;
  size_t flat = 0, saturated = 0;
  for (const dsp::MinuteQuality& q : quality) {
    flat += q.reason == "flat line";
    saturated += q.reason == "saturation";
  }
  const double minutes = static_cast<double>(quality.size());
  if (flat > kBadMinutesShare * minutes)
    out.push_back(fmt::format("{} is flat in {:.0f}% of the minutes ({} of {})", name,
                              100 * flat / minutes, flat, quality.size()));
  if (saturated > kBadMinutesShare * minutes)
    out.push_back(fmt::format("{} is saturated in {:.0f}% of the minutes ({} of {})", name,
                              100 * saturated / minutes, saturated, quality.size()));
  return out;
}

}  // namespace

NightReport analyze_night(const io::Record& record, const Detector& detector,
                          const Options& options) {
  const auto t_start = std::chrono::steady_clock::now();
  const std::string file = record.path.empty() ? record.name : record.path;
  NightReport rep;
  rep.record_name = record.name;
  rep.source_path = record.path;
  rep.start = record.start;
  rep.detector = detector.info();

  // 1. The ECG channel (when there are samples) and the beats.
  const io::Channel* ecg = nullptr;
  const bool has_samples = std::any_of(record.channels.begin(), record.channels.end(),
                                       [](const io::Channel& c) { return !c.samples.empty(); });
  if (has_samples) {
    const size_t idx = io::choose_channel(record, options.channel, file);
    ecg = &record.channels.at(idx);
    if (ecg->samples.empty() || ecg->fs <= 0) {
      if (!options.beats) {
        throw AnalysisError(file, "channel '" + ecg->name + "' holds no samples");
      }
      ecg = nullptr;
    }
  }
  dsp::Beats beats;
  if (options.beats) {
    beats = *options.beats;
    if (beats.source.empty()) beats.source = "annotation";
  } else {
    if (!ecg) {
      throw AnalysisError(file, record.channels.empty() ? "the record has no signals"
                                                        : "the record holds no ECG samples");
    }
    beats = dsp::detect_beats(*ecg);
  }
  if (ecg) {
    rep.channel = ecg->name;
    rep.fs = ecg->fs;
  }
  rep.beat_source = beats.source;
  double duration = std::max({record.duration_s(), beats.duration_s,
                              beats.r_time_s.empty() ? 0.0 : beats.r_time_s.back()});
  if (ecg) duration = std::max(duration, ecg->duration_s());
  if (!(duration > 0)) throw AnalysisError(file, "the recording has zero length");
  if (duration > kMaxNightHours * 3600) {
    throw AnalysisError(file, fmt::format("the recording lasts {}; one analysis takes at "
                                          "most {:.0f} h (split longer recordings)",
                                          duration_text(duration), kMaxNightHours));
  }
  if (beats.size() < 2) {
    // External beats: the annotation file is to blame, not the ECG beside it.
    const std::string where = options.beats
                                  ? "the beat annotations (" + beats.source + ")"
                                  : (ecg ? "ECG (channel '" + ecg->name + "')" : "annotations");
    throw AnalysisError(
        file, fmt::format("no heartbeats found in {} of {}", duration_text(duration), where));
  }
  rep.recording_s = duration;
  rep.n_beats = beats.size();

  // 2. RR cleaning, minute quality, the detector.
  NightInput in = night_input(ecg, std::move(beats), duration);
  rep.n_corrected = in.rr.n_corrected();
  rep.warnings = record.warnings;
  if (ecg) {
    for (std::string& w : ecg_warnings(*ecg, in.quality)) rep.warnings.push_back(std::move(w));
  }
  MinuteScores scores = detector.score(in);
  if (scores.p_apnea.size() != in.n_minutes) {
    throw AnalysisError(file, fmt::format("detector '{}' scored {} minutes of {}",
                                          rep.detector.name, scores.p_apnea.size(), in.n_minutes));
  }

  // 3. Minutes.
  const float thr = static_cast<float>(rep.detector.threshold);
  std::vector<double> hr_sum(in.n_minutes, 0), hr_n(in.n_minutes, 0);
  for (size_t i = 0; i < in.rr.t_s.size() && i < in.rr.rr_s.size(); ++i) {
    const size_t m = static_cast<size_t>(std::max(0.0, in.rr.t_s[i]) / 60);
    if (m < in.n_minutes && in.rr.rr_s[i] > 0) hr_sum[m] += in.rr.rr_s[i], hr_n[m] += 1;
  }
  std::vector<uint8_t> keep(in.n_minutes, 0);
  std::map<std::string, size_t> excluded_by_reason;
  rep.minutes.resize(in.n_minutes);
  for (size_t m = 0; m < in.n_minutes; ++m) {
    MinuteResult& r = rep.minutes[m];
    r.t_s = 60.0 * double(m);
    float p = scores.p_apnea[m];
    if (!std::isfinite(p)) p = 0;
    r.p_apnea = std::clamp(p, 0.f, 1.f);
    r.quality = in.quality[m].score;
    r.quality_reason = in.quality[m].reason;
    r.excluded = r.quality < options.min_quality;
    r.apnea = !r.excluded && r.p_apnea >= thr;
    r.heart_rate_bpm = hr_n[m] > 0 ? static_cast<float>(60.0 / (hr_sum[m] / hr_n[m])) : 0.f;
    const double len = std::min(60.0, duration - r.t_s);
    if (r.excluded) {
      ++excluded_by_reason[r.quality_reason.empty() ? "low signal quality" : r.quality_reason];
    } else {
      keep[m] = 1;
      rep.analysable_s += len;
    }
    if (r.apnea) rep.apnea_minutes += 1;
  }
  for (const auto& [reason, count] : excluded_by_reason) {
    rep.exclusions.push_back(fmt::format("{} excluded: {}", plural(count, "min", "min"), reason));
  }

  // 4. Episodes: runs of apnea minutes.
  for (size_t m = 0; m < in.n_minutes;) {
    if (!rep.minutes[m].apnea) {
      ++m;
      continue;
    }
    size_t e = m;
    double sum_p = 0;
    while (e < in.n_minutes && rep.minutes[e].apnea) sum_p += rep.minutes[e].p_apnea, ++e;
    Episode ep;
    ep.start_s = rep.minutes[m].t_s;
    ep.duration_s = std::min(duration, rep.minutes[e - 1].t_s + 60) - ep.start_s;
    ep.minutes = static_cast<int>(e - m);
    ep.mean_p = static_cast<float>(sum_p / double(e - m));
    rep.episodes.push_back(ep);
    m = e;
  }

  // 5. Events and the AHI estimate over analysable time.
  const bool has_events = !scores.events.empty() || scores.events_per_hour.has_value();
  double n_events = 0;
  if (has_events) {
    for (const Event& e : scores.events) {
      const size_t m = static_cast<size_t>(std::max(0.0, e.end_s - 1e-6) / 60);
      if (m < in.n_minutes && keep[m]) {
        rep.events.push_back(e);
        n_events += 1;
      }
    }
    rep.ahi_method = "detector events";
  } else {
    for (const Episode& ep : rep.episodes) {
      n_events += std::max(1.0, std::floor(ep.duration_s / options.assumed_cycle_s + 0.5));
    }
    rep.ahi_method = "episodes";
  }
  const double hours = rep.analysable_s / 3600.0;
  const double rate = hours > 0 ? n_events / hours : 0.0;
  if (rep.analysable_s < options.min_analysable_hours * 3600.0) {
    rep.ahi_note =
        fmt::format("no AHI: {:.1f} h analysable, at least {:.1f} h are needed for an estimate",
                    hours, options.min_analysable_hours);
  } else {
    rep.ahi = rate;
    rep.severity = severity_from_ahi(rate);
    rep.has_apnea = rate >= 5;
    rep.ahi_note =
        has_events ? fmt::format("{} {} events in {:.1f} h of analysable time",
                                 static_cast<long>(n_events), rep.detector.name, hours)
                   : fmt::format(
                         "events estimated from {} apnea episodes (one per {:.0f} s of episode, at "
                         "least one each) per hour of analysable time ({:.1f} h)",
                         rep.episodes.size(), options.assumed_cycle_s, hours);
  }
  rep.night_logit = night_logit_from_ahi(rate);
  rep.night_probability = static_cast<float>(1.0 / (1.0 + std::exp(-rep.night_logit)));

  // 6. HRV over analysable minutes; beats for the viewer.
  rep.hrv = hrv_summary(in.rr, keep);
  rep.r_time_s = std::move(in.beats.r_time_s);

  rep.analysis_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_start).count();
  return rep;
}

}  // namespace somna::analysis
