#pragma once
// A cohort: the per-night results of a batch run (`somna analyze DIR --out OUT`, possibly
// sharded over many processes or machines) gathered from the report folders, one row per
// record, as `somna analyze` (OUT/summary.csv) and `somna summary` (CSV + HTML page) present
// them. Reading the folders is cohort_reader.cpp, the table cohort_table.cpp, the counts
// cohort_counts.cpp, the page cohort_page.cpp.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace somna::cohort {

// One night: a report's summary, or why its record failed.
struct NightRow {
  std::string stem;    // REC of REC.json / REC.error.txt: the record's key (and sort order)
  std::string record;  // the report's record.name (the stem for a failed record)
  std::string folder;  // the folder it was read from
  std::optional<double> ahi;
  std::string severity;  // "normal", "mild", "moderate", "severe"; empty without an AHI
  bool has_apnea = false;
  std::optional<double> night_probability;
  double recording_h = 0, analysable_h = 0;
  std::optional<double> apnea_minutes;
  size_t episodes = 0, events = 0;
  std::optional<double> mean_hr_bpm;
  std::string detector, beat_source, note;  // note: the report's ahi_note
  std::string error;  // non-empty: failed (REC.error.txt, or a report that cannot be read)
  bool failed() const { return !error.empty(); }
};

struct Cohort {
  std::vector<NightRow> rows;         // one per record, sorted by stem
  std::vector<std::string> warnings;  // files skipped, duplicates resolved (for the log)
};

// Reads REC.json (night reports, schema somna.night-report/1) and REC.error.txt in each folder
// (not recursively; hidden files such as io::write_file's temporaries are ignored). A JSON file
// of another schema is skipped with a warning; one that cannot be parsed or lacks a summary
// member becomes a failed row naming the file. A record found more than once (a report and an
// error file, or in several folders) keeps one row: a report before an error file, then the
// folder given first; each such choice is a warning. Throws somna::Error for a folder that is
// missing or cannot be listed.
Cohort read_cohort(const std::vector<std::string>& folders);

// The cohort table, one line per row after the header (the columns of kCsvHeader).
std::string cohort_csv(const Cohort& cohort);
// Writes it to `path` whole (temporary file + rename: concurrent writers never interleave).
void write_cohort_csv(const Cohort& cohort, const std::string& path);
constexpr const char* kCsvHeader =
    "record,ahi,severity,has_apnea,night_probability,recording_h,analysable_h,apnea_minutes,"
    "episodes,events,mean_hr_bpm,detector,beat_source,note,error";

// What the page and the command's closing line report.
struct CohortCounts {
  size_t records = 0, failed = 0, no_ahi = 0;  // no_ahi: analysed, but no AHI estimate
  std::array<size_t, 4> severity{};            // normal, mild, moderate, severe (with an AHI)
  std::optional<double> median_ahi;
};
CohortCounts count_cohort(const Cohort& cohort);

struct PageOptions {
  std::vector<std::string> sources;  // the folders read, shown under the title
  std::string generator;             // e.g. "somna 0.1.0", in the footer
};
// One self-contained HTML page: record, failure and no-AHI counts, the AHI distribution (a
// histogram in 5 events/h bins with the AASM bands 5/15/30 marked), the severity counts, the
// failed records and the nights without an AHI, and the table of all nights; a note when the
// nights were analysed with different detectors or beat sources. Deterministic (no
// clock time), so identical cohorts give identical pages.
std::string cohort_html(const Cohort& cohort, const PageOptions& options = {});
void write_cohort_html(const Cohort& cohort, const std::string& path,
                       const PageOptions& options = {});

}  // namespace somna::cohort
