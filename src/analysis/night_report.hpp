#pragma once
// NightReport: everything Somna says about one night, and analyze_night(), the single entry point
// that the CLI, the server and the benchmarks call.

#include <optional>
#include <string>
#include <vector>

#include "analysis/detector.hpp"
#include "dsp/beats.hpp"
#include "io/record.hpp"

namespace somna::analysis {

struct MinuteResult {
  double t_s = 0;  // minute start, seconds from recording start
  float p_apnea = 0;
  bool apnea = false;  // p_apnea >= threshold and quality usable
  float quality = 1;   // [0,1]
  std::string quality_reason;
  bool excluded = false;     // quality too low: not counted in AHI / analysable time
  float heart_rate_bpm = 0;  // 0 when unknown
};

struct Episode {
  double start_s = 0, duration_s = 0;
  float mean_p = 0;
  int minutes = 0;
};

struct HrvSummary {
  double mean_hr_bpm = 0, sdnn_ms = 0, rmssd_ms = 0, lf_hf = 0;
  double min_hr_bpm = 0, max_hr_bpm = 0;
};

enum class Severity { Normal, Mild, Moderate, Severe };
const char* severity_name(Severity s);   // "normal", "mild", "moderate", "severe"
Severity severity_from_ahi(double ahi);  // AASM: <5, 5–15, 15–30, >=30

struct NightReport {
  std::string record_name;
  std::string source_path;
  std::optional<io::DateTime> start;
  double recording_s = 0, analysable_s = 0;
  double fs = 0;
  std::string channel;      // the ECG channel used ("" when beats were external)
  std::string beat_source;  // "detector:..." or "annotation:qrs"
  size_t n_beats = 0, n_corrected = 0;
  DetectorInfo detector;
  std::vector<MinuteResult> minutes;
  std::vector<Episode> episodes;
  std::vector<Event> events;
  std::optional<double> ahi;  // estimated AHI (events/h); nullopt when too short (see ahi_note)
  std::string ahi_note;       // why there is no AHI, or how it was estimated
  Severity severity = Severity::Normal;
  bool has_apnea = false;  // AHI >= 5
  double apnea_minutes = 0;
  // p(AHI >= 5) for the whole night, only from a calibrated logistic that shipped with the
  // detector (AhiModel::night_logistic); nullopt otherwise (never a fixed mapping).
  std::optional<float> night_probability;
  std::optional<double> night_logit;
  HrvSummary hrv;
  std::vector<std::string> exclusions;  // e.g. "12 min excluded: flat line"
  // Night-level quality warnings: what the reader found doubtful in the file (io::Record::
  // warnings, e.g. a signal file longer than its header says) and an ECG that is mostly clipped
  // at its extreme values or mostly flat. The numbers are still computed; these say why they
  // may not mean much.
  std::vector<std::string> warnings;
  double analysis_ms = 0;  // time analyze_night took
  // Added: the beats the analysis used (R times, s) for the ECG strip viewer, and how the AHI was
  // estimated ("event-rate model", "detector events" or "episodes"; docs/report-schema.md).
  std::vector<double> r_time_s;
  std::string ahi_method;
};

struct Options {
  std::string channel;  // ECG channel choice (io::ReadOptions::channel semantics)
  // External beats (e.g. the database's .qrs); when set, the ECG is not searched for beats.
  std::optional<dsp::Beats> beats;
  double min_analysable_hours = 2.0;  // below: no AHI, a note says why
  float min_quality = 0.5f;           // minutes below are excluded
  // Added: for detectors without events, the apnea/recovery cycle length assumed when turning
  // apnea minutes into an event count (each episode gives max(1, duration / this) events).
  double assumed_cycle_s = 60.0;
  // Threads one night may use: with 2, the QRS detector filters the night's two halves at once,
  // the detector scores the night while another thread takes the night's other measures (quality
  // warnings, HRV, the CVHR dips the AHI estimate counts), and the detector may split its own
  // work (an ensemble's networks). The report does not depend on it. The server uses 2 for an
  // upload (its second core otherwise waits; its threads share one heap). A one-night `somna
  // analyze` keeps 1: there a second thread saved ~3 ms of ~75 on two cores, and only with the
  // server's one-heap policy (a thread's own heap cost ~30 ms of page faults).
  int threads = 1;
};

// 1 for each minute whose quality is at least options.min_quality: the minutes the AHI and the
// analysable time count. Training fits the AHI estimator on the same minutes.
bool is_analysable(const dsp::MinuteQuality& quality, const Options& options = {});
std::vector<uint8_t> analysable_minutes(const std::vector<dsp::MinuteQuality>& quality,
                                        const Options& options = {});

// Analyses one night. record may hold no samples when options.beats is given (beats-only nights).
// Throws analysis::AnalysisError when there is no usable ECG.
NightReport analyze_night(const io::Record& record, const Detector& detector,
                          const Options& options = {});

}  // namespace somna::analysis
