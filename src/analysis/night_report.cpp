// analyze_night(): beats -> cleaned RR -> minute quality -> detector -> minutes, episodes, AHI,
// severity, HRV and exclusions. No shared state: safe to call from many threads (with
// Options::threads 2, each call also runs a second thread of its own).

#include "analysis/night_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>

#include "analysis/hrv.hpp"
#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "common/side_by_side.hpp"
#include "common/text_format.hpp"
#include "dsp/sample_range.hpp"

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

// "ECG channel 'MLII' ...": the night-level signal warnings for the channel analysed.
std::vector<std::string> ecg_warnings(const io::Channel& ecg,
                                      const std::vector<dsp::MinuteQuality>& quality) {
  std::vector<std::string> out;
  const std::string name = "ECG channel '" + ecg.name + "'";
  float lo = 0, hi = 0;
  const double clipped = dsp::clipped_share(ecg.samples, lo, hi);
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

// The report's record and detector fields; the steps below fill in the rest.
NightReport new_report(const io::Record& record, const Detector& detector) {
  NightReport rep;
  rep.record_name = record.name;
  rep.source_path = record.path;
  rep.start = record.start;
  rep.detector = detector.info();
  return rep;
}

// 1. The ECG channel (options.channel) when the record holds samples; null when it holds none or
//    the chosen channel is empty and external beats stand in for it.
const io::Channel* ecg_channel(const io::Record& record, const Options& options,
                               const std::string& file) {
  const bool has_samples = std::any_of(record.channels.begin(), record.channels.end(),
                                       [](const io::Channel& c) { return !c.samples.empty(); });
  if (!has_samples) return nullptr;
  const size_t idx = io::choose_channel(record, options.channel, file);
  const io::Channel* ecg = &record.channels.at(idx);
  if (ecg->samples.empty() || ecg->fs <= 0) {
    if (!options.beats) {
      throw AnalysisError(file, "channel '" + ecg->name + "' holds no samples");
    }
    return nullptr;
  }
  return ecg;
}

// 1. The beats: the external ones (options.beats) or those detected in the ECG.
dsp::Beats night_beats(const io::Record& record, const io::Channel* ecg, const Options& options,
                       const std::string& file) {
  if (options.beats) {
    dsp::Beats beats = *options.beats;
    if (beats.source.empty()) beats.source = "annotation";
    return beats;
  }
  if (!ecg) {
    throw AnalysisError(file, record.channels.empty() ? "the record has no signals"
                                                      : "the record holds no ECG samples");
  }
  dsp::DetectOptions detect;
  detect.threads = options.threads;
  return dsp::detect_beats(*ecg, detect);
}

// 1. The night's length: the longest of the record, the beats and the ECG; it must be above zero
//    and at most kMaxNightHours.
double night_duration(const io::Record& record, const io::Channel* ecg, const dsp::Beats& beats,
                      const std::string& file) {
  double duration = std::max({record.duration_s(), beats.duration_s,
                              beats.r_time_s.empty() ? 0.0 : beats.r_time_s.back()});
  if (ecg) duration = std::max(duration, ecg->duration_s());
  if (!(duration > 0)) throw AnalysisError(file, "the recording has zero length");
  if (duration > kMaxNightHours * 3600) {
    throw AnalysisError(file, fmt::format("the recording lasts {}; one analysis takes at "
                                          "most {:.0f} h (split longer recordings)",
                                          duration_text(duration), kMaxNightHours));
  }
  return duration;
}

// 1. Throws unless there are at least two beats, naming where they were looked for.
void require_beats(const dsp::Beats& beats, double duration, const io::Channel* ecg,
                   const Options& options, const std::string& file) {
  if (beats.size() >= 2) return;
  // External beats: the annotation file is to blame, not the ECG beside it.
  const std::string where = options.beats
                                ? "the beat annotations (" + beats.source + ")"
                                : (ecg ? "ECG (channel '" + ecg->name + "')" : "annotations");
  throw AnalysisError(
      file, fmt::format("no heartbeats found in {} of {}", duration_text(duration), where));
}

// The words of a text (runs of letters and digits): "from a08.qrs (120-300)" -> from a08 qrs ...
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words(1);
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      words.back() += c;
    } else if (!words.back().empty()) {
      words.emplace_back();
    }
  }
  return words;
}

