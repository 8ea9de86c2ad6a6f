// See cohort.hpp: the cohort table (summary.csv). Its columns and number formats are those
// summary.csv has always had, so that what reads it keeps working.

#include <fmt/format.h>

#include "cohort/cohort.hpp"
#include "io/file_write.hpp"
#include "report/field_formats.hpp"

namespace somna::cohort {
namespace {

using report::csv_field;

std::string fixed(const std::optional<double>& v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string();
}

// A failed record: its name and its error, the other columns empty.
std::string failed_line(const NightRow& r) {
  return csv_field(r.stem) + ",,,,,,,,,,,,,," + csv_field(r.error) + "\n";
}

std::string report_line(const NightRow& r) {
  return fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{},\n", csv_field(r.record), fixed(r.ahi, 2),
      r.severity, r.has_apnea ? 1 : 0, fixed(r.night_probability, 4), fixed(r.recording_h, 3),
      fixed(r.analysable_h, 3), fixed(r.apnea_minutes, 0), r.episodes, r.events,
      fixed(r.mean_hr_bpm, 1), csv_field(r.detector), csv_field(r.beat_source), csv_field(r.note));
}

}  // namespace

std::string cohort_csv(const Cohort& cohort) {
  std::string csv = std::string(kCsvHeader) + "\n";
  for (const NightRow& r : cohort.rows) csv += r.failed() ? failed_line(r) : report_line(r);
  return csv;
}

void write_cohort_csv(const Cohort& cohort, const std::string& path) {
  io::write_file(path, cohort_csv(cohort));
}

}  // namespace somna::cohort
