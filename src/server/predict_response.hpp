#pragma once
// The /predict success body: the original design's shape (success, prediction, demographics,
// waveform, timestamp) built from a NightReport, plus `night` (the NightReport JSON exactly as
// report/json_report writes it) and, when asked, `ecg` (the analysed channel at <= 100 Hz for the
// web page's scrolling viewer). Field meanings: docs/api.md.

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/night_report.hpp"
#include "io/record.hpp"

namespace somna::server {

struct Risk {
  const char* level;  // "low", "mild", "moderate", "high", "unknown"
  const char* color;  // CSS hex colour
};
Risk risk_of(const analysis::NightReport& report);

// One sentence for people: the AHI estimate and what it means, or why there is none.
std::string diagnosis_of(const analysis::NightReport& report);

// SVG polyline points "x,y x,y ..." of the first `seconds` of `ch` that hold signal: at most
// `max_points` points, x in [0, width], y in [0, height] (highest voltage at the top).
std::string waveform_points(const io::Channel& ch, double seconds = 10, int max_points = 1000,
                            double width = 1000, double height = 200);

// {fs, start_s, unit, samples}: `ch` averaged over blocks of ceil(fs / max_hz) samples.
nlohmann::json ecg_json(const io::Channel& ch, double max_hz = 100);

// "YYYY-MM-DDTHH:MM:SSZ" now, UTC.
std::string utc_timestamp();

struct PredictOptions {
  bool include_ecg = false;  // adds `ecg` and night.beats
  std::string channel;       // the channel choice the analysis used
  std::string client_file;   // replaces night.record.source_path (never a server path)
  std::string request_id;
};

nlohmann::json predict_response(const analysis::NightReport& report, const io::Record& record,
                                const PredictOptions& options);

}  // namespace somna::server
