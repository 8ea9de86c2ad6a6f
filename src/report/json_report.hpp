#pragma once
// NightReport as JSON: the schema documented in docs/report-schema.md and checked against
// docs/night-report.schema.json by tests/report. Used by `somna analyze --json`, the batch
// outputs and the server's /predict "night" member, so all of them say the same thing.

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/night_report.hpp"

namespace somna::report {

constexpr const char* kNightReportSchema = "somna.night-report/1";

struct JsonOptions {
  bool include_events = true;  // the detector's events (can be a few hundred)
  bool include_beats = false;  // R times (tens of thousands): only when asked
};

nlohmann::json night_report_json(const analysis::NightReport& report,
                                 const JsonOptions& options = {});

// Writes the JSON (2-space indent) to `path`; throws somna::Error naming the file on I/O failure.
void write_json_report(const analysis::NightReport& report, const std::string& path,
                       const JsonOptions& options = {});

// Per-minute label in the JSON and the terminal: "A" apnea, "N" normal, "X" excluded.
const char* minute_label(const analysis::MinuteResult& m);

}  // namespace somna::report