// The detector's training night this record is, or is built from: its name, or a record name in
// its header comments (e.g. "rendered from beat annotations a08.qrs"). Empty: none.
std::string training_night_of(const io::Record& record, const DetectorInfo& detector) {
  const auto trained = [&](const std::string& w) {
    return !w.empty() && detector.is_training_record(w);
  };
  if (trained(record.name)) return record.name;
  for (const std::string& c : record.comments) {
    for (const std::string& w : words_of(c))
      if (trained(w)) return w;
  }
  return {};
}

// 2. The record's warnings, then those about the ECG channel analysed (clipped, flat, saturated),
//    and whether the night is one the detector was trained on.
std::vector<std::string> night_warnings(const io::Record& record, const io::Channel* ecg,
                                        const std::vector<dsp::MinuteQuality>& quality,
                                        const DetectorInfo& detector) {
  std::vector<std::string> out = record.warnings;
  if (ecg) {
    for (std::string& w : ecg_warnings(*ecg, quality)) out.push_back(std::move(w));
  }
  if (const std::string night = training_night_of(record, detector); !night.empty()) {
    out.push_back(fmt::format(
        "this recording is, or is built from, {}, one of the nights detector {} was trained on: "
        "its agreement with that night's reference labels is not a test result (the model card "
        "gives cross-validated figures)",
        night, detector.name));
  }
  return out;
}

// 2. The detector's scores; it must score every minute.
MinuteScores detector_scores(const Detector& detector, const NightInput& in,
                             const std::string& name, const std::string& file) {
  MinuteScores scores = detector.score(in);
  if (scores.p_apnea.size() != in.n_minutes) {
    throw AnalysisError(file, fmt::format("detector '{}' scored {} minutes of {}", name,
                                          scores.p_apnea.size(), in.n_minutes));
  }
  return scores;
}

// 3. Mean heart rate of each minute (bpm, from the mean RR of the intervals ending in it; 0 when
//    none does).
std::vector<float> minute_heart_rates(const NightInput& in) {
  std::vector<double> hr_sum(in.n_minutes, 0), hr_n(in.n_minutes, 0);
  for (size_t i = 0; i < in.rr.t_s.size() && i < in.rr.rr_s.size(); ++i) {
    const size_t m = static_cast<size_t>(std::max(0.0, in.rr.t_s[i]) / 60);
    if (m < in.n_minutes && in.rr.rr_s[i] > 0) hr_sum[m] += in.rr.rr_s[i], hr_n[m] += 1;
  }
  std::vector<float> bpm(in.n_minutes);
  for (size_t m = 0; m < in.n_minutes; ++m)
    bpm[m] = hr_n[m] > 0 ? static_cast<float>(60.0 / (hr_sum[m] / hr_n[m])) : 0.f;
  return bpm;
}

// 3. Minute m: its apnea probability (not finite: 0), quality, and whether it is excluded (quality
//    below options.min_quality) or an apnea minute (p_apnea at least the detector's threshold).
MinuteResult minute_result(size_t m, float p, const dsp::MinuteQuality& quality, float thr,
                           float heart_rate_bpm, const Options& options) {
  MinuteResult r;
  r.t_s = 60.0 * double(m);
  if (!std::isfinite(p)) p = 0;
  r.p_apnea = std::clamp(p, 0.f, 1.f);
  r.quality = quality.score;
  r.quality_reason = quality.reason;
  r.excluded = !is_analysable(quality, options);
  r.apnea = !r.excluded && r.p_apnea >= thr;
  r.heart_rate_bpm = heart_rate_bpm;
  return r;
}

