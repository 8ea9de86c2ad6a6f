#pragma once
// CSV / plain-text ECG: one column of samples, `time,value`, or several value columns with a
// header row. Parses from text in memory (so the fuzzer and tests need no files); read_csv adds
// the file. Layout rules (documented in docs/formats.md):
// - separators: tab, ';', ',' or blanks, chosen from the first content line (in that order);
//   with ';' or tab a decimal comma is accepted ("0,5");
// - '#' lines are comments; blank lines are skipped; a UTF-8 BOM is ignored;
// - a first line that is not all numbers is the header (channel names); a second all-text line
//   right after it gives units ("mV", "uV"); a header name may carry units ("ecg_uV",
//   "ECG (uV)", "ecg [mV]"), otherwise values are taken as mV;
// - the first column is time in seconds when its header says so ("time", "t", "time_s",
//   "Time (ms)", "Elapsed time"; clock values "h:mm:ss.sss" too) or, without a header, when it
//   rises uniformly; the sampling frequency then comes from it and must be uniform; a first
//   column "sample"/"index" is dropped; without a time column ReadOptions::fs is required;
// - empty fields, "nan" (in any case, also signed: "-nan", "+nan") and "NA" are gaps (NaN); a
//   first line made only of numbers and gaps is data, not a header;
// - a number too large for a sample (beyond the float range, e.g. "1e300", or "inf") is an "out
//   of range" error, anything else that is not a number a "not a number" error, both naming the
//   line and the column; a time column that does not increase names the two rows;
// - the sampling frequency (from the time column or ReadOptions::fs) must lie in
//   0.001..1e6 Hz and the recording must not exceed ReadOptions::max_duration_s (io/limits.hpp).
// Voltage columns are converted to mV.

#include <string>
#include <string_view>

#include "io/record.hpp"

namespace somna::io {

// `file` names the source in errors and becomes Record::path; the record name is its stem.
Record parse_csv(std::string_view text, const std::string& file, const ReadOptions& options);

// Reads a whole CSV/text file (at most 1 GiB) and parses it.
Record read_csv(const std::string& path, const ReadOptions& options);

}  // namespace somna::io