// 3. Minutes: fills rep.minutes, the analysable time, the apnea minutes and the exclusions (one
//    line per reason).
void fill_minutes(const NightInput& in, const MinuteScores& scores, double duration,
                  const Options& options, NightReport& rep) {
  const float thr = static_cast<float>(rep.detector.threshold);
  const std::vector<float> heart_rate = minute_heart_rates(in);
  std::map<std::string, size_t> excluded_by_reason;
  rep.minutes.resize(in.n_minutes);
  for (size_t m = 0; m < in.n_minutes; ++m) {
    MinuteResult& r = rep.minutes[m];
    r = minute_result(m, scores.p_apnea[m], in.quality[m], thr, heart_rate[m], options);
    const double len = std::min(60.0, duration - r.t_s);
    if (r.excluded) {
      ++excluded_by_reason[r.quality_reason.empty() ? "low signal quality" : r.quality_reason];
    } else {
      rep.analysable_s += len;
    }
    if (r.apnea) rep.apnea_minutes += 1;
  }
  for (const auto& [reason, count] : excluded_by_reason) {
    rep.exclusions.push_back(fmt::format("{} excluded: {}", plural(count, "min", "min"), reason));
  }
}

// 4. Episodes: runs of apnea minutes (the last one ends with the recording).
std::vector<Episode> apnea_episodes(const std::vector<MinuteResult>& minutes, double duration) {
  std::vector<Episode> episodes;
  for (size_t m = 0; m < minutes.size();) {
    if (!minutes[m].apnea) {
      ++m;
      continue;
    }
    size_t e = m;
    double sum_p = 0;
    while (e < minutes.size() && minutes[e].apnea) sum_p += minutes[e].p_apnea, ++e;
    Episode ep;
    ep.start_s = minutes[m].t_s;
    ep.duration_s = std::min(duration, minutes[e - 1].t_s + 60) - ep.start_s;
    ep.minutes = static_cast<int>(e - m);
    ep.mean_p = static_cast<float>(sum_p / double(e - m));
    episodes.push_back(ep);
    m = e;
  }
  return episodes;
}

// 5. The events the AHI counts: the detector's own that end in an analysable minute (kept in
//    rep.events), else one per assumed_cycle_s of each episode (at least one). Sets ahi_method.
double count_events(const MinuteScores& scores, bool has_events, const std::vector<uint8_t>& keep,
                    const Options& options, NightReport& rep) {
  double n_events = 0;
  if (has_events) {
    for (const Event& e : scores.events) {
      const size_t m = end_minute(e);
      if (m < keep.size() && keep[m]) {
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
  return n_events;
}

// 5. The AHI over analysable time (none below options.min_analysable_hours, with a note saying
//    why) and its severity: the detector's event-rate estimator when it has one, else the events
//    counted above per hour. The night's probability only from the estimator's calibrated
//    logistic.
void estimate_ahi(const NightInput& in, const MinuteScores& scores, double n_events,
                  bool has_events, const std::vector<uint8_t>& keep, const std::vector<Event>& cvhr,
                  const Options& options, NightReport& rep) {
  const double hours = rep.analysable_s / 3600.0;
  if (rep.analysable_s < options.min_analysable_hours * 3600.0) {
    rep.ahi_note =
        fmt::format("no AHI: {:.1f} h analysable, at least {:.1f} h are needed for an estimate",
                    hours, options.min_analysable_hours);
    return;
  }
  double rate = hours > 0 ? n_events / hours : 0.0;
  if (const auto& model = rep.detector.ahi_model) {
    const AhiFeatures f =
        night_ahi_features(in, scores.p_apnea, keep, rep.detector.threshold, cvhr);
    rate = analysis::estimate_ahi(*model, f);
    rep.ahi_method = "event-rate model";
    rep.ahi_note = fmt::format(
        "events per hour estimated from {:.1f} expected apnea minutes, {:.1f} apnea episodes and "
        "{:.1f} cyclic heart-rate dips per hour of analysable time ({:.1f} h), by the estimator "
        "fitted with the model",
        f.expected_apnea_min_per_h, f.episodes_per_h, f.cvhr_per_h, hours);
    if (model->night_logistic) {
      rep.night_logit = night_logit(*model, rate);
      rep.night_probability = static_cast<float>(1.0 / (1.0 + std::exp(-*rep.night_logit)));
    }
  } else if (has_events) {
    rep.ahi_note = fmt::format("{} {} events in {:.1f} h of analysable time",
                               static_cast<long>(n_events), rep.detector.name, hours);
  } else {
    rep.ahi_note = fmt::format(
        "events estimated from {} apnea episodes (one per {:.0f} s of episode, at least one "
        "each) per hour of analysable time ({:.1f} h)",
        rep.episodes.size(), options.assumed_cycle_s, hours);
  }
  rep.ahi = rate;
  rep.severity = severity_from_ahi(rate);
  rep.has_apnea = rate >= 5;
}

// 2. What the night's report needs besides the detector's scores; taken while it scores.
struct NightMeasures {
  std::vector<std::string> warnings;
  HrvSummary hrv;
  std::vector<Event> cvhr;  // the CVHR dips the AHI estimator counts (when the detector has one)
};

NightMeasures night_measures(const io::Record& record, const NightInput& in,
                             const std::vector<uint8_t>& keep, const DetectorInfo& detector) {
  NightMeasures out;
  out.warnings = night_warnings(record, in.ecg, in.quality, detector);
  out.hrv = hrv_summary(in.rr, keep);
  if (detector.ahi_model) out.cvhr = cvhr_events(in);
  return out;
}

}  // namespace

bool is_analysable(const dsp::MinuteQuality& quality, const Options& options) {
  return quality.score >= options.min_quality;
}

std::vector<uint8_t> analysable_minutes(const std::vector<dsp::MinuteQuality>& quality,
                                        const Options& options) {
  std::vector<uint8_t> keep;
  keep.reserve(quality.size());
  for (const auto& q : quality) keep.push_back(is_analysable(q, options));
  return keep;
}

NightReport analyze_night(const io::Record& record, const Detector& detector,
                          const Options& options) {
  const auto t_start = std::chrono::steady_clock::now();
  const std::string file = record.path.empty() ? record.name : record.path;
  NightReport rep = new_report(record, detector);

  // 1. The ECG channel (when there are samples) and the beats.
  const io::Channel* ecg = ecg_channel(record, options, file);
  dsp::Beats beats = night_beats(record, ecg, options, file);
  if (ecg) {
    rep.channel = ecg->name;
    rep.fs = ecg->fs;
  }
  rep.beat_source = beats.source;
  const double duration = night_duration(record, ecg, beats, file);
  require_beats(beats, duration, ecg, options, file);
  rep.recording_s = duration;
  rep.n_beats = beats.size();

  // 2. RR cleaning, minute quality; the detector's scores, and beside them the warnings, HRV over
  //    analysable minutes and the CVHR dips.
  NightInput in = night_input(ecg, std::move(beats), duration);
  in.threads = options.threads;
  rep.n_corrected = in.rr.n_corrected();
  const std::vector<uint8_t> keep = analysable_minutes(in.quality, options);
  MinuteScores scores;
  NightMeasures measures;
  side_by_side(
      options.threads > 1, [&] { scores = detector_scores(detector, in, rep.detector.name, file); },
      [&] { measures = night_measures(record, in, keep, rep.detector); });
  rep.warnings = std::move(measures.warnings);
  rep.hrv = measures.hrv;

  // 3-5. Minutes, episodes, events and the AHI estimate over analysable time.
  fill_minutes(in, scores, duration, options, rep);
  rep.episodes = apnea_episodes(rep.minutes, duration);
  const bool has_events = !scores.events.empty() || scores.events_per_hour.has_value();
  const double n_events = count_events(scores, has_events, keep, options, rep);
  estimate_ahi(in, scores, n_events, has_events, keep, measures.cvhr, options, rep);

  // 6. Beats for the viewer.
  rep.r_time_s = std::move(in.beats.r_time_s);

  rep.analysis_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_start).count();
  return rep;
}

}  // namespace somna::analysis
